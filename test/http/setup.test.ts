import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { unreachableByGitHub, webUrlOf } from "../../src/http/setup-routes.js";
import { type Harness, startApp } from "../helpers/app-harness.js";

const KEY = "setup-key-for-tests";
/** What the browser that opened the setup link sends back. */
const COOKIE = { cookie: `repositori_setup=${KEY}` };
let app: Harness;
let dir: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "repositori-setup-"));
  copyFileSync("app.yml", join(dir, "app.yml"));
  app = await startApp({ env: { APP_ID: "", PRIVATE_KEY: "", WEBHOOK_SECRET: "" }, cwd: dir, setupKey: KEY });
});
afterEach(async () => {
  await app.close();
});

/** The `state` the setup page put in its form, as GitHub would send it back. */
async function stateOfForm(): Promise<string> {
  const page = await app.get(`/?setup=${KEY}`);
  return /\?state=([\w-]+)"/.exec(page.text())?.[1] ?? "";
}

describe("an App without credentials", () => {
  it("still serves health and the JSON API", async () => {
    const health = await app.get("/healthz");
    expect(health.status).toBe(200);
    expect(health.json().githubApp).toBe("not registered");
    expect((await app.get("/api/v1/repos/a/b")).status).toBe(404);
  });

  it("offers registration from app.yml through GitHub's manifest flow", async () => {
    const page = await app.get(`/?setup=${KEY}`);
    expect(page.status).toBe(200);
    expect(page.text()).toMatch(/action="https:\/\/github\.com\/settings\/apps\/new\?state=[\w-]{32}"/);
    const manifest = JSON.parse(
      (/name="manifest" value="([^"]*)"/.exec(page.text())?.[1] ?? "").replace(/&quot;/g, '"').replace(/&amp;/g, "&"),
    );
    expect(manifest.hook_attributes.url).toBe("http://dash.test/api/github/webhooks");
    expect(manifest.redirect_url).toBe("http://dash.test/setup/done");
    expect(manifest.default_events).toContain("pull_request_review");
    expect(manifest.default_permissions).toMatchObject({ issues: "write", pull_requests: "write", contents: "read" });
    // Installable only by the account that registers it, unless app.yml says otherwise.
    expect(manifest.public).toBe(false);
  });

  it("registers from the app.yml shipped with the App when the working directory has none", async () => {
    const bare = mkdtempSync(join(tmpdir(), "repositori-setup-bare-"));
    const other = await startApp({
      env: { APP_ID: "", PRIVATE_KEY: "", WEBHOOK_SECRET: "" },
      cwd: bare,
      setupKey: KEY,
    });
    try {
      const page = await other.get(`/?setup=${KEY}`);
      expect(page.status).toBe(200);
      expect(page.text()).toMatch(/action="https:\/\/github\.com\/settings\/apps\/new\?state=[\w-]{32}"/);
    } finally {
      await other.close();
    }
  });

  it("turns GitHub's one-time code into credentials saved in .env", async () => {
    nock("https://api.github.com").post("/app-manifests/abc123/conversions").reply(201, {
      id: 4242,
      slug: "repositori-test",
      html_url: "https://github.com/apps/repositori-test",
      pem: "-----BEGIN RSA PRIVATE KEY-----\nAAA\n-----END RSA PRIVATE KEY-----\n",
      webhook_secret: "s3cr3t",
    });
    const done = await app.get(`/setup/done?code=abc123&state=${await stateOfForm()}`, COOKIE);
    expect(done.status).toBe(200);
    expect(done.text()).toContain("https://github.com/apps/repositori-test/installations/new");
    expect(done.text()).not.toContain("s3cr3t");
    const saved = readFileSync(join(dir, ".env"), "utf8");
    expect(saved).toContain('APP_ID="4242"');
    expect(saved).toContain('WEBHOOK_SECRET="s3cr3t"');
    expect(saved).toContain('PRIVATE_KEY="-----BEGIN RSA PRIVATE KEY-----\\nAAA\\n-----END RSA PRIVATE KEY-----\\n"');
    process.loadEnvFile(join(dir, ".env"));
    expect(process.env.PRIVATE_KEY).toBe("-----BEGIN RSA PRIVATE KEY-----\nAAA\n-----END RSA PRIVATE KEY-----\n");
    delete process.env.PRIVATE_KEY;
    delete process.env.APP_ID;
    delete process.env.WEBHOOK_SECRET;
  });

  it("shows the credentials once when .env cannot be written, rather than losing them", async () => {
    // A .env that cannot be written (here a directory, as a bind mount made too early leaves it).
    mkdirSync(join(dir, ".env"));
    nock("https://api.github.com").post("/app-manifests/def456/conversions").reply(201, {
      id: 4343,
      slug: "repositori-test",
      pem: "-----BEGIN RSA PRIVATE KEY-----\nBBB\n-----END RSA PRIVATE KEY-----\n",
      webhook_secret: "s3cr3t-2",
    });
    const done = await app.get(`/setup/done?code=def456&state=${await stateOfForm()}`, COOKIE);
    expect(done.status).toBe(200);
    expect(done.headers["cache-control"]).toBe("no-store");
    expect(done.text()).toContain("could not be written to <code>.env</code>");
    // As the browser shows the page: the lines to put in .env.
    const shown = done.text().replaceAll("&quot;", '"');
    expect(shown).toContain('APP_ID="4343"');
    expect(shown).toContain('WEBHOOK_SECRET="s3cr3t-2"');
    expect(shown).toContain('PRIVATE_KEY="-----BEGIN RSA PRIVATE KEY-----\\nBBB\\n-----END RSA PRIVATE KEY-----\\n"');
    // The App exists on GitHub now: a second answer is refused, and the log says what happened.
    const again = await app.get(`/setup/done?code=def456&state=${await stateOfForm()}`, COOKIE);
    expect(again.status).toBe(409);
    const logged = app.takeErrorLogs();
    expect(logged.map((l) => l.msg)).toEqual([expect.stringMatching(/registered but \.env could not be written/)]);
    expect(JSON.stringify(logged)).not.toContain("BBB");
  });

  it("offers registration only to the browser that opened the setup link from the log", async () => {
    // Anyone else sees that the server is not registered, and no form (no state to copy).
    for (const path of ["/", "/?setup=guess", `/?setup=${KEY}x`]) {
      const page = await app.get(path);
      expect(page.status).toBe(200);
      expect(page.text()).toContain("open the setup link the server printed in its log");
      expect(page.text()).not.toContain("settings/apps/new");
      expect(page.headers["set-cookie"]).toBeUndefined();
    }
    // The link's key is kept in a cookie, so the page works again without it in the URL.
    const opened = await app.get(`/?setup=${KEY}`);
    expect(String(opened.headers["set-cookie"])).toMatch(
      new RegExp(`^repositori_setup=${KEY}; Path=/; HttpOnly; SameSite=Lax; Max-Age=3600$`),
    );
    expect((await app.get("/", COOKIE)).text()).toContain("settings/apps/new?state=");
  });

  it("accepts a code only from that browser, with the state of its own form, and only once", async () => {
    const conversion = nock("https://api.github.com")
      .post("/app-manifests/abc123/conversions")
      .reply(201, { id: 1, pem: "pem", webhook_secret: "s3cr3t" });
    // A code sent by someone else (no state, another state, or the right state without the cookie)
    // never reaches GitHub nor .env.
    const state = await stateOfForm();
    for (const [query, headers] of [
      ["code=abc123", COOKIE],
      ["code=abc123&state=forged", COOKIE],
      [`code=abc123&state=${"x".repeat(32)}`, COOKIE],
      [`code=abc123&state=${state}`, {}],
      [`code=abc123&state=${state}`, { cookie: "repositori_setup=guess" }],
    ] as const) {
      const forged = await app.get(`/setup/done?${query}`, headers);
      expect(forged.status).toBe(403);
      expect(forged.text()).toMatch(/Start again from/);
    }
    expect(conversion.isDone()).toBe(false);
    expect(existsSync(join(dir, ".env"))).toBe(false);

    expect((await app.get(`/setup/done?code=abc123&state=${state}`, COOKIE)).status).toBe(200);
    expect(conversion.isDone()).toBe(true);
    const again = await app.get(`/setup/done?code=abc123&state=${state}`, COOKIE);
    expect(again.status).toBe(409);
    expect(again.text()).toMatch(/restart/);
    for (const key of ["APP_ID", "PRIVATE_KEY", "WEBHOOK_SECRET"]) delete process.env[key];
  });

  it("warns before registering with an address GitHub cannot reach, and names the webhook path in use", async () => {
    expect((await app.get(`/?setup=${KEY}`)).text()).not.toContain("GitHub will refuse");
    const local = await startApp({
      env: {
        APP_ID: "",
        PRIVATE_KEY: "",
        WEBHOOK_SECRET: "",
        PUBLIC_URL: "http://localhost:3000",
        WEBHOOK_PATH: "/hooks",
      },
      cwd: dir,
      setupKey: KEY,
    });
    try {
      const page = (await local.get(`/?setup=${KEY}`)).text();
      expect(page).toContain("GitHub will refuse this registration");
      expect(page).toContain("<code>http://localhost:3000/hooks</code>");
    } finally {
      await local.close();
    }
    for (const url of [
      "http://localhost:3000/x",
      "http://127.0.0.1/x",
      "http://10.1.2.3/x",
      "http://192.168.1.5/x",
      "http://172.20.0.1/x",
      "http://[::1]:3000/x",
      "http://box.local/x",
    ]) {
      expect(unreachableByGitHub(url), url).toBe(true);
    }
    for (const url of ["https://dash.example.com/x", "https://abc.trycloudflare.com/x", "http://172.32.0.1/x"]) {
      expect(unreachableByGitHub(url), url).toBe(false);
    }
  });

  it("sends GitHub Enterprise Server users to their own server", () => {
    expect(webUrlOf("https://api.github.com")).toBe("https://github.com");
    expect(webUrlOf("https://ghe.example.com/api/v3")).toBe("https://ghe.example.com");
    expect(webUrlOf("https://ghe.example.com/api/v3/")).toBe("https://ghe.example.com");
  });

  it("refuses webhooks with 503 and a malformed code with 400", async () => {
    const hook = await app.deliver("push", {});
    expect(hook.status).toBe(503);
    expect(hook.json().error).toMatch(/not registered/);
    expect((await app.get("/setup/done?code=../../x")).status).toBe(400);
  });
});
