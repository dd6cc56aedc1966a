import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { sendJson } from "../../src/http/respond.js";
import { createHttpServer } from "../../src/http/server.js";
import { webhookIntake } from "../../src/http/webhook-intake.js";
import { http } from "../helpers/http.js";

const servers: { close(): void }[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** The intake alone, in front of a handler that answers 200 with the body's length. */
async function serve(opts: { maxBytes: number; bodyWithinMs: number }) {
  const server = createHttpServer(
    [
      webhookIntake({
        path: "/hook",
        ...opts,
        next: async (req, res) => sendJson(res, 200, { got: String((req as { body?: string }).body).length }),
      }),
    ],
    pino({ level: "silent" }),
  );
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", () => done()));
  servers.push(server);
  return (server.address() as AddressInfo).port;
}

const post = (port: number, body: string) =>
  http(`http://127.0.0.1:${port}/hook`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-github-event": "push", "x-github-delivery": "d-1" },
    body,
  });

/** A request whose body never finishes (over a bare socket: nock holds a body until it ends). */
function trickle(port: number, declared: number, sent: string) {
  const socket = connect(port, "127.0.0.1");
  const answer = new Promise<string>((done) => {
    let text = "";
    socket.on("data", (c) => {
      text += c.toString();
    });
    socket.on("close", () => done(text));
    socket.on("error", () => undefined);
  });
  socket.write(
    `POST /hook HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nx-github-event: push\r\nx-github-delivery: d-2\r\ncontent-length: ${declared}\r\n\r\n${sent}`,
  );
  return answer;
}

describe("webhook intake", () => {
  it("answers 408 to a body that does not arrive in time, and gives back what it held", async () => {
    const port = await serve({ maxBytes: 1000, bodyWithinMs: 300 });
    // Four such bodies would hold the whole budget (4 × 1,000 bytes) for as long as they trickle.
    const answers = Array.from({ length: 4 }, () => trickle(port, 1000, `{${" ".repeat(990)}`));
    const closed = await Promise.all(answers);
    for (const text of closed) expect(text).toMatch(/^HTTP\/1\.1 408 /);
    const res = await post(port, `{${" ".repeat(900)}}`);
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ got: 902 });
  });
});
