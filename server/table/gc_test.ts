import { assertEquals } from "../../tests/assert.ts";
import { partitionOf } from "../util/ids.ts";
import { sha256 } from "./merkle_node.ts";
import { deleteItems } from "./handover.ts";
import { reg, replica, roots } from "./testing.ts";

Deno.test("a tombstone leaves a GC row; a live entry does not, and rewriting it makes the row stale", async () => {
  await using r = await replica();
  await r.store.apply([reg("p", "live", "x"), reg("p", "gone", null)]);
  const { rows } = await r.store.gcRows(undefined, 10);
  assertEquals(rows.map((g) => g.sk), ["gone"]);
  const stored = await r.store.stored("p", "gone");
  assertEquals(rows[0].hash, sha256(stored!.bytes));
  // Written again, newer than the deletion: the entry no longer hashes to the row.
  await r.store.apply([reg("p", "gone", "back", 2)]);
  const again = await r.store.stored("p", "gone");
  assertEquals(sha256(again!.bytes) === rows[0].hash, false);
  await r.store.dropGcRow(rows[0]);
  assertEquals((await r.store.gcRows(undefined, 10)).rows, []);
});

Deno.test("deleteIfUnchanged removes only entries still as handed over, and their trees follow", async () => {
  await using r = await replica();
  await using empty = await replica();
  await r.store.apply([reg("p", "a", null), reg("p", "b", null)]);
  const seen = [(await r.store.stored("p", "a"))!, (await r.store.stored("p", "b"))!];
  // "b" is written again after it was read: its deletion must not take the new value.
  await r.store.apply([reg("p", "b", "new", 2)]);
  assertEquals(await r.store.deleteIfUnchanged(deleteItems(seen)), 1);
  assertEquals(await r.store.get("p", "a"), undefined);
  assertEquals((await r.store.get("p", "b"))?.v, "new");
  // The row of "b" stays until the collector finds it stale; the row of "a" went with it.
  assertEquals((await r.store.gcRows(undefined, 10)).rows.map((g) => g.sk), ["b"]);
  assertEquals(await r.store.counts(), { entries: 1, gcTodo: 1 });
  // Deleting the last entries empties the partition's tree, as on a replica that never had them.
  await r.store.apply([reg("p", "b", null, 3)]);
  await r.store.deleteIfUnchanged(deleteItems([(await r.store.stored("p", "b"))!]));
  assertEquals(await roots(r, ["p"]), await roots(empty, ["p"]));
  assertEquals(await r.store.holdsPartition(partitionOf("p")), false);
  assertEquals(await r.store.counts(), { entries: 0, gcTodo: 0 });
});
