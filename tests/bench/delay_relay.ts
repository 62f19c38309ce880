/**
 * A TCP relay that holds every chunk for a fixed time in each direction: WAN latency between
 * nodes on one machine. (tc netem does this in the kernel; this machine's kernel has no
 * sch_netem, so the bench adds the delay here, in user space.)
 */
export interface Relay {
  port: number;
  stop(): Promise<void>;
}

async function pipeDelayed(from: Deno.Conn, to: Deno.Conn, delayMs: number): Promise<void> {
  const queue: Array<{ at: number; data: Uint8Array }> = [];
  let wake: (() => void) | undefined;
  let ended = false;
  const writer = (async () => {
    for (;;) {
      const next = queue.shift();
      if (!next) {
        if (ended) break;
        await new Promise<void>((r) => wake = r);
        continue;
      }
      const wait = next.at - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      let off = 0;
      while (off < next.data.length) off += await to.write(next.data.subarray(off));
    }
  })();
  const buf = new Uint8Array(64 * 1024);
  try {
    for (;;) {
      const n = await from.read(buf);
      if (n === null) break;
      queue.push({ at: performance.now() + delayMs, data: buf.slice(0, n) });
      wake?.();
    }
  } finally {
    ended = true;
    wake?.();
    await writer.catch(() => {});
    // The other direction may have closed the connection already.
    await to.closeWrite().catch(() => {});
  }
}

/** Relays 127.0.0.1:<port> to `target`, adding `delayMs` each way (a round trip: twice). */
export function startDelayRelay(targetPort: number, delayMs: number): Relay {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  const done: Promise<void>[] = [];
  const accepting = (async () => {
    for await (const conn of listener) {
      done.push((async () => {
        let upstream: Deno.TcpConn | undefined;
        try {
          upstream = await Deno.connect({ hostname: "127.0.0.1", port: targetPort });
          conn.setNoDelay(true);
          upstream.setNoDelay(true);
          open.add(conn).add(upstream);
          await Promise.all([
            pipeDelayed(conn, upstream, delayMs),
            pipeDelayed(upstream, conn, delayMs),
          ]);
        } catch {
          // A node that stops drops its connections: nothing to report.
        } finally {
          for (const c of [conn, upstream]) {
            if (!c) continue;
            open.delete(c);
            try {
              c.close();
            } catch {
              // Closed already.
            }
          }
        }
      })());
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    async stop() {
      listener.close();
      for (const c of open) {
        try {
          c.close();
        } catch {
          // Closed already.
        }
      }
      await accepting.catch(() => {});
      await Promise.allSettled(done);
    },
  };
}
