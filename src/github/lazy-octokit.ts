import type { ProbotOctokit } from "probot";

type OctokitClass = typeof ProbotOctokit;
type Octokit = InstanceType<OctokitClass>;
type HookKind = "before" | "after" | "error" | "wrap";

/** What a not-yet-built client was told before its first real use, replayed onto the real one. */
interface Pending {
  hooks: { kind: HookKind; name: string; fn: unknown }[];
  /** Symbol-keyed marks (Probot's Context marks the client it added its request hook to). */
  marks: Map<symbol, unknown>;
}

const isInstallationClient = (options: unknown): boolean =>
  typeof (options as { auth?: { installationId?: unknown } } | undefined)?.auth?.installationId === "number";

/**
 * Probot builds an installation Octokit for every webhook event before any handler runs, with all of
 * its plugins (retries, throttling, the REST methods): about 30 µs of CPU each, measured, a tenth
 * of what the App spends on a `push`, although most deliveries never call GitHub (settings are cached,
 * most pushes have no open PR to comment on). The class returned builds each installation client on
 * its first real use instead.
 *
 * Until then the client only records what Probot's Context does to every event's client: add a
 * `request` hook (the `x-github-delivery` header) and mark it with a symbol. Both are replayed onto the
 * real client when it is built. Anything else (a request, `rest`, `paginate`, `auth`, ...) builds it.
 * Should a Probot release touch more than that, its test (an event that never calls GitHub builds no
 * client) fails on the upgrade.
 */
export function lazyInstallationClients(Octokit: OctokitClass): OctokitClass {
  return new Proxy(Octokit, {
    construct(target, args, newTarget) {
      const build = () => Reflect.construct(target, args, newTarget) as Octokit;
      if (!isInstallationClient(args[0])) return build();
      return deferred(build, newTarget.prototype as object);
    },
  });
}

function deferred(build: () => Octokit, prototype: object): Octokit {
  let real: Octokit | null = null;
  const pending: Pending = { hooks: [], marks: new Map() };
  const materialise = (): Octokit => {
    if (real) return real;
    real = build();
    for (const { kind, name, fn } of pending.hooks) {
      (real.hook[kind] as (name: string, fn: unknown) => void)(name, fn);
    }
    for (const [key, value] of pending.marks) Reflect.set(real, key, value);
    return real;
  };
  // Stands in for `client.hook` while nothing else was used: records, returns nothing, as the real one does.
  const hook = Object.fromEntries(
    (["before", "after", "error", "wrap"] as const).map((kind) => [
      kind,
      (name: string, fn: unknown) => {
        if (real) (real.hook[kind] as (name: string, fn: unknown) => void)(name, fn);
        else pending.hooks.push({ kind, name, fn });
      },
    ]),
  );
  // The target carries the prototype, so `instanceof` holds before the client is built.
  return new Proxy(Object.create(prototype) as Octokit, {
    get(_, key) {
      if (!real && key === "hook") return hook;
      // Returning the client from an async function asks it for `then`: an Octokit has none.
      if (!real && key === "then") return undefined;
      if (!real && typeof key === "symbol" && pending.marks.has(key)) return pending.marks.get(key);
      if (!real && typeof key === "symbol" && !(key in prototype)) return undefined;
      return Reflect.get(materialise(), key);
    },
    set(_, key, value) {
      if (!real && typeof key === "symbol") {
        pending.marks.set(key, value);
        return true;
      }
      return Reflect.set(materialise(), key, value);
    },
    has: (_, key) => Reflect.has(materialise(), key),
    ownKeys: () => Reflect.ownKeys(materialise()),
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(materialise(), key);
      // A proxy may report a property as non-configurable only if its target (an empty stand-in) has it so.
      return descriptor ? { ...descriptor, configurable: true } : undefined;
    },
    defineProperty: (_, key, descriptor) => Reflect.defineProperty(materialise(), key, descriptor),
    deleteProperty: (_, key) => Reflect.deleteProperty(materialise(), key),
  });
}
