import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { S3Error } from "./error.ts";
import { parseRange } from "./range.ts";

Deno.test("Range: closed, open-ended, suffix and clamped ranges", () => {
  assertEquals(parseRange("bytes=0-9", 100), { start: 0, end: 9 });
  assertEquals(parseRange("bytes=90-", 100), { start: 90, end: 99 });
  assertEquals(parseRange("bytes=-10", 100), { start: 90, end: 99 });
  assertEquals(parseRange("bytes=-1000", 100), { start: 0, end: 99 });
  assertEquals(parseRange("bytes=50-1000", 100), { start: 50, end: 99 });
});

Deno.test("Range: absent or not a byte range is ignored", () => {
  assertEquals(parseRange(null, 100), undefined);
  assertEquals(parseRange("items=0-1", 100), undefined);
  assertEquals(parseRange("bytes=9-1", 100), undefined);
  assertEquals(parseRange("bytes=abc", 100), undefined);
});

Deno.test("Range: beyond the end, empty suffix and several ranges are InvalidRange", () => {
  for (const h of ["bytes=100-", "bytes=200-300", "bytes=-0", "bytes=0-1,5-6"]) {
    const e = assertThrows(() => parseRange(h, 100)) as S3Error;
    assertEquals([e.code, e.status], ["InvalidRange", 416], h);
  }
  assertEquals((assertThrows(() => parseRange("bytes=0-0", 0)) as S3Error).code, "InvalidRange");
});
