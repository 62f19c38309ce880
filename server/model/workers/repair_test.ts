/** Repairs on a real (single) node: what a write that died leaves behind is found and released. */
import { assert, assertEquals } from "../../../tests/assert.ts";
import { readRc } from "../../block/rc.ts";
import { newUuid } from "../../util/ids.ts";
import { Workers } from "../../util/worker.ts";
import { dailyRepairs, orphanVersionsRepair, STALE_UPLOAD_MS } from "./repair.ts";
import { withNode } from "../testing.ts";
import { writeBlocks } from "../objects/write.ts";
import { newVersionId } from "../tables/history.ts";

async function runToEnd(worker: ReturnType<typeof orphanVersionsRepair>) {
  const workers = new Workers();
  workers.start(worker);
  while (workers.list()[0].state !== "done") await new Promise((r) => setTimeout(r, 10));
  await workers.stop();
  return workers.list()[0];
}

Deno.test("a version whose write died before its object or history named it is released after a day", async () => {
  await withNode(async ({ model }) => {
    const bytes = new Uint8Array(10_000).map((_, i) => i);
    const owner = { t: "object", bucketId: "b".repeat(64), key: "lost" } as const;
    // A PUT that stored its blocks and rows, then died before the object entry was written.
    const orphan = newUuid();
    const r = await writeBlocks(model, orphan, 0, ReadableStream.from([bytes]), { owner });
    assertEquals(r.blocks, 3);
    const rows = await Array.fromAsync(model.versionBlocks(orphan));
    assert(rows[0].owner && rows.slice(1).every((row) => !row.owner));
    const hashes = rows.map((row) => row.hash);
    // A version its object names stays, however old.
    const kept = newUuid();
    const keptOwner = { ...owner, key: "kept" };
    const k = await writeBlocks(model, kept, 0, ReadableStream.from([bytes.reverse()]), {
      owner: keptOwner,
    });
    await model.objects.insert({
      bucketId: owner.bucketId,
      key: "kept",
      versions: [{
        uuid: kept,
        timestamp: Date.now(),
        state: {
          s: "complete",
          data: { t: "blocks", meta: { size: k.size, etag: "e", headers: [] } },
        },
      }],
    });

    // A version a newer one pushed out of a versioned bucket's entry lives in the history.
    const noncurrent = newUuid();
    const n = await writeBlocks(model, noncurrent, 0, ReadableStream.from([bytes.slice(1)]), {
      owner: { ...owner, key: "old" },
    });
    await model.history.insert({
      bucketId: owner.bucketId,
      key: "old",
      slot: newVersionId(),
      purged: false,
      version: {
        uuid: noncurrent,
        timestamp: Date.now(),
        state: {
          s: "complete",
          data: { t: "blocks", meta: { size: n.size, etag: "e", headers: [] } },
        },
      },
    });

    // Too recent: it may still be uploading.
    assertEquals(
      (await runToEnd(orphanVersionsRepair(model))).progress?.includes("0 repaired"),
      true,
    );
    assertEquals(await readRc(model.sys.kv, hashes[0]), 1n);

    const later = Date.now() + STALE_UPLOAD_MS + 60_000;
    const done = await runToEnd(orphanVersionsRepair(model, later));
    assert(done.progress?.includes("1 repaired"), done.progress ?? "");
    assertEquals(await Array.fromAsync(model.versionBlocks(orphan)), []);
    for (const h of hashes) assertEquals(await readRc(model.sys.kv, h), 0n);
    assertEquals((await Array.fromAsync(model.versionBlocks(kept))).length, 3);
    assertEquals((await Array.fromAsync(model.versionBlocks(noncurrent))).length, 3);
  });
});

Deno.test("the repairs for crash leftovers start by themselves once a day", async () => {
  await withNode(async ({ model }) => {
    let now = Date.now();
    const daily = dailyRepairs(model, () => now);
    assertEquals(await daily.step(), "idle");
    const names = () => model.workers.list().map((w) => w.name);
    assert(!names().includes("repair versions"), names().join());
    now += 24 * 3_600_000;
    await daily.step();
    for (const n of ["repair versions", "repair orphan versions"]) assert(names().includes(n), n);
  });
});
