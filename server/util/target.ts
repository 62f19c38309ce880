/**
 * The parts of a request's URL an S3 endpoint reads, cut from the request line as the client
 * sent it. `new URL()` would collapse "/./" and "/../" segments and turn "\" into "/", yet in
 * S3 those are characters of an object key, and the signature covers the path verbatim. It
 * also costs more than the rest of a small GET's routing.
 */
import { percentDecode } from "./percent.ts";
import { StringMap } from "./string_map.ts";

export class RequestTarget {
  readonly protocol: string;
  readonly host: string;
  /** The path as sent, percent-escapes included. */
  readonly pathname: string;
  /** "?" and the query as sent, or "" when there is none (as URL.search). */
  readonly search: string;
  #params?: QueryParams;

  constructor(href: string) {
    const scheme = href.indexOf("://");
    // Listeners serve through a unix socket behind their gate (net/http_gate.ts), for which
    // Deno names the scheme "http+unix": to the client it was plain HTTP.
    const protocol = href.slice(0, scheme + 1);
    this.protocol = protocol === "http+unix:" ? "http:" : protocol;
    let end = href.indexOf("#", scheme + 3);
    if (end < 0) end = href.length;
    let path = href.indexOf("/", scheme + 3);
    const query = href.indexOf("?", scheme + 3);
    if (path < 0 || path > end || (query >= 0 && path > query)) path = -1;
    const hostEnd = [path, query, end].filter((i) => i >= 0).reduce((a, b) => Math.min(a, b));
    this.host = href.slice(scheme + 3, hostEnd);
    const q = query >= 0 && query < end ? query : end;
    this.pathname = path < 0 ? "/" : href.slice(path, q);
    this.search = q + 1 < end ? href.slice(q, end) : "";
  }

  get searchParams(): QueryParams {
    return this.#params ??= new QueryParams(this.search);
  }
}

/** What handlers ask of a query string; URLSearchParams has it too. */
export interface Query {
  get(name: string): string | null;
  has(name: string): boolean;
}

// A leading byte-order mark is part of the value, as URLSearchParams keeps it.
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * A query string decoded as URLSearchParams decodes it ("+" is a space, escapes are UTF-8,
 * the first of repeated names wins in get), into a Map: a lookup is a hash probe, where each
 * URLSearchParams call converts its argument and scans the list.
 */
export class QueryParams extends StringMap implements Query {
  constructor(search: string) {
    super();
    for (const part of (search.startsWith("?") ? search.slice(1) : search).split("&")) {
      if (part === "") continue;
      const eq = part.indexOf("=");
      const name = formDecode(eq < 0 ? part : part.slice(0, eq));
      if (!this.map.has(name)) this.map.set(name, eq < 0 ? "" : formDecode(part.slice(eq + 1)));
    }
  }
}

function formDecode(s: string): string {
  const spaced = s.includes("+") ? s.replaceAll("+", " ") : s;
  if (!s.includes("%")) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    // A stray "%" or escapes that are not UTF-8: decoded byte by byte, as URLSearchParams does.
    return utf8.decode(percentDecode(s, true));
  }
}
