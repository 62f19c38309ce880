/**
 * A Deno KV handle whose commits outlast a stale snapshot. When another handle on the same
 * database (the listing thread's) writes while a commit's transaction is reading, SQLite refuses
 * the commit at once with "database is locked": its busy timeout (5 s in Deno KV) does not apply
 * to a reader that cannot become the writer. Nothing was written, and the same operation
 * committed again is judged afresh, checks included, so it is committed again after a short
 * pause. Measured with two handles on one file, one writing every millisecond: 30–38% of the
 * other's checked commits failed so; retried this way, none (kv_stale_test.ts).
 */

const ATTEMPTS = 20;

export function isStaleSnapshot(e: unknown): boolean {
  return e instanceof Error && e.message.includes("database is locked");
}

/**
 * The handle, with every atomic operation's commit retried while refused so. Only `atomic` is
 * replaced, on the handle itself: its reads, on every request, go through untouched.
 */
export function retryingStale(kv: Deno.Kv): Deno.Kv {
  const atomic = kv.atomic.bind(kv);
  kv.atomic = () => retrying(atomic());
  return kv;
}

function retrying(op: Deno.AtomicOperation): Deno.AtomicOperation {
  const commit = op.commit.bind(op);
  op.commit = async () => {
    for (let attempt = 1;; attempt++) {
      try {
        return await commit();
      } catch (e) {
        if (!isStaleSnapshot(e) || attempt === ATTEMPTS) throw e;
        await new Promise((r) => setTimeout(r, attempt));
      }
    }
  };
  return op;
}
