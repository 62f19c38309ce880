/** CRDT building blocks for table entries. */
import { compareKeys } from "../util/order.ts";

/** Last-writer-wins register; equal timestamps break ties on the value so merges commute. */
export interface Lww<T> {
  t: number;
  v: T;
}

export function lww<T>(v: T, t = Date.now()): Lww<T> {
  return { t, v };
}

function tieBreak(a: unknown, b: unknown): number {
  const sa = JSON.stringify(a) ?? "";
  const sb = JSON.stringify(b) ?? "";
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

export function mergeLww<T>(a: Lww<T>, b: Lww<T>): Lww<T> {
  if (a.t !== b.t) return a.t > b.t ? a : b;
  return tieBreak(a.v, b.v) >= 0 ? a : b;
}

/** A newer timestamp than `prev`, so an update always wins over what it replaces. */
export function nextTimestamp(prev?: Lww<unknown>): number {
  return Math.max(Date.now(), (prev?.t ?? 0) + 1);
}

export type LwwMap<T> = Record<string, Lww<T>>;

/**
 * Merges two LWW maps. The result lists its keys in sorted order, whatever order the inputs
 * had: replicas holding the same map then store the same bytes, and their Merkle trees agree.
 */
export function mergeLwwMap<T>(a: LwwMap<T>, b: LwwMap<T>): LwwMap<T> {
  const out: LwwMap<T> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = out[k] ? mergeLww(out[k], v) : v;
  return Object.fromEntries(Object.entries(out).sort(([x], [y]) => compareKeys(x, y)));
}

/** Current values of an LWW map, dropping entries whose value is null (removed). */
export function lwwMapValues<T>(m: LwwMap<T | null>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, { v }] of Object.entries(m)) if (v !== null) out[k] = v;
  return out;
}
