import { assertEquals } from "../../tests/assert.ts";
import { encode } from "../util/msgpack.ts";
import { lww, mergeLwwMap } from "./crdt.ts";

Deno.test("merged LWW maps are byte-identical whatever order their keys were added in", () => {
  const a = { zeta: lww(1, 5), alpha: lww(2, 5) };
  const b = { mid: lww(3, 7), alpha: lww(4, 9) };
  const one = mergeLwwMap(a, b);
  const other = mergeLwwMap(b, { alpha: a.alpha, zeta: a.zeta });
  assertEquals(Object.keys(one), ["alpha", "mid", "zeta"]);
  assertEquals(encode(one), encode(other));
  assertEquals(one.alpha, lww(4, 9));
});
