// Loaded with `node --import` into every App process a test starts: such a process may reach only
// this machine (its fakes of GitHub, S3, VOICEVOX and the databases), as the tests' own workers may.
import net from "node:net";

const LOOPBACK = /^(localhost|127(\.\d+){3}|::1|::ffff:127(\.\d+){3}|0\.0\.0\.0)$/;
const connect = net.Socket.prototype.connect;

net.Socket.prototype.connect = function (...args) {
  // Node passes either (options[, listener]), (port[, host][, listener]) or its own normalised array.
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options =
    typeof first === "object" && first !== null
      ? first
      : { port: first, host: typeof args[1] === "string" ? args[1] : undefined };
  if (!options.path && options.host !== undefined && !LOOPBACK.test(String(options.host))) {
    const err = Object.assign(new Error(`test processes may reach only this machine, not ${options.host}`), {
      code: "ECONNREFUSED",
    });
    process.nextTick(() => this.destroy(err));
    return this;
  }
  return connect.apply(this, args);
};
