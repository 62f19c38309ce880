/**
 * The URI encoding SigV4 canonical requests use. Clients encode their own
 * view of the path and query, so the server decodes what it received and
 * re-encodes it the AWS way to arrive at the same bytes.
 */

import { hexDigit, percentDecode } from "../../util/percent.ts";

const HEX = "0123456789ABCDEF";
const utf8 = new TextEncoder();

// A-Z a-z 0-9 - . _ ~ pass through unencoded; index by byte.
const UNRESERVED = new Uint8Array(256);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~") {
  UNRESERVED[c.charCodeAt(0)] = 1;
}

/** Encodes every byte outside A-Z a-z 0-9 - . _ ~ as %XX; "/" too unless encodeSlash is false. */
export function uriEncode(s: string | Uint8Array, encodeSlash: boolean): string {
  const bytes = typeof s === "string" ? utf8.encode(s) : s;
  let out = "";
  for (const b of bytes) {
    if (UNRESERVED[b] || (b === 0x2f && !encodeSlash)) out += String.fromCharCode(b);
    else out += "%" + HEX[b >> 4] + HEX[b & 15];
  }
  return out;
}

/**
 * A path segment or query component as the signer saw it: decoded, then encoded the AWS way.
 * ASCII input (nearly every request) is done in one pass over the string, handing back the
 * input itself when it already is canonical; anything else goes through bytes.
 */
function canonicalComponent(s: string, plusIsSpace: boolean): string {
  let out = "";
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return uriEncode(percentDecode(s, plusIsSpace), true);
    if (UNRESERVED[c]) continue;
    if (c === 0x25 && i + 2 < s.length) {
      const hi = hexDigit(s.charCodeAt(i + 1)), lo = hexDigit(s.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        const b = (hi << 4) | lo;
        const canonical = UNRESERVED[b] ? String.fromCharCode(b) : "%" + HEX[hi] + HEX[lo];
        if (canonical !== s.slice(i, i + 3)) {
          out += s.slice(from, i) + canonical;
          from = i + 3;
        }
        i += 2;
        continue;
      }
    }
    const b = c === 0x2b && plusIsSpace ? 0x20 : c;
    out += s.slice(from, i) + "%" + HEX[b >> 4] + HEX[b & 15];
    from = i + 1;
  }
  return from === 0 ? s : out + s.slice(from);
}

/**
 * The canonical URI of a request path as received (e.g. URL.pathname).
 * Each segment is decoded then encoded once: S3, unlike other services,
 * does not double-encode, and a %2F inside a segment stays %2F.
 */
export function canonicalUri(path: string): string {
  return path.split("/").map((seg) => canonicalComponent(seg, false)).join("/");
}

/**
 * The canonical query string of a raw query (URL.search, with or without
 * the "?"): pairs encoded, sorted by key then value, a bare key as "key=".
 * "+" means a space, as it does for URLSearchParams and so for the router.
 * Presigned requests leave out their own X-Amz-Signature.
 */
export function canonicalQuery(search: string, excludeSignature: boolean): string {
  const pairs: [string, string][] = [];
  for (const part of (search.startsWith("?") ? search.slice(1) : search).split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const key = canonicalComponent(eq < 0 ? part : part.slice(0, eq), true);
    if (excludeSignature && key === "X-Amz-Signature") continue;
    pairs.push([key, eq < 0 ? "" : canonicalComponent(part.slice(eq + 1), true)]);
  }
  pairs.sort(([ka, va], [kb, vb]) => ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0);
  let out = "";
  for (const [k, v] of pairs) out += (out ? "&" : "") + k + "=" + v;
  return out;
}
