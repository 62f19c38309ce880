/**
 * A node's usage over time, for the console's charts without a Prometheus: every interval the
 * node's request, error and byte counters and its buckets' object and byte counts are sampled
 * into a ring of bounded length (2 hours at the default 30 s).
 */
export interface UsageSample {
  /** ms since the epoch. */
  at: number;
  /** Counters since the node started: a chart shows their differences as rates. */
  requests: number;
  errors: number;
  bytesIn: number;
  bytesOut: number;
  /** Objects and bytes of the buckets whose counters this node holds, by bucket id. */
  buckets: Record<string, { objects: number; bytes: number }>;
  /** S3 requests and errors this node answered for each bucket since it started, by id. */
  bucketRequests: Record<string, { requests: number; errors: number }>;
}

export class UsageHistory {
  readonly #ring: UsageSample[] = [];

  constructor(readonly intervalMs: number, readonly max = 240) {}

  add(s: UsageSample): void {
    this.#ring.push(s);
    if (this.#ring.length > this.max) this.#ring.shift();
  }

  samples(): UsageSample[] {
    return [...this.#ring];
  }
}
