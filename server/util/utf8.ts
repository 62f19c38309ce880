/**
 * The UTF-8 size of a string, counted rather than encoded: object keys are measured on every
 * request and in every write batch.
 */
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
