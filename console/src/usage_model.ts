/**
 * The usage screen's numbers, from each node's sampled counters: rates between samples, and
 * each bucket's counts as the node holding its counters reports them. Pure, tested alone.
 */
import type { LocalGetNodeUsageResponse } from "../../shared/admin.ts";

export type Sample = LocalGetNodeUsageResponse["samples"][number];

/** A line of a chart: points of (time in ms, value). */
export interface Series {
  name: string;
  points: [number, number][];
}

type Counter = "requests" | "errors" | "bytesIn" | "bytesOut";

/** Per second between consecutive samples; a counter that went back (a restart) starts over. */
export function rates(samples: Sample[], counter: Counter): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1], b = samples[i];
    const secs = (b.at - a.at) / 1000;
    if (secs <= 0) continue;
    const d = b[counter] - a[counter];
    out.push([b.at, d >= 0 ? d / secs : b[counter] / secs]);
  }
  return out;
}

/**
 * Each bucket's objects or bytes over time, from the node that reports the most objects for it
 * in its latest sample (any replica of its partition holds the same counters).
 */
export function bucketSeries(
  byNode: Record<string, Sample[]>,
  what: "objects" | "bytes",
  nameOf: (bucketId: string) => string,
  limit = 6,
): Series[] {
  const best = new Map<string, { node: string; objects: number; bytes: number }>();
  for (const [node, samples] of Object.entries(byNode)) {
    const last = samples.at(-1);
    for (const [id, c] of Object.entries(last?.buckets ?? {})) {
      const seen = best.get(id);
      if (!seen || c.objects > seen.objects) best.set(id, { node, ...c });
    }
  }
  return [...best.entries()]
    .sort((a, b) => b[1].bytes - a[1].bytes || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([id, { node }]) => ({
      name: nameOf(id),
      points: byNode[node].flatMap((s) =>
        s.buckets[id] ? [[s.at, s.buckets[id][what]] as [number, number]] : []
      ),
    }));
}

/**
 * Each bucket's S3 requests (or errors) per second, summed over the nodes that answered them:
 * each node's rates, added up per sampling interval (nodes sample at their own instants).
 */
export function bucketRates(
  byNode: Record<string, Sample[]>,
  counter: "requests" | "errors",
  intervalMs: number,
  nameOf: (bucketId: string) => string,
  limit = 6,
): Series[] {
  const sums = new Map<string, Map<number, number>>();
  for (const samples of Object.values(byNode)) {
    for (let i = 1; i < samples.length; i++) {
      const a = samples[i - 1], b = samples[i];
      const secs = (b.at - a.at) / 1000;
      if (secs <= 0) continue;
      const slot = Math.floor(b.at / intervalMs) * intervalMs;
      for (const [id, c] of Object.entries(b.bucketRequests)) {
        const before = a.bucketRequests[id]?.[counter] ?? 0;
        const d = c[counter] - before;
        const rate = (d >= 0 ? d : c[counter]) / secs;
        const series = sums.get(id) ?? new Map<number, number>();
        series.set(slot, (series.get(slot) ?? 0) + rate);
        sums.set(id, series);
      }
    }
  }
  const total = (m: Map<number, number>) => [...m.values()].reduce((s, v) => s + v, 0);
  return [...sums.entries()]
    .sort((a, b) => total(b[1]) - total(a[1]) || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([id, m]) => ({ name: nameOf(id), points: [...m.entries()].sort((x, y) => x[0] - y[0]) }));
}
