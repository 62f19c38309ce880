import { assertEquals } from "../../tests/assert.ts";
import { encode } from "../util/msgpack.ts";
import { WorkQueue } from "./queue.ts";

Deno.test("work queue: items that keep failing do not hold up the ones behind them", async () => {
  const kv = await Deno.openKv(":memory:");
  const queue = new WorkQueue(kv);
  const ran: string[] = [];
  queue.register("stuck", () => Promise.reject(new Error("not yet")));
  queue.register("ok", (p) => {
    ran.push(p as string);
    return Promise.resolve();
  });
  // More failing items than one page of the queue, all ahead of the one that can run.
  const op = kv.atomic();
  for (let i = 0; i < 120; i++) {
    op.set(["q", `a${String(i).padStart(4, "0")}`], encode({ kind: "stuck", payload: i }));
  }
  op.set(["q", "b"], encode({ kind: "ok", payload: "behind" }));
  await op.commit();
  queue.kick();
  const deadline = Date.now() + 2000;
  while (!ran.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assertEquals(ran, ["behind"]);
  assertEquals(await queue.pending(), 120);
  await queue.stop();
  kv.close();
});
