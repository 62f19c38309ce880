import { deepStrictEqual, equal } from "node:assert/strict";
import {
  type ChecksumAlgorithm,
  checksumHeader,
  fromBase64,
  newChecksum,
  parseChecksumAlgorithm,
  toBase64,
  toHex,
} from "./checksum.ts";

const text = (s: string) => new TextEncoder().encode(s);

function hex(alg: ChecksumAlgorithm, ...parts: Uint8Array[]): string {
  const h = newChecksum(alg);
  for (const p of parts) h.update(p);
  return toHex(h.digest());
}

// The CRC catalogue's check value is the digest of "123456789".
Deno.test("CRC check values from the CRC catalogue", () => {
  equal(hex("CRC32", text("123456789")), "cbf43926");
  equal(hex("CRC32C", text("123456789")), "e3069283");
  equal(hex("CRC64NVME", text("123456789")), "ae8b14860a799888");
});

Deno.test("digests of the empty input, as AWS reports them in base64", () => {
  const empty = (alg: ChecksumAlgorithm) => toBase64(newChecksum(alg).digest());
  equal(empty("CRC32"), "AAAAAA==");
  equal(empty("CRC32C"), "AAAAAA==");
  equal(empty("CRC64NVME"), "AAAAAAAAAAA=");
  equal(empty("SHA1"), "2jmj7l5rSw0yVb/vlWAYkK/YBwk=");
  equal(empty("SHA256"), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
});

Deno.test("the AWS chunked-upload trailer example: CRC32C of 66,560 'a' is sOO8/Q==", () => {
  const h = newChecksum("CRC32C");
  h.update(new Uint8Array(65536).fill(0x61));
  h.update(new Uint8Array(1024).fill(0x61));
  equal(toBase64(h.digest()), "sOO8/Q==");
});

Deno.test("SHA digests", () => {
  equal(hex("SHA1", text("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  equal(
    hex("SHA256", text("abc")),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
});

// Unaligned views and every split point exercise the head/word/tail paths.
Deno.test("incremental updates equal one-shot, at any split and alignment", () => {
  const data = crypto.getRandomValues(new Uint8Array(203));
  for (const alg of ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"] as const) {
    const whole = hex(alg, data);
    for (let offset = 0; offset < 8; offset++) {
      const view = data.subarray(offset);
      const expected = hex(alg, view);
      for (let cut = 0; cut <= view.length; cut += 7) {
        equal(hex(alg, view.subarray(0, cut), view.subarray(cut)), expected, `${alg} @${cut}`);
      }
    }
    equal(hex(alg, ...Array.from(data, (b) => Uint8Array.of(b))), whole, `${alg} bytewise`);
  }
});

Deno.test("header names and algorithm parsing", () => {
  equal(checksumHeader("CRC64NVME"), "x-amz-checksum-crc64nvme");
  equal(parseChecksumAlgorithm("crc32c"), "CRC32C");
  equal(parseChecksumAlgorithm("X-Amz-Checksum-Sha256"), "SHA256");
  equal(parseChecksumAlgorithm("md5"), undefined);
});

Deno.test("base64 decoding is strict", () => {
  deepStrictEqual(fromBase64("sOO8/Q=="), Uint8Array.of(0xb0, 0xe3, 0xbc, 0xfd));
  equal(fromBase64("sOO8/Q"), undefined);
  equal(fromBase64("not base64!"), undefined);
});
