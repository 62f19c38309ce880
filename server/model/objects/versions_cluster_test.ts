/**
 * Versions on three real nodes in this process: writers on every node at once keep every
 * version, ordered by timestamp; a node cut off while the others write learns every version
 * when it is back.
 */
import { assert, assertEquals } from "../../../tests/assert.ts";
import { createBucket, getBucket } from "../buckets/bucket_ops.ts";
import { listVersions } from "../listing/version_listing.ts";
import type { Model } from "../model.ts";
import { versionIdOf } from "../tables/object.ts";
import { until, withCluster } from "../testing.ts";
import { deleteCurrent, writeObject } from "./object_write.ts";
import { setVersioning } from "../buckets/protection.ts";

const KEY = "notes.txt";

function body(text: string): ReadableStream<Uint8Array> {
  return new Blob([text]).stream();
}

async function versionsSeen(model: Model, bucketId: string): Promise<string[]> {
  const page = await listVersions(model, bucketId, { prefix: "", max: 1000 });
  return page.items.flatMap((i) =>
    i.kind === "version" ? [`${versionIdOf(i.row.version)}${i.row.isLatest ? "*" : ""}`] : []
  );
}

Deno.test("versions written on three nodes at once, and through a cut, all stay", async () => {
  await withCluster(3, [], async (nodes) => {
    const created = await createBucket(nodes[0].model, {});
    await setVersioning(nodes[0].model, created, "Enabled");
    await until(
      "versioning everywhere",
      () => nodes.every((n) => getBucket(n.model, created.id)?.config.versioning?.v === "Enabled"),
    );
    const bucket = (n: number) => getBucket(nodes[n].model, created.id)!;

    // Three writers, one per node, ten rounds of simultaneous writes of the same key.
    const ids: string[] = [];
    for (let round = 0; round < 10; round++) {
      const written = await Promise.all(nodes.map((n, i) =>
        writeObject(n.model, {
          bucket: bucket(i),
          key: KEY,
          body: body(`round ${round} from node ${i}`),
          headers: [],
        })
      ));
      ids.push(...written.map((w) => w.versionId!));
    }
    assertEquals(new Set(ids).size, 30);

    // Node 2 hears nothing from the others while they write and delete; then the link is back.
    const cut = nodes[2].sys.rpc;
    const handle = cut.handle.bind(cut);
    const others = new Set([nodes[0].sys.id, nodes[1].sys.id]);
    cut.handle = (endpoint, msg, from) =>
      others.has(from) && endpoint.startsWith("table/")
        ? Promise.reject(new Error("link cut"))
        : handle(endpoint, msg, from);
    for (let i = 0; i < 5; i++) {
      const w = await writeObject(nodes[i % 2].model, {
        bucket: bucket(i % 2),
        key: KEY,
        body: body(`during the cut ${i}`),
        headers: [],
      });
      ids.push(w.versionId!);
    }
    const marker = await deleteCurrent(nodes[0].model, bucket(0), KEY);
    ids.push(marker.marker!.versionId);
    cut.handle = handle;

    for (const n of nodes) n.model.syncTablesNow();
    const everywhere = async () => {
      for (const n of nodes) await n.model.queue.drained();
      return await Promise.all(nodes.map((n) => versionsSeen(n.model, created.id)));
    };
    await until("every node lists every version", async () => {
      const seen = await everywhere();
      return seen.every((s) => s.length === ids.length);
    });
    const [first, ...rest] = await everywhere();
    for (const s of rest) assertEquals(s, first);
    // The marker, written last, is the latest; every version is there once.
    assertEquals(first[0], `${marker.marker!.versionId}*`);
    assertEquals(new Set(first.map((s) => s.replace("*", ""))), new Set(ids));
    assert(first.filter((s) => s.endsWith("*")).length === 1);
  });
});
