/**
 * Objects across three real nodes in this process (4 KiB blocks, 3 copies), in as few round
 * trips as the protocol allows: one call to each replica carries a lone block and its entry, and
 * a reader takes the block rows from its own copy when it holds them all.
 */
import { assert, assertEquals } from "../../../tests/assert.ts";
import { createBucket, getBucket } from "../buckets/bucket_ops.ts";
import { visibleVersion } from "../tables/object.ts";
import { versionSchema } from "../tables/version.ts";
import { callsDuring, until, withCluster } from "../testing.ts";
import { deleteCurrent, writeObject } from "./object_write.ts";
import { readObject } from "./read.ts";

const WRITES = /^(block\/put|model\/store_single|table\/(object|version|block_ref)\/update)/;

const bytes = (n: number, seed: number): Uint8Array<ArrayBuffer> =>
  Uint8Array.from({ length: n }, (_, i) => (i * seed) % 251);

Deno.test("an object of one block goes to each replica in one call, and each keeps all of it", async () => {
  await withCluster(3, [], async (nodes) => {
    const { id } = await createBucket(nodes[0].model, {});
    await until("bucket everywhere", () => nodes.every((n) => getBucket(n.model, id)));
    const bucket = getBucket(nodes[0].model, id)!;
    const put = (key: string, body: Uint8Array<ArrayBuffer>, sizeHint?: number) =>
      writeObject(nodes[0].model, {
        bucket,
        key,
        body: new Blob([body]).stream(),
        headers: [],
        sizeHint,
      });
    const one = "model/store_single_block_object";
    const cases: Array<[string, Uint8Array<ArrayBuffer>, number | undefined, string[]]> = [
      // Smaller than a block, its length announced or not.
      ["photo", bytes(4000, 7), 4000, [one, one]],
      ["streamed", bytes(3500, 11), undefined, [one, one]],
      // Exactly a block, announced: held until the body is seen to end.
      ["exact", bytes(4096, 13), 4096, [one, one]],
    ];
    for (const [key, body, hint, expected] of cases) {
      assertEquals(
        await callsDuring(nodes[0], WRITES, () => put(key, body, hint).then(() => {})),
        expected,
      );
    }
    // Two blocks go the general way: blocks and rows first, then the entry.
    const two = await callsDuring(
      nodes[0],
      WRITES,
      () => put("two", bytes(8192, 17), 8192).then(() => {}),
    );
    assert(two.includes("block/put") && !two.includes(one), two.join());

    for (const [key, body] of [...cases, ["two", bytes(8192, 17)] as const]) {
      // Every replica holds the entry, the block rows and the blocks themselves.
      for (const n of nodes) {
        await until(
          `${key} on every node`,
          async () => !!(await n.model.objects.store.get(id, key)),
        );
        const v = visibleVersion(await n.model.objects.store.get(id, key))!;
        assertEquals(v.state.data.meta.size, body.length);
        const rows = await n.model.versions.store.range(v.uuid, {});
        assertEquals(rows.reduce((s, r) => s + r.size, 0), body.length, key);
        for (const r of rows) {
          assert(await n.model.blocks.store.exists(r.hash), `${key}: block on ${n.sys.id}`);
          assert(await n.model.blockRefs.store.get(r.hash, v.uuid), `${key}: reference`);
        }
        const read = new Uint8Array(await new Response(readObject(n.model, v)).arrayBuffer());
        assertEquals(read, body);
      }
    }
  });
});

Deno.test("a node reads an object's block rows from its own copy when it holds them all", async () => {
  await withCluster(3, [], async (nodes) => {
    const { id } = await createBucket(nodes[0].model, {});
    await until("bucket everywhere", () => nodes.every((n) => getBucket(n.model, id)));
    const body = bytes(3 * 4096 + 100, 19);
    await writeObject(nodes[0].model, {
      bucket: getBucket(nodes[0].model, id)!,
      key: "k",
      body: new Blob([body]).stream(),
      headers: [],
    });
    const reader = nodes[1].model;
    const v = visibleVersion(await reader.objects.get(id, "k"))!;
    await until(
      "rows here",
      async () => (await reader.versions.store.range(v.uuid, {})).length === 4,
    );
    const read = async () =>
      new Uint8Array(await new Response(readObject(reader, v)).arrayBuffer());
    const rowReads = /^table\/version\/range/;
    let got = new Uint8Array();
    assertEquals(await callsDuring(nodes[1], rowReads, async () => got = await read()), []);
    assertEquals(got, body);
    // A row missing here (a write this node missed): the rows come from the read quorum.
    const [, second] = await reader.versions.store.range(v.uuid, {});
    await reader.sys.kv.delete(reader.versions.store.keyOf(v.uuid, versionSchema.sortKey(second)));
    assertEquals(await callsDuring(nodes[1], rowReads, async () => got = await read()), [
      "table/version/range",
    ]);
    assertEquals(got, body);
  });
});

Deno.test("a delete is one write to the replicas when this node holds the object", async () => {
  await withCluster(3, [], async (nodes) => {
    const { id } = await createBucket(nodes[0].model, {});
    await until("bucket everywhere", () => nodes.every((n) => getBucket(n.model, id)));
    const bucket = getBucket(nodes[0].model, id)!;
    const entries = /^table\/object\/(get|update_read)$/;
    await writeObject(nodes[0].model, {
      bucket,
      key: "gone",
      body: new Blob(["soon gone"]).stream(),
      headers: [],
    });
    assertEquals(
      await callsDuring(nodes[0], entries, () => deleteCurrent(nodes[0].model, bucket, "gone")),
      ["table/object/update_read", "table/object/update_read"],
    );
    await until(
      "deleted everywhere",
      async () =>
        (await Promise.all(nodes.map((n) => n.model.objects.store.get(id, "gone"))))
          .every((e) => !visibleVersion(e)),
    );
    // Of a key this node does not hold, the read quorum is asked, and nothing is written.
    assertEquals(
      await callsDuring(nodes[0], entries, () => deleteCurrent(nodes[0].model, bucket, "never")),
      ["table/object/get"],
    );
    assertEquals(await nodes[0].model.objects.store.get(id, "never"), undefined);
  });
});
