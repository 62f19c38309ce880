/** What a replicated table needs to know about its entries. */
export interface TableSchema<E> {
  readonly name: string;
  /** Sharded tables live on the partition's nodes; full ones on every node, read locally. */
  readonly replication: "sharded" | "full";
  /**
   * Memory for recently used entries of a sharded table (reads without KV, writes checked
   * against cached versionstamps). Worth it for entries read by key on every request.
   */
  readonly cacheBytes?: number;
  /**
   * Whether many entries share a partition key (a bucket's objects): their writes then share the
   * upper nodes of one Merkle tree, and the updater lets them gather longer before a fold.
   */
  readonly crowded?: boolean;
  partitionKey(e: E): string;
  sortKey(e: E): string;
  /**
   * What is stored of an entry, and the entry back from that and its keys: fields the KV key
   * already holds need not be stored (and read) again. Both absent: the entry as it is.
   */
  stored?(e: E): unknown;
  restored?(stored: unknown, pk: string, sk: string): E;
  /** CRDT merge: commutative, associative, idempotent. */
  merge(a: E, b: E): E;
  /** A tombstone is kept only so replicas converge; readers treat it as absent. */
  isTombstone(e: E): boolean;
  /**
   * Side effects of a change, committed atomically with it: follow-up work queued durably
   * and local rows written. Runs on every replica that stores the entry.
   */
  updated?(old: E | undefined, now: E): UpdateEffects;
}

export interface QueueItem {
  kind: string;
  payload: unknown;
}

export interface UpdateEffects {
  queue?: QueueItem[];
  sets?: Array<[Deno.KvKey, unknown]>;
  /** Counter increments (Deno KV sums wrap, so 2^64-1 subtracts one). */
  sums?: Array<[Deno.KvKey, bigint]>;
}
