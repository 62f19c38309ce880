/**
 * What an object listing shows of an object: its visible version's date, size, ETag and
 * checksum algorithm. Read straight from the stored bytes, skipping everything else (upload
 * ids, headers, inline data): decoding whole entries was most of a listing's time.
 */
import type { RangeQuery } from "../../table/range.ts";
import { choices, MsgpackReader } from "../../util/msgpack.ts";
import { hex } from "../../util/ids.ts";
import { listKeys, type ListParams, type ListResult } from "./listing.ts";
import { type ObjectEntry, visibleVersion } from "../tables/object.ts";

export interface ObjectListing {
  key: string;
  /** False for keys whose newest complete version is a delete marker, or with none. */
  visible: boolean;
  timestamp: number;
  size: number;
  etag: string;
  checksumAlg?: string;
}

/**
 * A page of a bucket's visible objects, folded into prefixes by the delimiter, from ranges of
 * its entries that `read` views as listings (on the main thread or the listing thread).
 */
export function objectPage(
  read: (q: RangeQuery) => Promise<ObjectListing[]>,
  p: ListParams,
): Promise<ListResult<ObjectListing>> {
  return listKeys(
    (start, end, limit) => read({ start, end, limit }),
    (e) => e.key,
    (e) => e.visible,
    p,
  );
}

function hidden(key: string): ObjectListing {
  return { key, visible: false, timestamp: 0, size: 0, etag: "" };
}

export function listingOfEntry(e: ObjectEntry): ObjectListing {
  const v = visibleVersion(e);
  if (!v) return hidden(e.key);
  const meta = v.state.data.meta;
  const out: ObjectListing = {
    key: e.key,
    visible: true,
    timestamp: v.timestamp,
    size: meta.size,
    etag: meta.etag,
  };
  if (meta.checksum) out.checksumAlg = meta.checksum.alg;
  return out;
}

/** One version as read, reused for every version of every entry (reading is synchronous). */
const scratch = {
  complete: false,
  /** Complete with data that is not a delete marker: a readable version. */
  readable: false,
  isDelete: false,
  timestamp: 0,
  size: 0,
  etag: "",
  checksumAlg: undefined as string | undefined,
};

/** The same, from an entry's MessagePack encoding (the key comes from the table's sort key). */
export function listingOfBytes(key: string, bytes: Uint8Array): ObjectListing {
  const r = new MsgpackReader(bytes);
  let found: ObjectListing | undefined;
  for (let n = r.map(); n > 0; n--) {
    if (r.oneOf(ENTRY) !== 0) {
      r.skip();
      continue;
    }
    // Versions are in order: the last complete one is what readers see.
    for (let v = r.array(); v > 0; v--) {
      readVersion(r);
      if (!scratch.complete) continue;
      found = !scratch.readable || scratch.isDelete ? undefined : {
        key,
        visible: true,
        timestamp: scratch.timestamp,
        size: scratch.size,
        etag: scratch.etag,
      };
      if (found && scratch.checksumAlg !== undefined) found.checksumAlg = scratch.checksumAlg;
    }
  }
  return found ?? hidden(key);
}

const ENTRY = choices("versions");
const VERSION = choices("timestamp", "state");
const STATE = choices("s", "data");
const COMPLETE = choices("complete");
const DATA = choices("t", "meta");
const DELETE = choices("delete");
const META = choices("size", "etag", "checksum");
const CHECKSUM = choices("alg");

function readVersion(r: MsgpackReader): void {
  scratch.complete = scratch.readable = scratch.isDelete = false;
  scratch.timestamp = scratch.size = 0;
  scratch.etag = "";
  scratch.checksumAlg = undefined;
  for (let n = r.map(); n > 0; n--) {
    const field = r.oneOf(VERSION);
    if (field === 0) scratch.timestamp = r.number();
    else if (field === 1) readState(r);
    else r.skip();
  }
}

function readState(r: MsgpackReader): void {
  for (let n = r.map(); n > 0; n--) {
    const field = r.oneOf(STATE);
    if (field === 0) scratch.complete = r.oneOf(COMPLETE) === 0;
    else if (field === 1) {
      if (!r.nil()) {
        scratch.readable = true;
        readData(r);
      }
    } else r.skip();
  }
}

function readData(r: MsgpackReader): void {
  for (let n = r.map(); n > 0; n--) {
    const field = r.oneOf(DATA);
    if (field === 0) scratch.isDelete = r.oneOf(DELETE) === 0;
    else if (field === 1) {
      if (!r.nil()) readMeta(r);
    } else r.skip();
  }
}

function readMeta(r: MsgpackReader): void {
  for (let n = r.map(); n > 0; n--) {
    const field = r.oneOf(META);
    if (field === 0) scratch.size = r.number();
    // Stored entries keep a single-part ETag as its 16 bytes (tables/stored_version.ts).
    else if (field === 1) scratch.etag = r.isBinary() ? hex(r.binary()) : r.string();
    else if (field === 2) {
      for (let c = r.nil() ? 0 : r.map(); c > 0; c--) {
        if (r.oneOf(CHECKSUM) === 0) scratch.checksumAlg = r.string();
        else r.skip();
      }
    } else r.skip();
  }
}
