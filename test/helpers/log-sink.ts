import { Writable } from "node:stream";

/** A log destination that keeps every line written to it, for assertions on what was logged. */
export function logSink(): { sink: Writable; lines: string[]; text: () => string } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { sink, lines, text: () => lines.join("") };
}
