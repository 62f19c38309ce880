/**
 * A node's usage over time, for the console's charts without a Prometheus: every interval the
 * node's request, error and byte counters and its buckets' object and byte counts are sampled
 * into a ring of bounded length (2 hours at the default 30 s).
 */
import type { LocalGetNodeUsageResponse } from "../../shared/admin.ts";
/** One sample: counters since the node started, and the bucket counts it holds. */
export type UsageSample = LocalGetNodeUsageResponse["samples"][number];

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
