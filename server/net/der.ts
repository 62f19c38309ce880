/**
 * The few DER (ASN.1 Distinguished Encoding Rules) encoders an X.509 certificate needs. Each
 * returns the complete encoding (tag, length, contents) of one value, so values nest by plain
 * function calls: `sequence(integer(2), oid("2.5.4.3"))`.
 */
import { concatBytes } from "../util/bytes.ts";

const text = new TextEncoder();

function length(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes = bigEndian(n);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

function tlv(tag: number, contents: Uint8Array): Uint8Array {
  return concatBytes([Uint8Array.of(tag), length(contents.length), contents]);
}

export function sequence(...items: Uint8Array[]): Uint8Array {
  return tlv(0x30, concatBytes(items));
}

/** A SET of one element: DER sorts a SET's elements, which a single one makes moot. */
export function setOf(item: Uint8Array): Uint8Array {
  return tlv(0x31, item);
}

export function boolean(value: boolean): Uint8Array {
  return tlv(0x01, Uint8Array.of(value ? 0xff : 0x00));
}

/** A non-negative INTEGER, from a small number or from big-endian unsigned bytes. */
export function integer(value: number | Uint8Array): Uint8Array {
  let bytes = typeof value === "number" ? bigEndian(value) : value;
  // DER wants the shortest form: no leading zero byte unless the next one has its top bit set,
  // which would otherwise read as a negative number.
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0 && bytes[start + 1] < 0x80) start++;
  bytes = bytes.subarray(start);
  if (bytes.length === 0 || bytes[0] >= 0x80) bytes = concatBytes([Uint8Array.of(0), bytes]);
  return tlv(0x02, bytes);
}

function bigEndian(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a non-negative integer: ${n}`);
  const bytes: number[] = [];
  for (; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Uint8Array.from(bytes);
}

/** An OBJECT IDENTIFIER in dotted form, e.g. "1.3.101.112". */
export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split(".").map(Number);
  const out = [40 * arcs[0] + arcs[1]];
  for (const arc of arcs.slice(2)) {
    // Base 128, most significant group first, the top bit marking "more groups follow".
    const groups = [arc & 0x7f];
    for (let rest = arc >>> 7; rest > 0; rest >>>= 7) groups.unshift(0x80 | (rest & 0x7f));
    out.push(...groups);
  }
  return tlv(0x06, Uint8Array.from(out));
}

export function utf8String(s: string): Uint8Array {
  return tlv(0x0c, text.encode(s));
}

export function ia5String(s: string): Uint8Array {
  return tlv(0x16, text.encode(s));
}

/**
 * A certificate time as RFC 5280 §4.1.2.5 requires: UTCTime through 2049, GeneralizedTime from
 * 2050 on, to the second, in UTC.
 */
export function time(date: Date): Uint8Array {
  const year = date.getUTCFullYear();
  if (year < 1950 || year > 9999) throw new RangeError(`no certificate time for ${date}`);
  const digits = date.toISOString().replace(/\.\d+Z$/, "Z").replace(/[-:T]/g, "");
  return year < 2050 ? tlv(0x17, text.encode(digits.slice(2))) : tlv(0x18, text.encode(digits));
}

/** A BIT STRING whose last `unusedBits` bits are padding. */
export function bitString(bytes: Uint8Array, unusedBits = 0): Uint8Array {
  return tlv(0x03, concatBytes([Uint8Array.of(unusedBits), bytes]));
}

export function octetString(bytes: Uint8Array): Uint8Array {
  return tlv(0x04, bytes);
}

/** `[n] EXPLICIT`: the tagged value wrapped whole. */
export function explicit(n: number, value: Uint8Array): Uint8Array {
  return tlv(0xa0 | n, value);
}

/** `[n] IMPLICIT` of a primitive value: its contents under the context tag instead of its own. */
export function implicit(n: number, value: Uint8Array): Uint8Array {
  const header = value[1] < 0x80 ? 2 : 2 + (value[1] & 0x7f);
  return tlv(0x80 | n, value.subarray(header));
}
