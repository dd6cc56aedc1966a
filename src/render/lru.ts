/**
 * A small least-recently-used map, bounded by entry count and optionally by total size, so caches
 * keyed by request data cannot grow without limit however many distinct URLs are asked for.
 */
export class Lru<V> {
  readonly #map = new Map<string, V>();
  #bytes = 0;

  constructor(private readonly limits: { maxEntries: number; maxBytes?: number; sizeOf?: (value: V) => number }) {}

  get size(): number {
    return this.#map.size;
  }

  /** The value for `key`, marked as most recently used. */
  get(key: string): V | undefined {
    const value = this.#map.get(key);
    if (value === undefined) return undefined;
    this.#map.delete(key);
    this.#map.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    this.delete(key);
    this.#map.set(key, value);
    this.#bytes += this.#sizeOf(value);
    const maxBytes = this.limits.maxBytes ?? Number.POSITIVE_INFINITY;
    for (const oldest of this.#map.keys()) {
      if (this.#map.size <= this.limits.maxEntries && this.#bytes <= maxBytes) break;
      if (oldest === key) continue;
      this.delete(oldest);
    }
  }

  delete(key: string): void {
    const old = this.#map.get(key);
    if (old === undefined) return;
    this.#map.delete(key);
    this.#bytes -= this.#sizeOf(old);
  }

  clear(): void {
    this.#map.clear();
    this.#bytes = 0;
  }

  #sizeOf(value: V): number {
    return this.limits.sizeOf?.(value) ?? 0;
  }
}
