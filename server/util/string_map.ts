/** A read-only Map of strings that answers as URLSearchParams and Headers do: null when absent. */
export class StringMap {
  protected readonly map = new Map<string, string>();

  get(name: string): string | null {
    return this.map.get(name) ?? null;
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  keys(): IterableIterator<string> {
    return this.map.keys();
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.map.entries();
  }
}
