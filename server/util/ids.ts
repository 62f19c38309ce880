import { createHash } from "node:crypto";

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function hex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += HEX[b];
  return s;
}

export function fromHex(s: string): Uint8Array {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) throw new Error(`not hex: ${s}`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function randomHex(bytes: number): string {
  return hex(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** A 32-byte random identifier, as Garage uses for buckets, versions and uploads. */
export function newUuid(): string {
  return randomHex(32);
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

const partitions = new Map<string, number>();

/** The partition (0..255) of a partition key: first byte of its SHA-256. */
export function partitionOf(partitionKey: string): number {
  let p = partitions.get(partitionKey);
  if (p === undefined) {
    // Partition keys repeat (bucket ids, upload ids): remember the recent ones.
    if (partitions.size >= 4096) partitions.clear();
    p = createHash("sha256").update(partitionKey).digest()[0];
    partitions.set(partitionKey, p);
  }
  return p;
}
