/** Reading an object on a real node of one: a body is whole, or the read fails. */
import { assertEquals, assertRejectsWith } from "../../../tests/assert.ts";
import { createBucket } from "../buckets/bucket_ops.ts";
import { visibleVersion } from "../tables/object.ts";
import { withNode } from "../testing.ts";
import { writeObject } from "./object_write.ts";
import { openObject } from "./read.ts";

const bytes = new Uint8Array(20_000).map((_, i) => i % 251);

async function stored(model: Parameters<typeof writeObject>[0]) {
  const bucket = await createBucket(model, {});
  const body = new Blob([bytes]).stream();
  await writeObject(model, { bucket, key: "k", body, headers: [] });
  return visibleVersion(await model.objects.get(bucket.id, "k"))!;
}

Deno.test("an object is read whole, or a range of it", async () => {
  await withNode(async ({ model }) => {
    const v = await stored(model);
    assertEquals(
      new Uint8Array(await new Response(await openObject(model, v)).arrayBuffer()),
      bytes,
    );
    const range = await openObject(model, v, { start: 4000, end: 12_345 });
    assertEquals(
      new Uint8Array(await new Response(range).arrayBuffer()),
      bytes.subarray(4000, 12_346),
    );
  });
});

Deno.test("a version whose block rows are gone fails before any byte is sent", async () => {
  await withNode(async ({ model }) => {
    const v = await stored(model);
    await model.releaseVersion(v.uuid);
    await assertRejectsWith(() => openObject(model, v), Error, "fewer bytes than its size");
  });
});

Deno.test("a version missing its last blocks errors the stream instead of ending it short", async () => {
  await withNode(async ({ model }) => {
    const v = await stored(model);
    const rows = [];
    for await (const r of model.versionBlocks(v.uuid)) rows.push(r);
    await model.versions.insertMany(rows.slice(2).map((r) => ({ ...r, deleted: true })));
    const body = await openObject(model, v);
    await assertRejectsWith(() => new Response(body).arrayBuffer(), Error, "fewer bytes");
  });
});
