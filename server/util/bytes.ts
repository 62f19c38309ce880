/** Byte buffers joined into one. */
export function concatBytes(
  parts: Uint8Array[],
  size = parts.reduce((n, p) => n + p.length, 0),
): Uint8Array {
  if (parts.length === 1 && parts[0].length === size) return parts[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
