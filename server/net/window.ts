/**
 * How much a connection may have sent and not yet seen consumed by the peer. Without a bound,
 * block frames fill the kernel's socket buffers (megabytes on loopback) and an urgent frame
 * waits behind all of them. A fixed bound is either too small for a long link (64 KiB per
 * 50 ms round trip is 1.3 MB/s) or too large for a short one, so the window follows the
 * delay: it grows while acknowledgements come back within the shortest round trip seen plus a
 * little queueing, and shrinks when they come back later (as delay-based congestion control
 * does). Queueing behind bulk data then stays near `minRtt / 4`, at least 1 ms. It grows by
 * what each acknowledgement covers (doubling per round trip, as TCP's slow start), so a long
 * link reaches its bandwidth in a few round trips.
 */
const MIN_WINDOW = 64 * 1024;
const INITIAL_WINDOW = 1024 * 1024;
const MAX_WINDOW = 16 * 1024 * 1024;
/** The shortest round trip is forgotten after this long, so a changed path is learnt. */
const MIN_RTT_LIFETIME_MS = 10_000;

export class FlowWindow {
  size = INITIAL_WINDOW;
  inFlight = 0;
  #sent = 0;
  #acked = 0;
  /** Write marks: [bytes sent in total after the write, when, whether the window was full]. */
  readonly #marks: Array<[number, number, boolean]> = [];
  #minRtt = Infinity;
  #minRttAt = 0;

  /** Whether `bytes` more may be sent, allowing `extra` over the window for urgent frames. */
  allows(bytes: number, extra = 0): boolean {
    return this.inFlight + bytes <= this.size + extra;
  }

  sent(bytes: number): void {
    this.inFlight += bytes;
    this.#sent += bytes;
  }

  /** A write went out; `limited` when the window, not a lack of data, ended it. */
  wrote(limited: boolean, now = performance.now()): void {
    this.#marks.push([this.#sent, now, limited]);
  }

  /** The peer consumed `bytes` more. */
  acked(bytes: number, now = performance.now()): void {
    this.inFlight -= bytes;
    this.#acked += bytes;
    let mark: [number, number, boolean] | undefined;
    while (this.#marks.length && this.#marks[0][0] <= this.#acked) mark = this.#marks.shift();
    // Only writes the window held back say anything about the path's capacity.
    if (!mark || !mark[2]) return;
    const rtt = now - mark[1];
    if (rtt < this.#minRtt || now - this.#minRttAt > MIN_RTT_LIFETIME_MS) {
      this.#minRtt = rtt;
      this.#minRttAt = now;
    }
    const allowed = this.#minRtt + Math.max(1, this.#minRtt / 4);
    this.size = rtt <= allowed
      ? Math.min(MAX_WINDOW, this.size + bytes)
      : Math.max(MIN_WINDOW, Math.floor(this.size * 0.8));
  }
}
