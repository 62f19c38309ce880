/**
 * Incremental hashers for the S3 flexible checksums (x-amz-checksum-*).
 *
 * Digests are the big-endian bytes AWS base64-encodes in its headers, so a
 * CRC32 is 4 bytes and a CRC64NVME 8 bytes.
 */
import { createHash } from "node:crypto";
import { crc32 as zlibCrc32 } from "node:zlib";

export type ChecksumAlgorithm = "CRC32" | "CRC32C" | "CRC64NVME" | "SHA1" | "SHA256";

export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = [
  "CRC32",
  "CRC32C",
  "CRC64NVME",
  "SHA1",
  "SHA256",
];

export interface Hasher {
  update(data: Uint8Array): void;
  digest(): Uint8Array;
}

export function newChecksum(alg: ChecksumAlgorithm): Hasher {
  switch (alg) {
    case "CRC32":
      return new Crc32();
    case "CRC32C":
      return new Crc32c();
    case "CRC64NVME":
      return new Crc64Nvme();
    case "SHA1":
      return new NodeHash("sha1");
    case "SHA256":
      return new NodeHash("sha256");
  }
}

/** The request/response header carrying the checksum, e.g. "x-amz-checksum-crc32". */
export function checksumHeader(alg: ChecksumAlgorithm): string {
  return `x-amz-checksum-${alg.toLowerCase()}`;
}

/** Accepts an algorithm name ("crc32", "SHA256") or its header name, in any case. */
export function parseChecksumAlgorithm(s: string): ChecksumAlgorithm | undefined {
  const name = s.trim().toUpperCase().replace(/^X-AMZ-CHECKSUM-/, "");
  return CHECKSUM_ALGORITHMS.find((alg) => alg === name);
}

export function toBase64(bytes: Uint8Array): string {
  return bytes.toBase64();
}

/** Strict: a malformed value is a client error, so it yields undefined rather than junk bytes. */
export function fromBase64(s: string): Uint8Array | undefined {
  try {
    return Uint8Array.fromBase64(s, { lastChunkHandling: "strict" });
  } catch {
    return undefined;
  }
}

export function toHex(bytes: Uint8Array): string {
  return bytes.toHex();
}

function bigEndian32(crc: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, crc >>> 0);
  return out;
}

/** Deno's node:zlib crc32 is native and runs at several GB/s. */
class Crc32 implements Hasher {
  #crc = 0;
  update(data: Uint8Array): void {
    this.#crc = zlibCrc32(data, this.#crc);
  }
  digest(): Uint8Array {
    return bigEndian32(this.#crc);
  }
}

/**
 * Slicing-by-8 tables for a reflected CRC: table t maps a byte to its CRC
 * contribution when followed by t zero bytes, so eight bytes fold in one step.
 * Entries are split into 32-bit halves because V8 has no fast 64-bit integers
 * (a BigUint64Array version measured ~40x slower); a 32-bit CRC uses lo only.
 */
function slicingTables(polyHi: number, polyLo: number): { hi: Int32Array; lo: Int32Array } {
  const hi = new Int32Array(8 * 256);
  const lo = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let h = 0, l = n;
    for (let k = 0; k < 8; k++) {
      const mask = -(l & 1);
      l = ((l >>> 1) | (h << 31)) ^ (polyLo & mask);
      h = (h >>> 1) ^ (polyHi & mask);
    }
    hi[n] = h;
    lo[n] = l;
  }
  for (let t = 256; t < 8 * 256; t++) {
    const h = hi[t - 256], l = lo[t - 256], idx = l & 0xff;
    lo[t] = ((l >>> 8) | (h << 24)) ^ lo[idx];
    hi[t] = (h >>> 8) ^ hi[idx];
  }
  return { hi, lo };
}

/**
 * The aligned middle of data as 32-bit words, with the byte counts before and
 * after it. Reading words through a typed-array view is ~1.5x faster than
 * assembling them from bytes; all Deno targets are little-endian, which is the
 * byte order a reflected CRC consumes.
 */
const NO_WORDS = new Int32Array(0);

function alignedWords(data: Uint8Array): { head: number; words: Int32Array; tail: number } {
  const head = (4 - (data.byteOffset & 3)) & 3;
  const pairs = Math.max(0, data.length - head) >>> 3;
  if (pairs === 0) return { head: data.length, words: NO_WORDS, tail: data.length };
  const words = new Int32Array(data.buffer, data.byteOffset + head, pairs * 2);
  return { head, words, tail: head + pairs * 8 };
}

// Castagnoli polynomial 0x1EDC6F41, reflected.
const C32C = slicingTables(0, 0x82f63b78).lo;

class Crc32c implements Hasher {
  #crc = -1;
  update(data: Uint8Array): void {
    const t = C32C;
    let crc = this.#crc;
    const { head, words, tail } = alignedWords(data);
    for (let i = 0; i < head; i++) crc = (crc >>> 8) ^ t[(crc ^ data[i]) & 0xff];
    for (let j = 0; j < words.length; j += 2) {
      const a = crc ^ words[j], b = words[j + 1];
      crc = t[1792 + (a & 0xff)] ^ t[1536 + ((a >>> 8) & 0xff)] ^
        t[1280 + ((a >>> 16) & 0xff)] ^ t[1024 + (a >>> 24)] ^
        t[768 + (b & 0xff)] ^ t[512 + ((b >>> 8) & 0xff)] ^
        t[256 + ((b >>> 16) & 0xff)] ^ t[b >>> 24];
    }
    for (let i = tail; i < data.length; i++) crc = (crc >>> 8) ^ t[(crc ^ data[i]) & 0xff];
    this.#crc = crc;
  }
  digest(): Uint8Array {
    return bigEndian32(~this.#crc);
  }
}

// CRC-64/NVME polynomial 0xAD93D23594C93659, reflected.
const C64 = slicingTables(0x9a6c9329, 0xac4bc9b5);

class Crc64Nvme implements Hasher {
  #hi = -1;
  #lo = -1;
  update(data: Uint8Array): void {
    const { hi: th, lo: tl } = C64;
    let hi = this.#hi, lo = this.#lo;
    const { head, words, tail } = alignedWords(data);
    for (let i = 0; i < head; i++) {
      const idx = (lo ^ data[i]) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ tl[idx];
      hi = (hi >>> 8) ^ th[idx];
    }
    for (let j = 0; j < words.length; j += 2) {
      const a = lo ^ words[j], b = hi ^ words[j + 1];
      const i0 = 1792 + (a & 0xff), i1 = 1536 + ((a >>> 8) & 0xff);
      const i2 = 1280 + ((a >>> 16) & 0xff), i3 = 1024 + (a >>> 24);
      const i4 = 768 + (b & 0xff), i5 = 512 + ((b >>> 8) & 0xff);
      const i6 = 256 + ((b >>> 16) & 0xff), i7 = b >>> 24;
      lo = tl[i0] ^ tl[i1] ^ tl[i2] ^ tl[i3] ^ tl[i4] ^ tl[i5] ^ tl[i6] ^ tl[i7];
      hi = th[i0] ^ th[i1] ^ th[i2] ^ th[i3] ^ th[i4] ^ th[i5] ^ th[i6] ^ th[i7];
    }
    for (let i = tail; i < data.length; i++) {
      const idx = (lo ^ data[i]) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ tl[idx];
      hi = (hi >>> 8) ^ th[idx];
    }
    this.#hi = hi;
    this.#lo = lo;
  }
  digest(): Uint8Array {
    const out = new Uint8Array(8);
    const view = new DataView(out.buffer);
    view.setUint32(0, ~this.#hi >>> 0);
    view.setUint32(4, ~this.#lo >>> 0);
    return out;
  }
}

/** node:crypto rather than crypto.subtle, which cannot hash incrementally. */
class NodeHash implements Hasher {
  #hash;
  constructor(alg: "sha1" | "sha256") {
    this.#hash = createHash(alg);
  }
  update(data: Uint8Array): void {
    this.#hash.update(data);
  }
  digest(): Uint8Array {
    return this.#hash.digest();
  }
}
