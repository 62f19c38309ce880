import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { S3Error } from "./error.ts";
import { MAX_KEY_BYTES, validateKey } from "./keys.ts";

Deno.test("keys: 1024 UTF-8 bytes pass, one more is KeyTooLongError with the size", () => {
  validateKey("é".repeat(MAX_KEY_BYTES / 2));
  validateKey("😀".repeat(MAX_KEY_BYTES / 4));
  const e = assertThrows(() => validateKey("é".repeat(MAX_KEY_BYTES / 2) + "a")) as S3Error;
  assertEquals([e.code, e.status, e.extra.Size], ["KeyTooLongError", 400, "1025"]);
  assertEquals((assertThrows(() => validateKey("")) as S3Error).code, "InvalidArgument");
});
