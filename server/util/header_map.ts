/**
 * A request's headers read once into a Map. Each Headers.get converts and lower-cases its
 * argument and scans the whole list again; a small GET asks a dozen of them.
 */
import { StringMap } from "./string_map.ts";

/** What handlers read of request headers; Headers has it too. */
export interface HeaderReader {
  get(name: string): string | null;
  has(name: string): boolean;
  keys(): Iterable<string>;
  [Symbol.iterator](): Iterator<[string, string]>;
}

export class HeaderMap extends StringMap implements HeaderReader {
  /** Names come lower-cased, repeated headers joined with ", ", as Headers.get answers. */
  constructor(headers: Headers) {
    super();
    for (const [name, value] of headers) this.map.set(name, value);
  }

  // Header names are case-insensitive: a name from the client (SignedHeaders) is looked up as is.
  override get(name: string): string | null {
    return super.get(name.toLowerCase());
  }

  override has(name: string): boolean {
    return super.has(name.toLowerCase());
  }
}
