/**
 * A version replaced by a write that only its writer kept (its peers never got it, and the
 * client was told the write failed) stays whole until the replacing write is on a quorum: the
 * other replicas still serve it meanwhile, and a read quorum of them must find its blocks.
 */
import { assert, assertEquals, assertRejects } from "../../../tests/assert.ts";
import { createBucket } from "../buckets/bucket_ops.ts";
import type { Model } from "../model.ts";
import { until, withCluster } from "../testing.ts";
import { visibleVersion } from "../tables/object.ts";
import { writeObject } from "./object_write.ts";
import { readObject } from "./read.ts";

const KEY = "backup.tar";
const bytesOf = (n: number, seed: number) => new Uint8Array(n).map((_, i) => (i * 7 + seed) & 255);

function body(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      c.enqueue(bytes);
      c.close();
    },
  });
}

/** The object as this node reads it (entry from its own replica, data through the cluster). */
async function readHere(model: Model, bucketId: string): Promise<Uint8Array> {
  const v = visibleVersion(await model.objects.store.get(bucketId, KEY));
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
    const first = visibleVersion(await others[0].model.objects.store.get(bucket.id, KEY))!;

    // The writer can reach its peers for everything but the object table.
    const transport = writer.sys.rpc.transport!;
    const call = transport.call.bind(transport);
    transport.call = async (node, path, msg, priority, timeout) => {
      if (path.startsWith("table/object/")) throw new Error("link cut");
      return await call(node, path, msg, priority, timeout);
    };
    await assertRejects(() =>
      writeObject(writer.model, { bucket, key: KEY, body: body(v2), headers: [] })
    );
    // Time for the writer's work queue to run, and for released blocks to go (no grace).
    await new Promise((r) => setTimeout(r, 1500));
    for (const n of others) assertEquals(await readHere(n.model, bucket.id), v1);
    const rows = await writer.model.versions.range(first.uuid, {});
    assert(rows.length > 0 && rows.every((r) => !r.deleted), "the replaced version is whole");

    // Once the new version has spread, the old one is released everywhere.
    transport.call = call;
    for (const n of nodes) n.model.syncTablesNow();
    await until("the old version released", async () => {
      const now = await writer.model.versions.range(first.uuid, {});
      return now.every((r) => r.deleted);
    });
    for (const n of nodes) assertEquals(await readHere(n.model, bucket.id), v2);
  });
});
