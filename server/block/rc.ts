/**
 * Local reference counts of blocks, kept by the block_ref table's change hook in the same
 * atomic commit as the reference, so a crash cannot make them drift.
 */
import type { UpdateEffects } from "../table/schema.ts";

export const RC_PREFIX = "block_rc";
export const GC_PREFIX = "block_gc";
/** Blocks to check, by due time: [prefix, due ms, hash]. */
export const RESYNC_PREFIX = "block_resync";
/** Let the write that referenced a block land before checking for it. */
export const RESYNC_DELAY_MS = 10_000;
/** Adding 2^64-1 to a KvU64 is subtracting one: KV sums wrap. */
const MINUS_ONE = (1n << 64n) - 1n;

export function rcKey(hash: string): Deno.KvKey {
  return [RC_PREFIX, hash];
}

export function gcKey(hash: string): Deno.KvKey {
  return [GC_PREFIX, hash];
}

/** Effects of a reference appearing (+1) or going away (-1). */
export function rcEffects(hash: string, delta: 1 | -1, graceMs: number): UpdateEffects {
  const sums: Array<[Deno.KvKey, bigint]> = [[rcKey(hash), delta === 1 ? 1n : MINUS_ONE]];
  // A reference may arrive before (or without) the block: resync fetches what is missing.
  if (delta === 1) return { sums, sets: [[resyncKey(hash, Date.now() + RESYNC_DELAY_MS), null]] };
  return { sums, sets: [[gcKey(hash), Date.now() + graceMs]] };
}

export function resyncKey(hash: string, due: number): Deno.KvKey {
  return [RESYNC_PREFIX, due, hash];
}

export async function readRc(kv: Deno.Kv, hash: string): Promise<bigint> {
  const r = await kv.get<Deno.KvU64>(rcKey(hash));
  return r.value?.value ?? 0n;
}
