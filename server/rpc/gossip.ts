/**
 * How two nodes' views of the cluster layout combine: live versions are united (the newest is
 * current), sync progress per node takes the furthest, the staged changes made last win.
 * Commutative, associative and idempotent, so gossip converges.
 */
import { compareBytes, sameBytes } from "../util/order.ts";
import { encode } from "../util/msgpack.ts";
import { liveVersions, pruned } from "./history.ts";
import type { ClusterLayout, LayoutVersion } from "./layout.ts";

export function mergeLayouts(a: ClusterLayout, b: ClusterLayout): ClusterLayout {
  const versions = new Map<number, LayoutVersion>();
  for (const v of [...liveVersions(a), ...liveVersions(b)]) {
    const prev = versions.get(v.version);
    versions.set(v.version, prev && !tieBreak(v, prev) ? prev : v);
  }
  // Version 0 is the empty layout of a node that has not joined yet: never a live version.
  const applied = [...versions.values()].filter((v) => v.version > 0);
  const sorted = applied.length ? applied.sort((x, y) => x.version - y.version) : [a.current];
  const sync: Record<string, number> = { ...a.sync };
  for (const [n, v] of Object.entries(b.sync ?? {})) sync[n] = Math.max(sync[n] ?? 0, v);
  const at = (l: ClusterLayout) => l.staged.at ?? 0;
  const staged = at(b) > at(a) || (at(b) === at(a) && tieBreak(b.staged, a.staged))
    ? b.staged
    : a.staged;
  const merged = pruned({
    current: sorted[sorted.length - 1],
    // Versions before the first that both sides still list were dropped by one of them.
    history: sorted.slice(0, -1).filter((v) => v.version >= oldestLive(a, b)),
    sync,
    staged,
  });
  return sameBytes(encode(merged), encode(a)) ? a : merged;
}

/** A version one side pruned stays pruned: its sync map says nothing reads it any more. */
function oldestLive(a: ClusterLayout, b: ClusterLayout): number {
  const oldest = (l: ClusterLayout) => liveVersions(l)[0].version;
  return Math.max(oldest(a), oldest(b));
}

/**
 * Two nodes that applied different layouts under one version number (an operator racing
 * themself on two consoles) must still agree: the larger encoding wins on every node.
 */
function tieBreak(x: unknown, y: unknown): boolean {
  return compareBytes(encode(x), encode(y)) > 0;
}
