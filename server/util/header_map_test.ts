import { assertEquals } from "../../tests/assert.ts";
import { HeaderMap } from "./header_map.ts";

Deno.test("header map: answers as the Headers it was read from", () => {
  const headers = new Headers([
    ["Host", "example.com"],
    ["X-Amz-Meta-A", "1"],
    ["x-amz-meta-a", "2"],
    ["If-None-Match", '"abc"'],
  ]);
  const map = new HeaderMap(headers);
  for (const name of ["host", "Host", "X-AMZ-META-A", "if-none-match", "range"]) {
    assertEquals(map.get(name), headers.get(name), name);
    assertEquals(map.has(name), headers.has(name), name);
  }
  assertEquals([...map.keys()], [...headers.keys()]);
});
