/**
 * Tombstones are collected once every holder has them, and never while one is down: a node
 * that missed a deletion and came back must not bring the object back.
 */
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { assertEquals } from "../assert.ts";
import {
  type ClusterNode,
  content,
  eventually,
  s3Client,
  startCluster,
  startClusterNode,
  stopAll,
  tableStats,
} from "../cluster.ts";
import type { TestNode } from "../harness.ts";

const EXTRA = "block_size = 4096\ntable_gc_delay_secs = 1";
/** Tables an object with blocks leaves rows in. */
const TABLES = ["object", "version", "block_ref"];
const NAMES = Array.from({ length: 8 }, (_, i) => `o${i}`);

const rowsLeft = async (n: TestNode) => {
  const s = await tableStats(n);
  return TABLES.map((t) => `${t}: ${s[t].entries} entries, ${s[t].gcTodo} awaiting GC`);
};
const emptied = (rows: string[]) => rows.every((r) => r.endsWith(": 0 entries, 0 awaiting GC"));

Deno.test("tombstones wait for a holder that is down, then are collected on every node", async () => {
  const nodes: ClusterNode[] = await startCluster({
    zones: ["a", "b", "c"],
    replicationFactor: 3,
    node: { extraToml: EXTRA },
  });
  const clients: S3Client[] = [];
  const dir = nodes[2].dir;
  try {
    const key = await nodes[0].createKey("gc");
    const c0 = s3Client(nodes[0], key);
    clients.push(c0);
    await c0.send(new CreateBucketCommand({ Bucket: "gc-test" }));
    for (const name of NAMES) {
      await c0.send(
        new PutObjectCommand({ Bucket: "gc-test", Key: name, Body: content(name, 10_000) }),
      );
    }
    // The node about to miss the deletions holds the live objects (writes reach it after the
    // quorum answered, so it may lag a moment).
    await eventually(
      "the third node holds every object",
      () => tableStats(nodes[2]),
      (s) => s.object.entries === NAMES.length,
    );

    // Deleted while a holder is away: past the delay, the tombstones are still kept.
    await nodes[2].kill();
    for (const name of NAMES) {
      await c0.send(new DeleteObjectCommand({ Bucket: "gc-test", Key: name }));
    }
    await new Promise((r) => setTimeout(r, 3000));
    const waiting = await tableStats(nodes[0]);
    assertEquals(waiting.object, { entries: NAMES.length, gcTodo: NAMES.length });

    // Back: it receives the tombstones, then every replica drops them.
    nodes[2] = await startClusterNode({ dir, replicationFactor: 3, extraToml: EXTRA });
    for (const n of nodes) {
      await eventually(`node ${n.id.slice(0, 8)} collected`, () => rowsLeft(n), emptied, 60_000);
    }

    // A full comparison of the tables afterwards brings nothing back.
    for (const n of nodes) {
      await n.api("POST", "/v2/LaunchRepairOperation?node=self", { repairType: "tables" });
    }
    await new Promise((r) => setTimeout(r, 2000));
    for (const n of nodes) {
      assertEquals(emptied(await rowsLeft(n)), true, (await rowsLeft(n)).join("; "));
      const c = s3Client(n, key);
      clients.push(c);
      const list = await c.send(new ListObjectsV2Command({ Bucket: "gc-test" }));
      assertEquals(list.KeyCount, 0);
      const missing = await c.send(new GetObjectCommand({ Bucket: "gc-test", Key: NAMES[0] })).then(
        () => "found",
        (e: Error) => e.name,
      );
      assertEquals(missing, "NoSuchKey");
    }
  } finally {
    for (const c of clients) c.destroy();
    await stopAll(nodes);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
