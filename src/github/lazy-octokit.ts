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
  /** How each installation client was constructed, until the event client of its installation is cached. */
  const howBuilt = new WeakMap<object, EventClientRecipe>();
  const recipes = new Map<number, EventClientRecipe>();
  return new Proxy(Octokit, {
    construct(target, args, newTarget) {
      const build = () => Reflect.construct(target, args, newTarget) as Octokit;
      if (!isInstallationClient(args[0])) return withEventClientsCached(build(), howBuilt, recipes);
      const client = deferred(build, newTarget.prototype as object);
      howBuilt.set(client, { target, args, newTarget: newTarget as EventClientRecipe["newTarget"] });
      return client;
    },
  });
}

/**
 * How an installation client was constructed: the base class, the options its subclasses' constructors
 * handed it (Probot's and @octokit/core's `defaults`, which only merge options), and the subclass.
 */
interface EventClientRecipe {
  target: OctokitClass;
  args: unknown[];
  newTarget: abstract new (...args: never) => unknown;
}

/** Installations whose event client is remembered; beyond that the cache starts over. */
const MAX_RECIPES = 10_000;

/**
 * Probot asks the app's client for every event's client (`auth({ type: "event-octokit" })`); for an
 * installation, @octokit/auth-app then copies its whole state into the new client's options, about
 * 6 µs of CPU per delivery, measured, to build the same options every time. The app's client keeps
 * how the first event client of each installation was constructed, and builds the later ones the
 * same way (each still its own, lazily built, client). Other requests go to the real `auth`, as do
 * events without an installation and an installation's suspend or deletion (unauthenticated clients).
 */
function withEventClientsCached(
  app: Octokit,
  howBuilt: WeakMap<object, EventClientRecipe>,
  recipes: Map<number, EventClientRecipe>,
): Octokit {
  const auth = app.auth as (options?: unknown) => Promise<unknown>;
  if (typeof auth !== "function") return app;
  const cached = Object.assign(async (options?: unknown): Promise<unknown> => {
    const id = eventInstallation(options);
    if (id === null) return auth(options);
    const recipe = recipes.get(id);
    // Built from the merged options at once: the subclasses' constructors would merge them again.
    if (recipe) {
      const { target, args, newTarget } = recipe;
      return deferred(() => Reflect.construct(target, args, newTarget) as Octokit, newTarget.prototype as object);
    }
    const client = await auth(options);
    const built = typeof client === "object" && client !== null ? howBuilt.get(client) : undefined;
    if (built) {
      if (recipes.size >= MAX_RECIPES) recipes.clear();
      recipes.set(id, built);
    }
    return client;
  }, auth);
  Reflect.set(app, "auth", cached);
  return app;
}

/** The installation of an `event-octokit` auth request that gets an installation client, or null. */
function eventInstallation(options: unknown): number | null {
  const o = options as
    | { type?: unknown; event?: { name?: unknown; payload?: { action?: unknown; installation?: { id?: unknown } } } }
    | undefined;
  if (o?.type !== "event-octokit") return null;
  const id = o.event?.payload?.installation?.id;
  if (typeof id !== "number") return null;
  const revoked = o.event?.name === "installation" && ["suspend", "deleted"].includes(String(o.event.payload?.action));
  return revoked ? null : id;
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
  const record = (kind: HookKind) => (name: string, fn: unknown) => {
    if (real) (real.hook[kind] as (name: string, fn: unknown) => void)(name, fn);
    else pending.hooks.push({ kind, name, fn });
  };
  const hook = { before: record("before"), after: record("after"), error: record("error"), wrap: record("wrap") };
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
