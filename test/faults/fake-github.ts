import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** A local stand-in for api.github.com that counts every request it answers. */
export interface FakeGitHub {
  url: string;
  /** Requests seen, keyed "METHOD route" with ids and names replaced by placeholders. */
  calls: Map<string, number>;
  total(): number;
  close(): Promise<void>;
}

function routeOf(method: string, path: string): string {
  const route = path
    .replace(/^\/app\/installations\/\d+\/access_tokens$/, "/app/installations/{id}/access_tokens")
    .replace(/^\/repos\/[^/]+\/[^/]+\//, "/repos/{owner}/{repo}/")
    .replace(/\/contents\/.*$/, "/contents/{path}")
    .replace(/\/collaborators\/[^/]+\//, "/collaborators/{user}/")
    .replace(/\/\d+(?=\/|$)/g, "/{n}");
  return `${method} ${route}`;
}

/**
 * Answers what the App asks GitHub while feeding: installation tokens (201), `.github/dash.yml`
 * (404: no config anywhere), a repo's languages (Dart), PR comments (none yet; writes succeed) and
 * a commenter's permission (read). Everything else is a 404.
 */
export async function startFakeGitHub(
  opts: {
    /**
     * Asked before each answer, with the request's route and path: a promise returned holds the
     * answer until it settles (a test decides when GitHub answers).
     */
    hold?: (route: string, path: string) => Promise<unknown> | undefined;
  } = {},
): Promise<FakeGitHub> {
  const calls = new Map<string, number>();
  let commentIds = 0;
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const route = routeOf(req.method ?? "GET", path);
    calls.set(route, (calls.get(route) ?? 0) + 1);
    req.resume();
    req.on("end", async () => {
      await Promise.resolve(opts.hold?.(route, path)).catch(() => undefined);
      const reply = (status: number, body: unknown) => {
        const text = JSON.stringify(body);
        res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
        res.end(text);
      };
      if (route === "POST /app/installations/{id}/access_tokens") {
        return reply(201, {
          token: "ghs_fake_installation_token",
          expires_at: new Date(Date.now() + 3600_000).toISOString(),
          permissions: {},
          repository_selection: "all",
        });
      }
      if (route === "GET /repos/{owner}/{repo}/languages") return reply(200, { Dart: 1000 });
      // PR comments: none yet, and writing one succeeds.
      if (route === "GET /repos/{owner}/{repo}/issues/{n}/comments") return reply(200, []);
      if (route === "POST /repos/{owner}/{repo}/issues/{n}/comments") return reply(201, { id: ++commentIds });
      if (route === "PATCH /repos/{owner}/{repo}/issues/comments/{n}") return reply(200, { id: 1 });
      if (route === "GET /repos/{owner}/{repo}/collaborators/{user}/permission") {
        return reply(200, { permission: "read", role_name: "read" });
      }
      return reply(404, { message: "Not Found" });
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", () => done()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    total: () => [...calls.values()].reduce((n, c) => n + c, 0),
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
