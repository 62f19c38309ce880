/**
 * Listing with prefix and delimiter over any table partition sorted by key: walks the range
 * in pages, folds keys into common prefixes, and skips past a whole common prefix at once.
 */
import { compareKeys } from "../../util/order.ts";
import { utf8Length, utf8Prefix } from "../../util/utf8.ts";

/**
 * Longer than any sort key a listing walks (object keys are at most 1,024 bytes, an upload's
 * sort key adds its id), and short enough for a Deno KV key, which refuses reads from keys
 * over ~2 KB. A prefix longer than this matches nothing; a marker longer than this starts the
 * range read at its first this-many bytes, and what lies between those and the marker is
 * skipped below as not past it.
 */
const LONGEST_SORT_KEY = 1536;

/** Where a range read may start for a marker: its first bytes if it is too long to be a key. */
export function readableStart(marker: string): string {
  return utf8Prefix(marker, LONGEST_SORT_KEY);
}

/** Whether no sort key can start with `prefix`. */
export function beyondAnyKey(prefix: string): boolean {
  return utf8Length(prefix) > LONGEST_SORT_KEY;
}

export interface ListParams {
  prefix: string;
  delimiter?: string;
  /** Return only entries whose sort key is after this (exclusive). */
  after?: string;
  max: number;
}

export type ListItem<T> = { kind: "entry"; key: string; entry: T } | {
  kind: "prefix";
  key: string;
};

export interface ListResult<T> {
  items: ListItem<T>[];
  truncated: boolean;
}

export type PageFetcher<T> = (
  start: string | undefined,
  end: string | undefined,
  limit: number,
) => Promise<T[]>;

/** The smallest string greater than every string starting with `p` ("" when there is none). */
export function prefixEnd(p: string): string {
  const cps = [...p];
  while (cps.length) {
    const last = cps.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) {
      let next = last + 1;
      if (next >= 0xd800 && next <= 0xdfff) next = 0xe000;
      return cps.join("") + String.fromCodePoint(next);
    }
  }
  return "";
}

/** A full page of 1,000 and the entry that tells whether more follow, in one read. */
const PAGE = 1001;

export async function listKeys<T>(
  fetch: PageFetcher<T>,
  keyOf: (e: T) => string,
  visible: (e: T) => boolean,
  p: ListParams,
  sortKeyOf: (e: T) => string = keyOf,
): Promise<ListResult<T>> {
  const items: ListItem<T>[] = [];
  if (p.max <= 0 || beyondAnyKey(p.prefix)) return { items, truncated: false };
  const end = p.prefix ? prefixEnd(p.prefix) || undefined : undefined;
  let cursor: string | undefined = p.prefix || undefined;
  const afterKey = p.after;
  if (afterKey !== undefined && (cursor === undefined || compareKeys(afterKey, cursor) >= 0)) {
    // Its successor, not the marker itself: a page read from the marker would hold 1,000 keys
    // at most, and telling whether more follow would take a second read.
    cursor = readableStart(afterKey) + "\u0000";
  }
  let pastAfter = afterKey === undefined;
  for (;;) {
    // One more than asked for tells whether the listing is truncated without a second read.
    const limit = Math.min(PAGE, p.max + 1 - items.length);
    const page = await fetch(cursor, end, limit);
    /** Set after a common prefix: keys before it fold into that prefix. */
    let skipUntil: string | undefined;
    for (const e of page) {
      const key = keyOf(e);
      if (skipUntil !== undefined) {
        if (compareKeys(sortKeyOf(e), skipUntil) < 0) continue;
        skipUntil = undefined;
      }
      // Pages come in order: once past the marker, every later entry is too.
      if (!pastAfter) {
        if (compareKeys(sortKeyOf(e), afterKey!) <= 0) continue;
        pastAfter = true;
      }
      if (!key.startsWith(p.prefix) || !visible(e)) continue;
      const d = p.delimiter ? key.indexOf(p.delimiter, p.prefix.length) : -1;
      if (d >= 0) {
        const cp = key.slice(0, d + p.delimiter!.length);
        skipUntil = prefixEnd(cp);
        // A marker that is this common prefix (as NextMarker returns it) means "after it".
        if (afterKey !== undefined && compareKeys(cp, afterKey) <= 0) continue;
        if (items.length === p.max) return { items, truncated: true };
        items.push({ kind: "prefix", key: cp });
        if (skipUntil === "") return { items, truncated: false };
        continue;
      }
      if (items.length === p.max) return { items, truncated: true };
      items.push({ kind: "entry", key, entry: e });
    }
    if (page.length < limit) return { items, truncated: false };
    // Jump past a common prefix that runs beyond this page rather than reading through it.
    cursor = skipUntil ?? sortKeyOf(page[page.length - 1]) + "\u0000";
    if (end !== undefined && compareKeys(cursor, end) >= 0) return { items, truncated: false };
  }
}
