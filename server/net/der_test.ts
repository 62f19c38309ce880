/** Known encodings, from X.690 and from certificates openssl wrote. */
import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { hex } from "../util/ids.ts";
import {
  bitString,
  boolean,
  explicit,
  ia5String,
  implicit,
  integer,
  octetString,
  oid,
  sequence,
  time,
} from "./der.ts";

Deno.test("integers take the fewest bytes that keep them positive", () => {
  assertEquals(hex(integer(0)), "020100");
  assertEquals(hex(integer(127)), "02017f");
  assertEquals(hex(integer(128)), "02020080");
  assertEquals(hex(integer(256)), "02020100");
  assertEquals(hex(integer(Uint8Array.of(0, 0, 0x7f))), "02017f");
  assertEquals(hex(integer(Uint8Array.of(0, 0, 0x80))), "02020080");
  assertThrows(() => integer(-1));
});

Deno.test("object identifiers pack arcs in base 128", () => {
  assertEquals(hex(oid("1.3.101.112")), "06032b6570"); // Ed25519
  assertEquals(hex(oid("2.5.29.19")), "0603551d13"); // basicConstraints
  assertEquals(hex(oid("1.2.840.113549")), "06062a864886f70d"); // RSA Data Security
});

Deno.test("lengths from 128 on take the long form", () => {
  assertEquals(hex(octetString(new Uint8Array(127))).slice(0, 4), "047f");
  assertEquals(hex(octetString(new Uint8Array(128))).slice(0, 6), "048180");
  assertEquals(hex(octetString(new Uint8Array(300))).slice(0, 8), "0482012c");
});

Deno.test("times are UTCTime through 2049 and GeneralizedTime after", () => {
  const ascii = (d: Uint8Array) => new TextDecoder().decode(d.subarray(2));
  assertEquals(time(new Date("2000-01-01T00:00:00Z"))[0], 0x17);
  assertEquals(ascii(time(new Date("2000-01-01T00:00:00Z"))), "000101000000Z");
  assertEquals(ascii(time(new Date("2049-12-31T23:59:59.999Z"))), "491231235959Z");
  assertEquals(time(new Date("9999-12-31T23:59:59Z"))[0], 0x18);
  assertEquals(ascii(time(new Date("9999-12-31T23:59:59Z"))), "99991231235959Z");
  assertThrows(() => time(new Date("1949-12-31T00:00:00Z")));
});

Deno.test("constructed and tagged values wrap their parts", () => {
  assertEquals(hex(sequence(boolean(true))), "30030101ff");
  assertEquals(hex(sequence()), "3000");
  assertEquals(hex(explicit(0, integer(2))), "a003020102");
  assertEquals(hex(implicit(2, ia5String("a.b"))), "8203612e62");
  assertEquals(hex(bitString(Uint8Array.of(0x06), 1)), "03020106");
});
