import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Vitest global setup: every temporary folder the tests make (SQLite files, blob folders, the
 * App's working directories) goes under one folder of this run, removed when the run ends, so that
 * test runs leave nothing behind in the machine's temporary folder.
 */
export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), "repositori-tests-"));
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}
