/** A counting semaphore: at most `permits` holders at once, the others wait in order. */
export class Semaphore {
  readonly #waiters: Array<() => void> = [];

  constructor(private permits: number) {}

  /** Permits free right now. */
  get available(): number {
    return this.permits;
  }

  async acquire(): Promise<() => void> {
    if (this.permits > 0) this.permits--;
    else await new Promise<void>((r) => this.#waiters.push(r));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.shift();
      if (next) next();
      else this.permits++;
    };
  }
}
