/**
 * ListObjectVersions: every version of every key in key order, the current one (from the
 * object entry) first, then the kept ones (from the history table) newest first. The two tables
 * are read side by side, page by page, from the same key on.
 */
import { compareKeys } from "../../util/order.ts";
import type { Model } from "../model.ts";
import type { HistoryEntry } from "../tables/history.ts";
import {
  lastComplete,
  type ObjectEntry,
  type ObjectVersion,
  versionIdOf,
} from "../tables/object.ts";
import { beyondAnyKey, prefixEnd, readableStart } from "./listing.ts";

export interface VersionRow {
  key: string;
  version: ObjectVersion & { state: { s: "complete" } };
  isLatest: boolean;
}

export type VersionItem = { kind: "version"; row: VersionRow } | { kind: "prefix"; key: string };

export interface VersionListParams {
  prefix: string;
  delimiter?: string;
  keyMarker?: string;
  versionIdMarker?: string;
  max: number;
  /** Only the versions of this one key (prefix and markers then do not apply). */
  key?: string;
}

export interface VersionPage {
  items: VersionItem[];
  truncated: boolean;
}

/** Every version row of the bucket from key `from` on (below `end`), in listing order. */
async function* versionRows(
  model: Model,
  bucketId: string,
  from: string | undefined,
  end: string | undefined,
): AsyncGenerator<VersionRow> {
  const heads = model.objects.scan(bucketId, from, end);
  const kept = model.history.scan(bucketId, from, end);
  let head = (await heads.next()).value as ObjectEntry | undefined;
  let old = (await kept.next()).value as HistoryEntry | undefined;
  while (head || old) {
    const key = !old || (head && compareKeys(head.key, old.key) <= 0) ? head!.key : old.key;
    const seen = new Set<string>();
    let nullSeen = false;
    if (head?.key === key) {
      const current = lastComplete(head);
      if (current) {
        seen.add(current.uuid);
        nullSeen = !current.id;
        yield { key, version: current as VersionRow["version"], isLatest: true };
      }
      for (const v of head.versions) if (v.state.s === "aborted") seen.add(v.uuid);
      head = (await heads.next()).value as ObjectEntry | undefined;
    }
    while (old?.key === key) {
      const v = old.version;
      // A "null" version kept twice, or one superseded by a newer "null", shows once.
      const shown = !old.purged && v.state.s === "complete" && !seen.has(v.uuid) &&
        !(nullSeen && !v.id);
      if (shown) {
        seen.add(v.uuid);
        nullSeen ||= !v.id;
        yield { key, version: v as VersionRow["version"], isLatest: false };
      }
      old = (await kept.next()).value as HistoryEntry | undefined;
    }
  }
}

/** One page of ListObjectVersions, folded into common prefixes by the delimiter. */
export async function listVersions(
  model: Model,
  bucketId: string,
  p: VersionListParams,
): Promise<VersionPage> {
  const items: VersionItem[] = [];
  if (p.key !== undefined) {
    for await (const row of versionRows(model, bucketId, p.key, p.key + "\u0001")) {
      if (items.length === p.max) return { items, truncated: true };
      items.push({ kind: "version", row });
    }
    return { items, truncated: false };
  }
  const end = p.prefix ? prefixEnd(p.prefix) || undefined : undefined;
  let from: string | undefined = p.prefix || undefined;
  if (p.keyMarker !== undefined && (from === undefined || compareKeys(p.keyMarker, from) >= 0)) {
    from = readableStart(p.keyMarker);
  }
  /** Rows of the marker key are skipped: all of them, or up to the marker version. */
  let skipping = p.keyMarker !== undefined;
  if (p.max <= 0 || beyondAnyKey(p.prefix)) return { items, truncated: false };
  for (;;) {
    let restart: string | undefined;
    for await (const row of versionRows(model, bucketId, from, end)) {
      if (skipping) {
        if (compareKeys(row.key, p.keyMarker!) < 0) continue;
        if (row.key === p.keyMarker) {
          if (versionIdOf(row.version) === p.versionIdMarker) skipping = false;
          continue;
        }
        skipping = false;
      }
      const d = p.delimiter ? row.key.indexOf(p.delimiter, p.prefix.length) : -1;
      if (d >= 0) {
        const cp = row.key.slice(0, d + p.delimiter!.length);
        // A marker that is this common prefix (as NextKeyMarker gives it) means "after it".
        if (p.keyMarker === undefined || compareKeys(cp, p.keyMarker) > 0) {
          if (items.length === p.max) return { items, truncated: true };
          items.push({ kind: "prefix", key: cp });
        }
        restart = prefixEnd(cp);
        break;
      }
      if (items.length === p.max) return { items, truncated: true };
      items.push({ kind: "version", row });
    }
    if (restart === undefined || restart === "") return { items, truncated: false };
    if (end !== undefined && compareKeys(restart, end) >= 0) return { items, truncated: false };
    from = restart;
  }
}
