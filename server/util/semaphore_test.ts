import { assertEquals } from "../../tests/assert.ts";
import { Semaphore } from "./semaphore.ts";

Deno.test("a semaphore admits its permits, then the waiters in order as permits come back", async () => {
  const s = new Semaphore(2);
  const order: string[] = [];
  const a = await s.acquire();
  const b = await s.acquire();
  const c = s.acquire().then((r) => (order.push("c"), r));
  const d = s.acquire().then((r) => (order.push("d"), r));
  await Promise.resolve();
  assertEquals(order, []);
  a();
  a();
  (await c)();
  b();
  (await d)();
  assertEquals(order, ["c", "d"]);
  const e = await s.acquire();
  const f = await s.acquire();
  e();
  f();
});
