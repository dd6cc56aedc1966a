import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { describe, expect, it } from "vitest";
import { saveEnvFile } from "../../src/config/save-env-file.js";

describe("saving the App's credentials to .env", () => {
  it("leaves the file readable by its owner only, even one copied from .env.example, and keeps other lines", () => {
    const dir = mkdtempSync(join(tmpdir(), "repositori-env-"));
    const file = join(dir, ".env");
    writeFileSync(file, "# my settings\nPORT=4000\nAPP_ID=1\n");
    chmodSync(file, 0o644);
    saveEnvFile(file, { APP_ID: "42", PRIVATE_KEY: "-----BEGIN KEY-----\nabc\n-----END KEY-----" });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).toBe(
      '# my settings\nPORT=4000\nAPP_ID="42"\nPRIVATE_KEY="-----BEGIN KEY-----\\nabc\\n-----END KEY-----"\n',
    );
    // Written through a temporary file that is gone afterwards.
    expect(readdirSync(dir)).toEqual([".env"]);
    // Read back as Node's loadEnvFile reads it.
    expect(parseEnv(readFileSync(file, "utf8")).PRIVATE_KEY).toBe("-----BEGIN KEY-----\nabc\n-----END KEY-----");
  });
});
