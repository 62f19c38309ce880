/** Object key rules. */
import { S3Error } from "./error.ts";

export const MAX_KEY_BYTES = 1024;

/** The UTF-8 size of a string, counted rather than encoded: every request's key passes here. */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      n += 1;
      continue;
    }
    n += 2;
    // A surrogate pair is two UTF-16 units and four bytes; a lone one encodes as U+FFFD, three.
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
  }
  return n;
}

export function validateKey(key: string): void {
  if (key.length === 0) throw new S3Error("InvalidArgument", "Object keys must not be empty.");
  const bytes = utf8Length(key);
  if (bytes > MAX_KEY_BYTES) {
    throw new S3Error("KeyTooLongError", "Your key is too long", {
      MaxSizeAllowed: String(MAX_KEY_BYTES),
      Size: String(bytes),
    });
  }
}
