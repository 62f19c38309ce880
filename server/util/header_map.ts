/**
 * A request's headers read once into a Map. Each Headers.get converts and lower-cases its
 * argument and scans the whole list again; a small GET asks a dozen of them.
 */

/** What handlers read of request headers; Headers has it too. */
export interface HeaderReader {
  get(name: string): string | null;
  has(name: string): boolean;
  keys(): Iterable<string>;
}

export class HeaderMap implements HeaderReader {
  readonly #map = new Map<string, string>();

  /** Names come lower-cased, repeated headers joined with ", ", as Headers.get answers. */
  constructor(headers: Headers) {
    for (const [name, value] of headers) this.#map.set(name, value);
  }

  get(name: string): string | null {
    return this.#map.get(name) ?? null;
  }

  has(name: string): boolean {
    return this.#map.has(name);
  }

  keys(): Iterable<string> {
    return this.#map.keys();
  }
}
