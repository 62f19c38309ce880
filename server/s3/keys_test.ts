import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { S3Error } from "./error.ts";
import { MAX_KEY_BYTES, utf8Length, validateKey } from "./keys.ts";

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

Deno.test("keys: 1024 UTF-8 bytes pass, one more is KeyTooLongError with the size", () => {
  validateKey("é".repeat(MAX_KEY_BYTES / 2));
  validateKey("😀".repeat(MAX_KEY_BYTES / 4));
  const e = assertThrows(() => validateKey("é".repeat(MAX_KEY_BYTES / 2) + "a")) as S3Error;
  assertEquals([e.code, e.status, e.extra.Size], ["KeyTooLongError", 400, "1025"]);
  assertEquals((assertThrows(() => validateKey("")) as S3Error).code, "InvalidArgument");
});
