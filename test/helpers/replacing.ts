/**
 * `target` with one method replaced by `replacement` and every other member as it was (methods bound
 * to `target`, so that classes with private fields keep working): a dependency that fails, or
 * answers, in one way a test needs.
 */
export function replacing<T extends object, K extends keyof T>(target: T, key: K, replacement: T[K]): T {
  return new Proxy(target, {
    get: (real, name) => {
      if (name === key) return replacement;
      const value = Reflect.get(real, name, real) as unknown;
      return typeof value === "function" ? value.bind(real) : value;
    },
  });
}
