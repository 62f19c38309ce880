/**
 * What an object listing shows of an object: its visible version's date, size, ETag and
 * checksum algorithm. Read straight from the stored bytes, skipping everything else (upload
 * ids, headers, inline data): decoding whole entries was most of a listing's time.
 */
import { MsgpackReader } from "../util/msgpack.ts";
import { type ObjectEntry, visibleVersion } from "./object.ts";

export interface ObjectListing {
  key: string;
  /** False for keys whose newest complete version is a delete marker, or with none. */
  visible: boolean;
  timestamp: number;
  size: number;
  etag: string;
  checksumAlg?: string;
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

/** The same, from an entry's MessagePack encoding (the key comes from the table's sort key). */
export function listingOfBytes(key: string, bytes: Uint8Array): ObjectListing {
  const r = new MsgpackReader(bytes);
  let found = hidden(key);
  for (let n = r.map(); n > 0; n--) {
    if (r.string() !== "versions") {
      r.skip();
      continue;
    }
    // Versions are in order: the last complete one is what readers see.
    for (let v = r.array(); v > 0; v--) {
      const version = readVersion(r, key);
      if (version) found = version;
    }
  }
  return found.visible ? found : hidden(key);
}

/** A version's listing if it is complete (visible unless a delete marker), else undefined. */
function readVersion(r: MsgpackReader, key: string): ObjectListing | undefined {
  let timestamp = 0;
  let out: ObjectListing | undefined;
  for (let n = r.map(); n > 0; n--) {
    const field = r.string();
    if (field === "timestamp") timestamp = r.number();
    else if (field === "state") out = readState(r, key);
    else r.skip();
  }
  if (out) out.timestamp = timestamp;
  return out;
}

function readState(r: MsgpackReader, key: string): ObjectListing | undefined {
  let complete = false;
  let data: ObjectListing | undefined;
  for (let n = r.map(); n > 0; n--) {
    const field = r.string();
    if (field === "s") complete = r.string() === "complete";
    else if (field === "data") data = r.nil() ? undefined : readData(r, key);
    else r.skip();
  }
  return complete ? data ?? hidden(key) : undefined;
}

function readData(r: MsgpackReader, key: string): ObjectListing {
  const out = hidden(key);
  let isDelete = false;
  for (let n = r.map(); n > 0; n--) {
    const field = r.string();
    if (field === "t") isDelete = r.string() === "delete";
    else if (field === "meta") {
      if (!r.nil()) readMeta(r, out);
    } else r.skip();
  }
  out.visible = !isDelete;
  return out;
}

function readMeta(r: MsgpackReader, out: ObjectListing): void {
  for (let n = r.map(); n > 0; n--) {
    const field = r.string();
    if (field === "size") out.size = r.number();
    else if (field === "etag") out.etag = r.string();
    else if (field === "checksum") {
      for (let c = r.nil() ? 0 : r.map(); c > 0; c--) {
        if (r.string() === "alg") out.checksumAlg = r.string();
        else r.skip();
      }
    } else r.skip();
  }
}
