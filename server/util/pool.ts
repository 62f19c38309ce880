/**
 * Buffers of one size, handed back for reuse once their contents are no longer needed. Block
 * buffers recycled this way cost nothing per upload; left to the garbage collector, they pile
 * up to hundreds of MiB under many concurrent uploads before it runs.
 */
export class BufferPool {
  readonly #free: Uint8Array[] = [];

  /** Keeps at most `keep` idle buffers; more are left to the garbage collector. */
  constructor(readonly size: number, readonly keep: number) {}

  get idle(): number {
    return this.#free.length;
  }

  take(): Uint8Array {
    return this.#free.pop() ?? new Uint8Array(this.size);
  }

  /** Takes a buffer back; one of another size, or detached by a transfer, is not kept. */
  give(buf: Uint8Array): void {
    if (buf.byteLength !== this.size || buf.buffer.byteLength !== this.size) return;
    if (this.#free.length < this.keep) this.#free.push(buf);
  }
}
