import { type ChildProcess, spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { http } from "../helpers/http.js";

export const FAULT_SECRET = "fault-test-webhook-secret";
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const PRIVATE_KEY = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
const MAIN = resolve(import.meta.dirname, "../../src/main.ts");
const TSX = import.meta.resolve("tsx");

/** The App running as its own process (src/main.ts under tsx), as an operator would start it. */
export interface AppProcess {
  url: string;
  child: ChildProcess;
  /** What the process wrote to stderr and stdout (its log), for failure messages. */
  output(): string;
  /** Resolves with the exit code or signal once the process is gone. */
  exited: Promise<string>;
  kill(signal: NodeJS.Signals): Promise<string>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", () => done()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** Starts the App (or `entry`) on a free port and waits until `/healthz` answers 200. */
export async function startAppProcess(opts: {
  databaseUrl: string;
  githubUrl: string;
  env?: Record<string, string>;
  /**
   * Another entry file to run instead of the App (the benchmark's no-op baseline, or a built one). A
   * `.js` file runs on plain node, as `npm start` runs `dist/main.js`; TypeScript runs under tsx.
   */
  entry?: string;
  /** Extra options for node itself (e.g. `--cpu-prof` to profile the App under load). */
  nodeArgs?: string[];
}): Promise<AppProcess> {
  const port = await freePort();
  // Its own working directory: no stray .env is read, and relative data paths stay out of the repo.
  const cwd = mkdtempSync(join(tmpdir(), "repositori-app-"));
  const entry = opts.entry ?? MAIN;
  const loader = entry.endsWith(".ts") ? ["--import", TSX] : [];
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...loader, entry], {
    cwd,
    env: {
      PATH: process.env.PATH ?? "",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      APP_ID: "1",
      PRIVATE_KEY,
      WEBHOOK_SECRET: FAULT_SECRET,
      GITHUB_API_URL: opts.githubUrl,
      DATABASE_URL: opts.databaseUrl,
      BLOB_URL: `file:${join(cwd, "blobs")}`,
      HOST: "127.0.0.1",
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      LOG_LEVEL: "warn",
      NODE_ENV: "test",
      ...opts.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString("utf8")).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<string>((done) =>
    child.once("exit", (code, signal) => done(signal ?? `exit ${code ?? "?"}`)),
  );
  const url = `http://127.0.0.1:${port}`;
  const app: AppProcess = {
    url,
    child,
    output: () => log,
    exited,
    kill: async (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  const deadline = Date.now() + 30_000;
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  for (;;) {
    if (gone) throw new Error(`The App exited during start-up:\n${log}`);
    const res = await http(`${url}/healthz`).catch(() => null);
    if (res?.status === 200) return app;
    if (Date.now() > deadline) {
      await app.kill("SIGKILL");
      throw new Error(`The App did not become healthy within 30 s:\n${log}`);
    }
    await new Promise((done) => setTimeout(done, 100));
  }
}
