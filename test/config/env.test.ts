import { describe, expect, it } from "vitest";
import { EnvError, loadEnv } from "../../src/config/env.js";
import { synthesizerFromEnv, VoiceConfigError } from "../../src/voice/synthesizer.js";

const FUNCTION_URL = "https://abc123.lambda-url.ap-northeast-1.on.aws/";

function errorOf(source: Record<string, string>): Error | null {
  try {
    loadEnv(source);
    return null;
  } catch (err) {
    return err as Error;
  }
}

describe("the voice Lambda's shared secret", () => {
  it("is required with a Function URL, and the error says why and what to do", () => {
    const sources: Record<string, string>[] = [
      { VOICE_MODE: "lambda", VOICE_LAMBDA_URL: FUNCTION_URL },
      { VOICE_MODE: "lambda", VOICE_LAMBDA_URL: FUNCTION_URL, VOICE_LAMBDA_SECRET: "   " },
      // Set but unused today, used as soon as VOICE_MODE changes: refused now.
      { VOICE_MODE: "off", VOICE_LAMBDA_URL: FUNCTION_URL },
    ];
    for (const source of sources) {
      const err = errorOf(source);
      expect(err).toBeInstanceOf(EnvError);
      expect(err?.message).toMatch(/^ {2}VOICE_LAMBDA_SECRET: required when VOICE_LAMBDA_URL is set/m);
      expect(err?.message).toMatch(/anyone/);
      expect(err?.message).toMatch(/openssl rand -hex 32/);
      expect(err?.message).toMatch(/VOICE_LAMBDA_FUNCTION/);
    }
  });

  it("is not needed by function name (IAM decides who may invoke it) or without the Lambda", () => {
    expect(loadEnv({ VOICE_MODE: "lambda", VOICE_LAMBDA_FUNCTION: "dash-voice" }).VOICE_LAMBDA_SECRET).toBeUndefined();
    expect(loadEnv({}).VOICE_LAMBDA_SECRET).toBeUndefined();
    const env = loadEnv({
      VOICE_MODE: "lambda",
      VOICE_LAMBDA_URL: FUNCTION_URL,
      VOICE_LAMBDA_SECRET: " long-random \n",
    });
    expect(env.VOICE_LAMBDA_SECRET).toBe("long-random");
    expect(synthesizerFromEnv(env)?.mode).toBe("lambda");
  });

  it("is also refused by the synthesiser when missing, whatever built the settings", () => {
    const env = { ...loadEnv({ VOICE_MODE: "lambda" }), VOICE_LAMBDA_URL: FUNCTION_URL };
    expect(() => synthesizerFromEnv(env)).toThrow(VoiceConfigError);
    // Printed at start-up like the schema's own errors: one line, no stack (see main.ts).
    expect(() => synthesizerFromEnv(env)).toThrow(EnvError);
    expect(() => synthesizerFromEnv(env)).toThrow(/VOICE_LAMBDA_SECRET/);
  });
});

describe("voice timeouts", () => {
  it("default to the recipe's 30 s function timeout, and the App waits as long by default", () => {
    const env = loadEnv({});
    expect(env.VOICE_LAMBDA_TIMEOUT_MS).toBe(30_000);
    expect(env.VOICE_TIMEOUT_MS).toBe(30_000);
  });

  it("follow the function's timeout, and can wait less than it", () => {
    expect(loadEnv({ VOICE_LAMBDA_TIMEOUT_MS: "60000" })).toMatchObject({
      VOICE_LAMBDA_TIMEOUT_MS: 60_000,
      VOICE_TIMEOUT_MS: 60_000,
    });
    expect(loadEnv({ VOICE_LAMBDA_TIMEOUT_MS: "60000", VOICE_TIMEOUT_MS: "20000" })).toMatchObject({
      VOICE_LAMBDA_TIMEOUT_MS: 60_000,
      VOICE_TIMEOUT_MS: 20_000,
    });
  });

  it("refuses a function timeout Lambda does not allow", () => {
    expect(errorOf({ VOICE_LAMBDA_TIMEOUT_MS: "900001" })?.message).toMatch(/VOICE_LAMBDA_TIMEOUT_MS/);
    expect(errorOf({ VOICE_LAMBDA_TIMEOUT_MS: "0" })?.message).toMatch(/VOICE_LAMBDA_TIMEOUT_MS/);
  });
});

describe("GEMINI_BASE_URL", () => {
  it("is unset by default, so the SDK uses Google's own endpoint", () => {
    expect(loadEnv({}).GEMINI_BASE_URL).toBeUndefined();
    expect(loadEnv({ GEMINI_BASE_URL: "  " }).GEMINI_BASE_URL).toBeUndefined();
  });

  it("takes another http(s) endpoint, and refuses anything else", () => {
    expect(loadEnv({ GEMINI_BASE_URL: " http://127.0.0.1:8080 \n" }).GEMINI_BASE_URL).toBe("http://127.0.0.1:8080");
    expect(loadEnv({ GEMINI_BASE_URL: "https://gemini.example/proxy/" }).GEMINI_BASE_URL).toBe(
      "https://gemini.example/proxy/",
    );
    for (const bad of ["generativelanguage.googleapis.com", "ftp://gemini.example", "not a url"]) {
      expect(errorOf({ GEMINI_BASE_URL: bad })?.message).toMatch(/^ {2}GEMINI_BASE_URL: /m);
    }
  });
});

describe("WEBHOOK_PATH", () => {
  it("is compared without trailing slashes, as the webhooks middleware does, and must start with /", () => {
    expect(loadEnv({ WEBHOOK_PATH: "/hooks/" }).WEBHOOK_PATH).toBe("/hooks");
    expect(loadEnv({}).WEBHOOK_PATH).toBe("/api/github/webhooks");
    expect(() => loadEnv({ WEBHOOK_PATH: "hooks" })).toThrow(/WEBHOOK_PATH: must start with \//);
  });
});

describe("PORT and PUBLIC_URL", () => {
  it("take an empty value for unset, so the defaults apply", () => {
    const env = loadEnv({ PORT: "", PUBLIC_URL: " " });
    expect(env.PORT).toBe(3000);
    expect(env.PUBLIC_URL).toBe("http://localhost:3000");
  });

  it("refuse a public URL without http(s), or with a query, saying what to write", () => {
    expect(() => loadEnv({ PUBLIC_URL: "dash.example.com:8080" })).toThrow(
      "PUBLIC_URL: must be an http:// or https:// address, e.g. https://dash.example.com",
    );
    expect(() => loadEnv({ PUBLIC_URL: "https://dash.example.com/?x=1" })).toThrow(
      "PUBLIC_URL: must not have a query or a fragment",
    );
    expect(loadEnv({ PUBLIC_URL: "https://dash.example.com/app/" }).PUBLIC_URL).toBe("https://dash.example.com/app");
  });
});

describe("GITHUB_API_URL", () => {
  it("is kept without a trailing slash, and refused when it is not an http(s) address", () => {
    expect(loadEnv({ GITHUB_API_URL: "https://ghe.example.com/api/v3/" }).GITHUB_API_URL).toBe(
      "https://ghe.example.com/api/v3",
    );
    expect(loadEnv({}).GITHUB_API_URL).toBeUndefined();
    expect(() => loadEnv({ GITHUB_API_URL: "ghe.example.com/api/v3" })).toThrow(
      "GITHUB_API_URL: must be the http(s) address of a GitHub API",
    );
  });
});
