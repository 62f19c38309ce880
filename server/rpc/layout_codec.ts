/**
 * The layout as stored in Deno KV: each partition's nodes written as indices into the version's
 * node list. Written out, 256 partitions × 3 copies of 64-character ids take 50 KB a version,
 * and a layout with its history must fit one KV value (64 KiB).
 */
import { decode, encode } from "../util/msgpack.ts";
import type { ClusterLayout, LayoutVersion } from "./layout.ts";

/** Layouts saved before this codec hold the ids themselves; they still read. */
type PackedVersion = Omit<LayoutVersion, "partitions"> & { partitions: (number | string)[][] };

interface PackedLayout extends Omit<ClusterLayout, "current" | "history"> {
  current: PackedVersion;
  history?: PackedVersion[];
}

function pack(v: LayoutVersion): PackedVersion {
  const ids = Object.keys(v.roles).sort();
  const index = new Map(ids.map((id, i) => [id, i]));
  return { ...v, partitions: v.partitions.map((p) => p.map((id) => index.get(id)!)) };
}

function unpack(v: PackedVersion): LayoutVersion {
  const ids = Object.keys(v.roles).sort();
  return {
    ...v,
    partitions: v.partitions.map((p) => p.map((i) => typeof i === "number" ? ids[i] : i)),
  };
}

export function encodeLayout(l: ClusterLayout): Uint8Array {
  const packed: PackedLayout = {
    ...l,
    current: pack(l.current),
    history: l.history?.map(pack),
  };
  return encode(packed);
}

export function decodeLayout(bytes: Uint8Array): ClusterLayout {
  const p = decode(bytes) as PackedLayout;
  return { ...p, current: unpack(p.current), history: p.history?.map(unpack) };
}
