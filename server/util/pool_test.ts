import { assert, assertEquals } from "../../tests/assert.ts";
import { BufferPool } from "./pool.ts";

Deno.test("buffer pool: hands back what it was given, up to what it keeps", () => {
  const pool = new BufferPool(16, 2);
  const [a, b, c] = [pool.take(), pool.take(), pool.take()];
  pool.give(a);
  pool.give(b);
  pool.give(c);
  assertEquals(pool.idle, 2);
  const again = pool.take();
  assert(again === a || again === b);
});

Deno.test("buffer pool: refuses views, other sizes and detached buffers", () => {
  const pool = new BufferPool(16, 8);
  pool.give(new Uint8Array(8));
  pool.give(new Uint8Array(32).subarray(0, 16));
  const moved = pool.take();
  structuredClone(moved.buffer, { transfer: [moved.buffer] });
  pool.give(moved);
  assertEquals(pool.idle, 0);
});
