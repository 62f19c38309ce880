/**
 * Property-based test of server/table/kv_commits.ts: its key sizes must never count less than
 * Deno KV does, or a commit past Deno KV's limits is refused and the work that needed it (a
 * Merkle fold's row deletions, a tree rebuild) stops. Deno KV refuses a single key above 2,048
 * encoded bytes: keys of every kind of part (zeros and non-ASCII included), padded to exactly
 * 2,048 bytes by this count, must all be accepted.
 */
import fc from "fast-check";
import { keyBytes } from "../../server/table/kv_commits.ts";
import { runs } from "./props.ts";

const KEY_LIMIT = 2048;

const part = fc.oneof(
  fc.string({ unit: "binary", maxLength: 100 }),
  // Long enough that their escaped zeros outweigh what the count adds per part.
  fc.uint8Array({ minLength: 40, maxLength: 300 }).map((b) => b.map((x) => (x % 3 ? x : 0))),
  fc.integer(),
  fc.double({ noNaN: true }),
);

Deno.test("kv commits: a key counted at Deno KV's limit is never over it", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(part, { maxLength: 6 }), async (parts) => {
        const key: Deno.KvKey = ["k", ...parts, ""];
        const room = KEY_LIMIT - keyBytes(key);
        fc.pre(room >= 0);
        // ASCII pads byte for byte.
        const padded = ["k", ...parts, "p".repeat(room)];
        await kv.set(padded, 1);
      }),
      runs(300),
    );
  } finally {
    kv.close();
  }
});
