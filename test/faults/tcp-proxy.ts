import { type AddressInfo, connect, createServer, type Socket } from "node:net";

/**
 * A TCP pass-through on 127.0.0.1 that can cut the line, to make a real server unreachable for a
 * while, or delay it, to put a server on loopback as far away as one in another zone.
 */
export interface TcpProxy {
  port: number;
  /** Drops every open connection and refuses new ones until `restore()`. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/** Starts a proxy to `target` (host:port) on an ephemeral port; `delayMs` holds back every chunk, each way. */
export async function startTcpProxy(target: { host: string; port: number; delayMs?: number }): Promise<TcpProxy> {
  let down = false;
  const open = new Set<Socket>();
  const server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    const delayMs = target.delayMs;
    if (delayMs === undefined) {
      client.pipe(upstream);
      upstream.pipe(client);
    } else {
      // Timers of equal delay fire in the order they were set, so the bytes stay in order.
      const later = (to: Socket) => (chunk: Buffer) => setTimeout(() => to.write(chunk), delayMs);
      client.setNoDelay(true).on("data", later(upstream));
      upstream.setNoDelay(true).on("data", later(client));
    }
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", () => done()));
  return {
    port: (server.address() as AddressInfo).port,
    cut() {
      down = true;
      for (const s of open) s.destroy();
      open.clear();
    },
    restore() {
      down = false;
    },
    async close() {
      for (const s of open) s.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
