import { assertEquals } from "../../tests/assert.ts";
import { choices, encode, MsgpackReader } from "./msgpack.ts";

Deno.test("msgpack reader: reads numbers and strings of every width, skips anything", () => {
  const values: unknown[] = [
    0,
    127,
    -1,
    -32,
    -33,
    200,
    70_000,
    2 ** 32 + 5,
    Date.now(),
    -(2 ** 40),
    1.5,
    "",
    "a".repeat(31),
    "b".repeat(32),
    "c".repeat(300),
    "d".repeat(70_000),
    "é€🎉",
  ];
  const filler = {
    n: null,
    t: true,
    f: false,
    bin: new Uint8Array(300),
    big: new Uint8Array(70_000),
    arr: Array.from({ length: 20 }, (_, i) => ({ i })),
    map: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i])),
  };
  const r = new MsgpackReader(encode([filler, ...values, filler, "end"]));
  assertEquals(r.array(), values.length + 3);
  r.skip();
  for (const v of values) assertEquals(typeof v === "string" ? r.string() : r.number(), v);
  r.skip();
  assertEquals(r.string(), "end");
});

Deno.test("msgpack reader: maps give their entry count", () => {
  const r = new MsgpackReader(encode({ a: 1, b: { c: "x" } }));
  assertEquals(r.map(), 2);
  assertEquals([r.string(), r.number(), r.string(), r.map(), r.string(), r.string()], [
    "a",
    1,
    "b",
    1,
    "c",
    "x",
  ]);
});

Deno.test("msgpack reader: oneOf answers which name a string is, without making it", () => {
  const names = choices("size", "etag", "sizes", "é");
  const r = new MsgpackReader(encode(["etag", "sizes", "siz", "é", "other", 7]));
  r.array();
  assertEquals([r.oneOf(names), r.oneOf(names), r.oneOf(names), r.oneOf(names)], [1, 2, -1, 3]);
  assertEquals(r.oneOf(names), -1);
  assertEquals(r.number(), 7);
});
