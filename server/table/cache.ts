/**
 * Entries of one table as last read from or written to Deno KV, with their versionstamps.
 * This process is the only writer of its table keys, so what the cache holds is what KV
 * holds: a read needs no KV round trip, and a write can check its atomic operation against
 * the cached versionstamp instead of reading the entry first.
 */

export interface CachedEntry<E> {
  /** Undefined when KV holds nothing under the key. */
  entry: E | undefined;
  bytes: Uint8Array | null;
  versionstamp: string | null;
}

interface Slot<E> {
  c: CachedEntry<E>;
  /** Read since it was last passed over for eviction (a second chance, as CLOCK gives). */
  hot: boolean;
}

export class EntryCache<E> {
  readonly #map = new Map<string, Slot<E>>();
  #bytes = 0;
  /** Keys with a KV read in flight, and whether a write landed on them meanwhile. */
  readonly #reads = new Map<string, { n: number; stale: boolean }>();

  /** maxBytes undefined: never evict (a fully replicated table held whole). */
  constructor(readonly maxBytes?: number) {}

  get size(): number {
    return this.#map.size;
  }

  get(id: string): CachedEntry<E> | undefined {
    const slot = this.#map.get(id);
    if (!slot) return undefined;
    slot.hot = true;
    return slot.c;
  }

  *values(): IterableIterator<CachedEntry<E>> {
    for (const slot of this.#map.values()) yield slot.c;
  }

  /** What a write committed (or a full load read): always current. */
  set(id: string, c: CachedEntry<E>): void {
    const r = this.#reads.get(id);
    if (r) r.stale = true;
    this.#put(id, c);
  }

  #delete(id: string): void {
    const old = this.#map.get(id);
    if (old) this.#bytes -= cost(old.c);
    this.#map.delete(id);
  }

  /**
   * Runs a KV read of one key and caches its answer, unless a write to that key committed
   * while the read was in flight (the answer may then predate it).
   */
  async read(id: string, load: () => Promise<CachedEntry<E>>): Promise<CachedEntry<E>> {
    const r = this.#reads.get(id) ?? { n: 0, stale: false };
    r.n++;
    this.#reads.set(id, r);
    try {
      const c = await load();
      if (!r.stale) this.#put(id, c);
      return c;
    } finally {
      if (--r.n === 0) this.#reads.delete(id);
    }
  }

  #put(id: string, c: CachedEntry<E>): void {
    this.#delete(id);
    const size = cost(c);
    if (this.maxBytes !== undefined && size > this.maxBytes / 8) return;
    this.#map.set(id, { c, hot: false });
    this.#bytes += size;
    if (this.maxBytes === undefined) return;
    // A Map iterates in insertion order: the oldest go first unless read since.
    for (const [oldest, slot] of this.#map) {
      if (this.#bytes <= this.maxBytes) break;
      this.#map.delete(oldest);
      if (slot.hot) {
        slot.hot = false;
        this.#map.set(oldest, slot);
      } else this.#bytes -= cost(slot.c);
    }
  }
}

/** The decoded entry is about as large as its encoding; count both, plus the key. */
function cost(c: CachedEntry<unknown>): number {
  return 2 * (c.bytes?.length ?? 0) + 128;
}
