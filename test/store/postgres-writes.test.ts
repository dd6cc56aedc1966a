import { Writable } from "node:stream";
import type pg from "pg";
import { describe, expect, it } from "vitest";
import { writesPerTurn } from "../../src/store/postgres-db.js";

/** A socket stand-in that records each write it is handed: one entry per system call it would make. */
function recordingSocket() {
  const writes: string[][] = [];
  const socket = new Writable({
    write(chunk: Buffer, _enc, done) {
      writes.push([chunk.toString()]);
      done();
    },
    writev(chunks, done) {
      writes.push(chunks.map((c) => (c.chunk as Buffer).toString()));
      done();
    },
  });
  return { writes, client: { connection: { stream: socket } } as unknown as pg.PoolClient, socket };
}

const nextTurn = () => new Promise((done) => setImmediate(done));

describe("writesPerTurn", () => {
  it("sends what is written in one turn of the event loop as one write", async () => {
    const { writes, client, socket } = recordingSocket();
    const hold = writesPerTurn(client);
    for (const message of ["BEGIN", "INSERT", "COMMIT"]) {
      hold();
      socket.write(Buffer.from(message));
    }
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual([["BEGIN", "INSERT", "COMMIT"]]);
  });

  it("holds each turn's writes apart, and keeps their order", async () => {
    const { writes, client, socket } = recordingSocket();
    const hold = writesPerTurn(client);
    hold();
    socket.write(Buffer.from("a"));
    hold();
    socket.write(Buffer.from("b"));
    await nextTurn();
    // Written after an await, as a transaction's second round trip is.
    await Promise.resolve();
    hold();
    socket.write(Buffer.from("c"));
    await nextTurn();
    expect(writes).toEqual([["a", "b"], ["c"]]);
    expect(socket.writableCorked).toBe(0);
  });

  it("leaves a connection without a corkable socket alone", () => {
    const hold = writesPerTurn({} as pg.PoolClient);
    expect(() => hold()).not.toThrow();
  });
});
