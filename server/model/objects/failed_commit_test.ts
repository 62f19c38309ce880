/**
 * A write whose commit fails half-way, on three real nodes in this process: the link from the
 * writing node loses object-table messages, as a partition that starts between the block writes
 * and the commit does. Whatever the outcome, the key must keep a whole version once the link is
 * back: the one acknowledged before, or the new one where it landed.
 */
import { assert, assertEquals, assertRejects } from "../../../tests/assert.ts";
import { createBucket } from "../buckets/bucket_ops.ts";
import type { Model } from "../model.ts";
import { bodyOf as body, patterned as bytesOf, until, withCluster } from "../testing.ts";
import { visibleVersion } from "../tables/object.ts";
import { writeObject } from "./object_write.ts";
import { readObject } from "./read.ts";

const KEY = "photo.jpg";

async function readAll(model: Model, bucketId: string): Promise<Uint8Array | undefined> {
  const v = visibleVersion(await model.objects.get(bucketId, KEY));
  if (!v) return undefined;
  return new Uint8Array(await new Response(readObject(model, v)).arrayBuffer());
}

/** How the link from the writer to its peers fails for object-table writes. */
type Cut = "requests lost" | "answers lost";

for (const cut of ["requests lost", "answers lost"] as Cut[]) {
  Deno.test(`a failed overwrite keeps a whole version (${cut})`, async () => {
    await withCluster(3, ["block_gc_delay_secs = 0"], async (nodes) => {
      const [writer] = nodes;
      const bucket = await createBucket(writer.model, {});
      const v1 = bytesOf(40_000, 1);
      const v2 = bytesOf(50_000, 2);
      await writeObject(writer.model, { bucket, key: KEY, body: body(v1), headers: [] });

      const transport = writer.sys.rpc.transport!;
      const call = transport.call.bind(transport);
      const objectWrites = ["table/object/update", "table/object/update_read"];
      transport.call = async (node, path, msg, priority, timeout) => {
        if (!objectWrites.includes(path)) return await call(node, path, msg, priority, timeout);
        // One peer applies the write and its answer is lost; the other never gets it.
        if (cut === "answers lost" && node === nodes[1].sys.id) {
          await call(node, path, msg, priority, timeout);
        }
        throw new Error("link cut");
      };
      await assertRejects(() =>
        writeObject(writer.model, { bucket, key: KEY, body: body(v2), headers: [] })
      );
      transport.call = call;

      for (const n of nodes) n.model.syncTablesNow();
      const entries = () =>
        Promise.all(
          nodes.map(async (n) => JSON.stringify(await n.model.objects.store.get(bucket.id, KEY))),
        );
      await until("replicas agree", async () => new Set(await entries()).size === 1);
      for (const n of nodes) await n.model.queue.drained();
      // Released blocks go at once (no grace period): a version that lost its blocks shows now.
      await new Promise((r) => setTimeout(r, 500));

      for (const n of nodes) {
        const got = await readAll(n.model, bucket.id);
        assert(got, "the key still exists");
        // The writer applied the new version itself before its peers failed: it wins.
        assertEquals(got, v2);
      }
    });
  });
}

Deno.test("a write refused for want of peers has landed on the writer when it hears so", async () => {
  await withCluster(3, [], async (nodes) => {
    const [writer] = nodes;
    const bucket = await createBucket(writer.model, {});
    const transport = writer.sys.rpc.transport!;
    const call = transport.call.bind(transport);
    transport.call = async (node, path, msg, priority, timeout) => {
      if (path.startsWith("table/object/update")) throw new Error("link cut");
      return await call(node, path, msg, priority, timeout);
    };
    // The writer's own commit is slower than its peers' refusals.
    const store = writer.model.objects.store;
    const apply = store.apply.bind(store);
    store.apply = async (entries) => {
      await new Promise((r) => setTimeout(r, 300));
      return await apply(entries);
    };
    await assertRejects(() =>
      writeObject(writer.model, { bucket, key: KEY, body: body(bytesOf(100, 3)), headers: [] })
    );
    const here = visibleVersion(await store.get(bucket.id, KEY));
    assert(here, "the version the writer committed is there when the failure is answered");
  });
});
