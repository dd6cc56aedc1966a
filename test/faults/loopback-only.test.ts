import { execFile } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const GUARD = new URL("../helpers/loopback-only.mjs", import.meta.url).href;

/** Runs `code` in a node process started as the tests start the App's: with the loopback guard. */
async function guarded(code: string): Promise<string> {
  const { stdout } = await run(process.execPath, ["--import", GUARD, "--input-type=module", "-e", code]);
  return stdout.trim();
}

describe("App processes started by tests", () => {
  it("reach this machine, and nothing else", async () => {
    const server = createServer((_, res) => res.end("local"));
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", () => done()));
    const { port } = server.address() as AddressInfo;
    try {
      expect(await guarded(`console.log(await (await fetch("http://127.0.0.1:${port}/")).text())`)).toBe("local");
      expect(await guarded(`console.log(await (await fetch("http://localhost:${port}/")).text())`)).toBe("local");
      // An address outside this machine, and a name: refused at once, before any packet or lookup.
      for (const url of ["http://192.0.2.1/", "https://api.github.com/"]) {
        const out = await guarded(
          `try { await fetch(${JSON.stringify(url)}); console.log("reached") } catch (e) { console.log(e.cause?.message) }`,
        );
        expect(out, url).toMatch(/^test processes may reach only this machine, not /);
      }
    } finally {
      server.close();
    }
  });
});
