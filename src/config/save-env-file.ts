import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";

/**
 * Sets `KEY="value"` lines in a dotenv file, replacing existing keys and keeping everything else.
 * Newlines become `\n` inside double quotes, which Node's `loadEnvFile` turns back into newlines.
 */
export function saveEnvFile(path: string, values: Record<string, string>): void {
  const lines = existsSync(path) ? readFileSync(path, "utf8").split("\n") : [];
  const kept = lines.filter((line) => !Object.keys(values).some((k) => line.startsWith(`${k}=`)));
  while (kept.length > 0 && kept[kept.length - 1] === "") kept.pop();
  for (const [k, v] of Object.entries(values)) {
    if (v.includes('"')) throw new Error(`${k} contains a double quote; set it in the environment instead`);
    kept.push(envLine(k, v));
  }
  // Written whole to a file of the owner's only, then moved over the old one: a crash leaves either
  // file complete, and the private key is never readable by others (a .env copied from .env.example
  // keeps its 0644 when written in place).
  const next = `${path}.${process.pid}.tmp`;
  writeFileSync(next, `${kept.join("\n")}\n`, { mode: 0o600, flush: true });
  chmodSync(next, 0o600);
  renameSync(next, path);
}

/** One `KEY="value"` line, newlines written as `\n` inside the quotes (loadEnvFile turns them back). */
export function envLine(key: string, value: string): string {
  return `${key}="${value.replace(/\r?\n/g, "\\n")}"`;
}
