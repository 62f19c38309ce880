/**
 * A version as the object and history tables store it: its uuid (64 hex digits) and a
 * single-part ETag (32) are kept as the bytes they spell, 48 bytes less per version, which is
 * what brings a 1 KiB object's metadata under 1 KiB on disk (docs/scaling.md). Anything else
 * (a multipart ETag, an id in another form) is stored as it is, and every form reads back the
 * same version. Only a node's own database holds this form: peers exchange whole entries.
 */
import { hex } from "../../util/ids.ts";
import type { ObjectVersion } from "./object.ts";

const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) NIBBLE["0123456789abcdef".charCodeAt(i)] = i;

/** The bytes of `n` lowercase hex digits, or undefined for any other string. */
function bytesOfHex(s: string, n: number): Uint8Array | undefined {
  if (s.length !== n) return undefined;
  const out = new Uint8Array(n / 2);
  for (let i = 0; i < out.length; i++) {
    // Characters past the table (not ASCII) read as undefined, and count as not hex.
    const hi = NIBBLE[s.charCodeAt(2 * i)] ?? -1, lo = NIBBLE[s.charCodeAt(2 * i + 1)] ?? -1;
    if (hi < 0 || lo < 0) return undefined;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

export function storedVersion(v: ObjectVersion): unknown {
  const uuid = bytesOfHex(v.uuid, 64) ?? v.uuid;
  const s = v.state;
  if (s.s !== "complete" || s.data.t === "delete") return { ...v, uuid };
  const etag = bytesOfHex(s.data.meta.etag, 32);
  if (!etag) return { ...v, uuid };
  return { ...v, uuid, state: { ...s, data: { ...s.data, meta: { ...s.data.meta, etag } } } };
}

export function restoredVersion(stored: unknown): ObjectVersion {
  const v = stored as Omit<ObjectVersion, "uuid"> & { uuid: string | Uint8Array };
  if (v.uuid instanceof Uint8Array) v.uuid = hex(v.uuid);
  const s = v.state;
  if (s.s === "complete" && s.data.t !== "delete") {
    const meta = s.data.meta as { etag: string | Uint8Array };
    if (meta.etag instanceof Uint8Array) meta.etag = hex(meta.etag);
  }
  return v as ObjectVersion;
}
