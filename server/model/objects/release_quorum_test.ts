/**
 * A version replaced by a write that only its writer kept (its peers never got it, and the
 * client was told the write failed) stays whole until the replacing write is on a quorum: the
 * other replicas still serve it meanwhile, and a read quorum of them must find its blocks.
 */
import { assert, assertEquals, assertRejects } from "../../../tests/assert.ts";
import { createBucket } from "../buckets/bucket_ops.ts";
import type { Model } from "../model.ts";
import { bodyOf as body, patterned as bytesOf, until, withCluster } from "../testing.ts";
import { visibleVersion } from "../tables/object.ts";
import { writeObject } from "./object_write.ts";
import { readObject } from "./read.ts";

const KEY = "backup.tar";

/** The object as a GET through this node reads it (a read quorum of the entry, then data). */
async function readThrough(model: Model, bucketId: string): Promise<Uint8Array> {
  const v = visibleVersion(await model.objects.get(bucketId, KEY));
  assert(v, "the key exists");
  return new Uint8Array(await new Response(readObject(model, v)).arrayBuffer());
}

Deno.test("an overwrite kept only by its writer releases nothing the others still serve", async () => {
  await withCluster(3, ["block_gc_delay_secs = 0"], async (nodes) => {
    const [writer, ...others] = nodes;
    const bucket = await createBucket(writer.model, {});
    const v1 = bytesOf(40_000, 1);
    const v2 = bytesOf(50_000, 2);
    await writeObject(writer.model, { bucket, key: KEY, body: body(v1), headers: [] });
    const first = visibleVersion(await others[0].model.objects.get(bucket.id, KEY))!;

    // The writer and its peers reach each other for everything but the object table.
    const restore = nodes.map(({ sys }) => {
      const transport = sys.rpc.transport!;
      const call = transport.call.bind(transport);
      transport.call = async (node, path, msg, priority, timeout) => {
        const cut = sys === writer.sys || node === writer.sys.id;
        if (cut && path.startsWith("table/object/")) throw new Error("link cut");
        return await call(node, path, msg, priority, timeout);
      };
      return () => transport.call = call;
    });
    await assertRejects(() =>
      writeObject(writer.model, { bucket, key: KEY, body: body(v2), headers: [] })
    );
    // Time for the writer's work queue to run, and for released blocks to go (no grace).
    await new Promise((r) => setTimeout(r, 1500));
    for (const n of others) assertEquals(await readThrough(n.model, bucket.id), v1);
    const rows = await writer.model.versions.range(first.uuid, {});
    assert(rows.length > 0 && rows.every((r) => !r.deleted), "the replaced version is whole");

    // Once the new version has spread, the old one is released everywhere.
    for (const undo of restore) undo();
    for (const n of nodes) n.model.syncTablesNow();
    await until("the old version released", async () => {
      const now = await writer.model.versions.range(first.uuid, {});
      return now.every((r) => r.deleted);
    });
    await until("every replica holds the new version", async () => {
      for (const n of nodes) {
        const v = visibleVersion(await n.model.objects.store.get(bucket.id, KEY));
        if (v?.uuid === first.uuid) return false;
      }
      return true;
    });
    for (const n of nodes) assertEquals(await readThrough(n.model, bucket.id), v2);
  });
});

Deno.test("a replica that never answers does not hold up a release the others agree on", async () => {
  await withCluster(3, ["block_gc_delay_secs = 0"], async (nodes) => {
    const [writer, , frozen] = nodes;
    const bucket = await createBucket(writer.model, {});
    await writeObject(writer.model, {
      bucket,
      key: KEY,
      body: body(bytesOf(40_000, 1)),
      headers: [],
    });
    const first = visibleVersion(await writer.model.objects.get(bucket.id, KEY))!;
    // The frozen replica takes writes, but its answers to reads come only when the test ends.
    const transport = writer.sys.rpc.transport!;
    const call = transport.call.bind(transport);
    const thaw: Array<() => void> = [];
    transport.call = async (node, path, msg, priority, timeout) => {
      if (node === frozen.sys.id && path === "table/object/get") {
        await new Promise<void>((r) => thaw.push(r));
      }
      return await call(node, path, msg, priority, timeout);
    };
    try {
      await writeObject(writer.model, {
        bucket,
        key: KEY,
        body: body(bytesOf(50_000, 2)),
        headers: [],
      });
      // The writer's own queue is done with it (every replica releases what it replaced), well
      // within the 30-s RPC timeout a wait for the frozen replica would take, allowing for one
      // retry (5 s) when, under load, the write's other peer had not committed at the first look.
      await until("the writer released the replaced version", async () => {
        const rows = await writer.model.versions.range(first.uuid, {});
        return rows.every((r) => r.deleted) && await writer.model.queue.pending() === 0;
      }, 15_000);
    } finally {
      transport.call = call;
      for (const f of thaw) f();
    }
  });
});
