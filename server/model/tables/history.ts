/**
 * The versions a versioned bucket keeps besides the current one (sharded table
 * `object_history`, partition key = bucket id, sort key = object key, NUL, slot). A version
 * arrives here when a newer one pushes it out of its object entry, and leaves when it is
 * deleted by id (purged: the entry stays as a tombstone, which releases its blocks, until the
 * table's GC). Slots sort newest first, so a key's versions are read in the order S3 lists them.
 */
import type { TableSchema } from "../../table/schema.ts";
import { randomHex } from "../../util/ids.ts";
import { mergeSettings } from "./settings.ts";
import { restoredVersion, storedVersion } from "./stored_version.ts";
import {
  bucketStatKey,
  mayHaveBlocks,
  type ObjectVersion,
  RELEASE_VERSION,
  wrap,
} from "./object.ts";

export interface HistoryEntry {
  bucketId: string;
  key: string;
  /** The version id; for a "null" version, the same form made from its date and uuid. */
  slot: string;
  version: ObjectVersion;
  purged: boolean;
}

/** Milliseconds counted down from the last 12-hex-digit time, so that later sorts first. */
const LAST_MS = 0xffffffffffff;

/** A new version id: 12 hex digits for its time (newest first) and 20 random ones. */
export function newVersionId(now = Date.now(), random: string = randomHex(10)): string {
  return (LAST_MS - now).toString(16).padStart(12, "0") + random.slice(0, 20);
}

/** The slot of a version in the history: its id, or one made like it for "null". */
export function slotOf(v: ObjectVersion): string {
  return v.id ?? newVersionId(v.timestamp, v.uuid);
}

/** Whether a string can be a version id this server gave ("null" aside). */
export function isVersionId(s: string): boolean {
  return /^[0-9a-f]{32}$/.test(s);
}

export function historySortKey(key: string, slot: string): string {
  return key + "\u0000" + slot;
}

/** The sort-key range of every kept version of `key`. */
export function historyRange(key: string): { start: string; end: string } {
  return { start: key + "\u0000", end: key + "\u0001" };
}

/** The bytes a kept version counts for in its bucket's totals (undefined: it counts not). */
function countedSize(e: HistoryEntry | undefined): number | undefined {
  const s = e?.version.state;
  if (!e || e.purged || s?.s !== "complete" || s.data.t === "delete") return undefined;
  return s.data.meta.size;
}

export const historySchema: TableSchema<HistoryEntry> = {
  name: "object_history",
  replication: "sharded",
  stored: ({ bucketId: _bucket, key: _key, slot: _slot, version, ...rest }) => ({
    version: storedVersion(version),
    ...rest,
  }),
  restored(v, bucketId, sk) {
    const at = sk.lastIndexOf("\u0000");
    const e = v as Omit<HistoryEntry, "bucketId" | "key" | "slot">;
    return {
      bucketId,
      key: sk.slice(0, at),
      slot: sk.slice(at + 1),
      ...e,
      version: restoredVersion(e.version),
    };
  },
  crowded: true,
  partitionKey: (e) => e.bucketId,
  sortKey: (e) => historySortKey(e.key, e.slot),
  merge(a, b) {
    if (a.purged !== b.purged) return a.purged ? a : b;
    const { retention: _r, legalHold: _h, tags: _t, acl: _a, ...version } = a.version;
    return {
      ...a,
      version: {
        ...version,
        timestamp: Math.max(a.version.timestamp, b.version.timestamp),
        ...mergeSettings(a.version, b.version),
      },
    };
  },
  isTombstone: (e) => e.purged,
  updated(old, now) {
    const before = countedSize(old);
    const after = countedSize(now);
    const sums: Array<[Deno.KvKey, bigint]> = [];
    if ((before === undefined) !== (after === undefined)) {
      sums.push([bucketStatKey(now.bucketId, "objects"), wrap(after === undefined ? -1 : 1)]);
    }
    if ((before ?? 0) !== (after ?? 0)) {
      sums.push([bucketStatKey(now.bucketId, "bytes"), wrap((after ?? 0) - (before ?? 0))]);
    }
    const purgedNow = now.purged && !old?.purged;
    return {
      queue: purgedNow && mayHaveBlocks(now.version)
        ? [{ kind: RELEASE_VERSION, payload: now.version.uuid }]
        : [],
      sums,
    };
  },
};
