import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { readCredentials } from "../../src/config/credentials.js";
import { EnvError, loadEnv } from "../../src/config/env.js";

const PEM = generateKeyPairSync("rsa", { modulusLength: 2048 })
  .privateKey.export({ type: "pkcs1", format: "pem" })
  .toString();
const envWith = (vars: Record<string, string>) => loadEnv({ WEBHOOK_SECRET: "s", APP_ID: "123", ...vars });

describe("the App's credentials", () => {
  it("take a PEM key from PRIVATE_KEY, also pasted on one line with literal \\n", () => {
    // The environment schema trims values: the key's final newline goes, which PEM does not need.
    expect(readCredentials(envWith({ PRIVATE_KEY: PEM }))?.privateKey).toBe(PEM.trim());
    expect(readCredentials(envWith({ PRIVATE_KEY: PEM.replace(/\n/g, "\\n") }))?.privateKey).toBe(PEM);
  });

  it("take the key from the file PRIVATE_KEY_PATH names", () => {
    const read = (path: string) => (path === "/keys/app.pem" ? PEM : "");
    expect(readCredentials(envWith({ PRIVATE_KEY_PATH: "/keys/app.pem" }), read)?.privateKey).toBe(PEM);
  });

  it("stop the start with what to do when the key file cannot be read", () => {
    const missing = () => {
      throw Object.assign(new Error("ENOENT: no such file or directory, open '/keys/gone.pem'"), { code: "ENOENT" });
    };
    expect(() => readCredentials(envWith({ PRIVATE_KEY_PATH: "/keys/gone.pem" }), missing)).toThrow(
      new EnvError("PRIVATE_KEY_PATH: cannot read /keys/gone.pem (ENOENT)."),
    );
  });

  it("stop the start when the key is not a PEM private key, without quoting it", () => {
    const notAKey = "-----BEGIN RSA PRIVATE KEY-----\nc2VjcmV0LWJ1dC1ub3QtYS1rZXk=\n-----END RSA PRIVATE KEY-----\n";
    for (const [vars, read, source] of [
      [{ PRIVATE_KEY: notAKey }, undefined, "PRIVATE_KEY"],
      [
        { PRIVATE_KEY_PATH: "/keys/app.pem" },
        () => "the App's id, pasted into the wrong file",
        "the file PRIVATE_KEY_PATH names",
      ],
    ] as const) {
      let thrown: unknown;
      try {
        readCredentials(envWith(vars), read);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(EnvError);
      const message = (thrown as Error).message;
      expect(message.startsWith(`${source} is not a private key in PEM format (`)).toBe(true);
      expect(message).toContain("Generate a private key");
      expect(message).not.toContain("c2VjcmV0");
      expect(message).not.toContain("pasted into the wrong file");
    }
  });

  it("are absent when none is set, and incomplete ones say what is missing", () => {
    expect(readCredentials(loadEnv({}))).toBeNull();
    expect(() => readCredentials(loadEnv({ APP_ID: "1" }))).toThrow(
      /set PRIVATE_KEY \(or PRIVATE_KEY_PATH\), WEBHOOK_SECRET/,
    );
  });
});
