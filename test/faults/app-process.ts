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
/** Keeps the App's process off the network, as test/helpers/block-network.ts keeps the test workers. */
const LOOPBACK_ONLY = new URL("../helpers/loopback-only.mjs", import.meta.url).href;

/** The App running as its own process (src/main.ts under tsx), as an operator would start it. */
export interface AppProcess {
  url: string;
  child: ChildProcess;
  /** The last 20,000 characters the process wrote to stderr and stdout (its log), for failure messages. */
  output(): string;
  /**
   * Resolves once a line of the output contains `text`, also a line written before the call that has
   * since scrolled out of output(). Rejects with the output's tail after `timeoutMs` (default 30 s),
   * or once the process has exited without writing it.
   */
  waitForOutput(text: string, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code or signal once the process is gone. */
  exited: Promise<string>;
  kill(signal: NodeJS.Signals): Promise<string>;
}

/** How many distinct earlier lines waitForOutput remembers beyond the kept tail (each at most 1,000 characters). */
const MAX_REMEMBERED = 10_000;

/**
 * What is remembered of a line once it may scroll out of the kept tail: its message for a JSON log
 * line (an error's line is mostly the error; the message comes last), otherwise its start.
 */
function gistOf(line: string): string {
  if (line.startsWith("{")) {
    try {
      const msg = (JSON.parse(line) as { msg?: unknown }).msg;
      if (typeof msg === "string") return msg.slice(0, 1000);
    } catch {
      // Not JSON after all: kept as text.
    }
  }
  return line.slice(0, 1000);
}

/** Calls `onLine` with each complete line of a stream's text (and the unterminated rest at its end). */
function lineSplitter(onLine: (line: string) => void) {
  let partial = "";
  return {
    add(text: string) {
      const lines = (partial + text).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) onLine(line);
    },
    end() {
      if (partial) onLine(partial);
      partial = "";
    },
  };
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
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), "--import", LOOPBACK_ONLY, ...loader, entry], {
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
  /** Gists of the lines seen so far, so a line is still found after it has left `log`. */
  const remembered = new Set<string>();
  const waiters = new Set<{ text: string; found: () => void; gone: () => void }>();
  const onLine = (line: string) => {
    for (const waiter of waiters) if (line.includes(waiter.text)) waiter.found();
    if (remembered.size < MAX_REMEMBERED) remembered.add(gistOf(line));
  };
  let streamsOpen = 0;
  let streamsClosed = false;
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    streamsOpen++;
    const lines = lineSplitter(onLine);
    stream.setEncoding("utf8");
    stream.on("data", (text: string) => {
      log = (log + text).slice(-20_000);
      lines.add(text);
    });
    stream.once("close", () => {
      lines.end();
      if (--streamsOpen > 0) return;
      // Nothing more can be written: whoever still waits for a line waits in vain.
      streamsClosed = true;
      for (const waiter of waiters) waiter.gone();
    });
  }
  const seen = (text: string) => log.includes(text) || [...remembered].some((gist) => gist.includes(text));
  const waitForOutput = (text: string, timeoutMs = 30_000) =>
    new Promise<void>((resolve, reject) => {
      if (seen(text)) return resolve();
      if (streamsClosed) return reject(new Error(`The App exited without writing "${text}":\n${log}`));
      let timer: NodeJS.Timeout | undefined;
      const waiter = {
        text,
        found: () => {
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve();
        },
        gone: () => {
          clearTimeout(timer);
          waiters.delete(waiter);
          reject(new Error(`The App exited without writing "${text}":\n${log}`));
        },
      };
      waiters.add(waiter);
      timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`The App did not write "${text}" within ${timeoutMs / 1000} s:\n${log}`));
      }, timeoutMs);
    });
  const exited = new Promise<string>((done) =>
    child.once("exit", (code, signal) => done(signal ?? `exit ${code ?? "?"}`)),
  );
  const url = `http://127.0.0.1:${port}`;
  const app: AppProcess = {
    url,
    child,
    output: () => log,
    waitForOutput,
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
