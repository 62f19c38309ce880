/**
 * A listing page as it crosses between threads: in columns of strings and numbers, which the
 * structured clone copies several times faster than a thousand small objects (serializing
 * the objects was a third of the listing thread's time per page).
 */
import type { ListItem, ListResult } from "./listing.ts";
import type { ObjectListing } from "./object_listing.ts";

export interface PageColumns {
  truncated: boolean;
  keys: string[];
  /** 1 where the item is a common prefix, 0 for an object. */
  prefix: Uint8Array;
  /** An object's timestamp and size, two per item. */
  numbers: Float64Array;
  etags: string[];
  /** Index and algorithm of the objects stored with a checksum. */
  checksums: [number, string][];
}

export function toColumns(page: ListResult<ObjectListing>): PageColumns {
  const n = page.items.length;
  const cols: PageColumns = {
    truncated: page.truncated,
    keys: new Array(n),
    prefix: new Uint8Array(n),
    numbers: new Float64Array(2 * n),
    etags: new Array(n),
    checksums: [],
  };
  page.items.forEach((item, i) => {
    cols.keys[i] = item.key;
    if (item.kind === "prefix") {
      cols.prefix[i] = 1;
      cols.etags[i] = "";
      return;
    }
    const o = item.entry;
    cols.numbers[2 * i] = o.timestamp;
    cols.numbers[2 * i + 1] = o.size;
    cols.etags[i] = o.etag;
    if (o.checksumAlg !== undefined) cols.checksums.push([i, o.checksumAlg]);
  });
  return cols;
}

export function fromColumns(cols: PageColumns): ListResult<ObjectListing> {
  const items: ListItem<ObjectListing>[] = cols.keys.map((key, i) =>
    cols.prefix[i] ? { kind: "prefix", key } : {
      kind: "entry",
      key,
      entry: {
        key,
        visible: true,
        timestamp: cols.numbers[2 * i],
        size: cols.numbers[2 * i + 1],
        etag: cols.etags[i],
      },
    }
  );
  for (const [i, alg] of cols.checksums) {
    const item = items[i];
    if (item.kind === "entry") item.entry.checksumAlg = alg;
  }
  return { items, truncated: cols.truncated };
}
