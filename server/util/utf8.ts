/**
 * The UTF-8 size of a string, counted rather than encoded: object keys are measured on every
 * request and in every write batch.
 */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const size = charBytes(s, i);
    n += size;
    if (size === 4) i++;
  }
  return n;
}

/** The longest start of `s` that is at most `max` bytes in UTF-8, cut between characters. */
export function utf8Prefix(s: string, max: number): string {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const size = charBytes(s, i);
    if (n + size > max) return s.slice(0, i);
    n += size;
    if (size === 4) i++;
  }
  return s;
}

/** Bytes of the character at s[i] in UTF-8: 4 for a surrogate pair (two UTF-16 units). */
function charBytes(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c < 0x80) return 1;
  if (c < 0x800) return 2;
  // A lone surrogate encodes as U+FFFD, three bytes.
  if (c >= 0xd800 && c <= 0xdbff) {
    const next = s.charCodeAt(i + 1);
    if (next >= 0xdc00 && next <= 0xdfff) return 4;
  }
  return 3;
}
