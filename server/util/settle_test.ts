import { assertEquals } from "../../tests/assert.ts";
import { settleEach } from "./settle.ts";

Deno.test("settleEach keeps the items' order, runs at most `limit` at once, and keeps going past failures", async () => {
  let running = 0;
  let most = 0;
  const results = await settleEach([5, 1, 4, 2, 3, 0], 2, async (ms) => {
    running++;
    most = Math.max(most, running);
    await new Promise((r) => setTimeout(r, ms));
    running--;
    if (ms === 4) throw new Error("four");
    return ms * 10;
  });
  assertEquals(most, 2);
  assertEquals(
    results.map((r) => r.status === "fulfilled" ? r.value : (r.reason as Error).message),
    [50, 10, "four", 20, 30, 0],
  );
  assertEquals(await settleEach([], 4, () => Promise.resolve(1)), []);
});
