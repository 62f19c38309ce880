/** Percent-escapes, decoded the way URLs and forms carry them. */

const utf8 = new TextEncoder();

/** The value of a hex digit's character code, or -1 (for anything else, undefined included). */
export function hexDigit(b: number | undefined): number {
  if (b === undefined) return -1;
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  const lower = b | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/**
 * Decodes %XX escapes to raw bytes (not to a string: an escape need not be valid UTF-8, and
 * a signature covers bytes). A "%" that starts no valid escape stays literal; "+" is a space
 * where forms say so.
 */
export function percentDecode(s: string, plusIsSpace: boolean): Uint8Array {
  const bytes = utf8.encode(s);
  const out = new Uint8Array(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    const hi = hexDigit(bytes[i + 1]), lo = hexDigit(bytes[i + 2]);
    if (b === 0x25 && hi >= 0 && lo >= 0) {
      out[n++] = (hi << 4) | lo;
      i += 2;
    } else out[n++] = b === 0x2b && plusIsSpace ? 0x20 : b;
  }
  return out.subarray(0, n);
}
