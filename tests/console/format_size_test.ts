import { assertEquals } from "../assert.ts";
import { bytes, parseSize } from "../../console/src/format.ts";

Deno.test("console: sizes are typed as operators write them, decimal unless KiB…", () => {
  assertEquals(parseSize("100G"), 100e9);
  assertEquals(parseSize("1.5 TB"), 1.5e12);
  assertEquals(parseSize("1,5T"), 1.5e12);
  assertEquals(parseSize("500 GiB"), 500 * 1024 ** 3);
  assertEquals(parseSize("2000000"), 2e6);
  assertEquals(parseSize(" 10 mb "), 10e6);
});

Deno.test("console: a size that cannot be read says why", () => {
  assertEquals(parseSize("abc"), {
    error: "“abc” is not a size: write a number and a unit, such as 100G or 1.5 TB",
  });
  assertEquals(parseSize("10 parsecs"), {
    error: "“parsecs” is not a unit: use B, K, M, G, T or P (or KiB, MiB, GiB, TiB)",
  });
  assertEquals(parseSize("-5G").constructor, Object);
});

Deno.test("console: a size just under a unit prints in that unit, not as 1000 of the one below", () => {
  assertEquals(bytes(999_999_744), "1.0 GB");
  assertEquals(bytes(999_400_000), "999 MB");
  assertEquals(bytes(999), "999 B");
});

Deno.test("console: a parsed size prints back as written", () => {
  for (const s of ["100 GB", "1.5 TB", "20 MB"]) {
    assertEquals(bytes(parseSize(s) as number), s);
  }
});
