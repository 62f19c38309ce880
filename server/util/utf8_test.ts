import { assertEquals } from "../../tests/assert.ts";
import { utf8Length, utf8Prefix } from "./utf8.ts";

Deno.test("utf8Length counts what TextEncoder would write, lone surrogates included", () => {
  const enc = new TextEncoder();
  for (
    const s of [
      "",
      "a/b c",
      "é",
      "日本",
      "😀",
      "a😀b",
      "\ud800",
      "\udc00x",
      "\ud800\ud800",
      "x\ud83d",
    ]
  ) {
    assertEquals(utf8Length(s), enc.encode(s).length, JSON.stringify(s));
  }
});

Deno.test("utf8Prefix keeps whole characters within the byte budget", () => {
  assertEquals(utf8Prefix("abcdef", 4), "abcd");
  assertEquals(utf8Prefix("abc", 10), "abc");
  assertEquals(utf8Prefix("aé", 2), "a", "é takes two bytes");
  assertEquals(utf8Prefix("a日本", 4), "a日");
  assertEquals(utf8Prefix("a😀b", 4), "a", "a surrogate pair is not split");
  assertEquals(utf8Prefix("a😀b", 5), "a😀");
  assertEquals(utf8Prefix("\ud800x", 3), "\ud800", "a lone surrogate is three bytes");
  assertEquals(utf8Prefix("", 0), "");
});
