import { assertEquals } from "../../tests/assert.ts";
import { utf8Length } from "./utf8.ts";

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
