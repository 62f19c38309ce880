/**
 * Metadata snapshots, used as docs/operations.md says: a node's database is corrupted while it
 * is stopped; it refuses to start on it; `meta restore` puts its last snapshot back; started
 * again, it catches up by anti-entropy with everything written since the snapshot.
 */
import { CreateBucketCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type {
  CreateMetadataSnapshotResponse,
  GetNodeStatisticsResponse,
} from "../../shared/admin.ts";
import { assert, assertEquals, assertMatch, assertRejects } from "../assert.ts";
import {
  type ClusterNode,
  eventually,
  s3Client,
  startCluster,
  startClusterNode,
  stopAll,
} from "../cluster.ts";
import { ROOT, type TestNode } from "../harness.ts";

async function entries(n: TestNode): Promise<Record<string, number>> {
  const s = await n.api<GetNodeStatisticsResponse>("GET", "/v2/GetNodeStatistics?node=self");
  const tables = Object.values(s.success)[0].tables;
  return Object.fromEntries(
    tables.filter((t) => ["object", "bucket", "key"].includes(t.name)).map((t) => [
      t.name,
      t.entries,
    ]),
  );
}

async function cli(configPath: string, ...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--unstable-kv", `${ROOT}server/main.ts`, "-c", configPath, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("a node with a corrupted database is restored from its snapshot and catches up", async () => {
  const nodes: ClusterNode[] = await startCluster({ zones: ["a", "b", "c"], replicationFactor: 3 });
  const clients: S3Client[] = [];
  const dir = nodes[2].dir;
  try {
    const key = await nodes[0].createKey("k");
    const c0 = s3Client(nodes[0], key);
    clients.push(c0);
    await c0.send(new CreateBucketCommand({ Bucket: "photos" }));
    const put = (Key: string) =>
      c0.send(new PutObjectCommand({ Bucket: "photos", Key, Body: `body of ${Key}` }));
    for (let i = 0; i < 5; i++) await put(`before-${i}`);

    const taken = await nodes[2].api<CreateMetadataSnapshotResponse>(
      "POST",
      "/v2/CreateMetadataSnapshot?node=self",
    );
    const snap = Object.values(taken.success)[0];
    assert(snap.path.startsWith(`${dir}/meta/snapshots/`), snap.path);
    assert(snap.bytes > 0);
    // Made again, the oldest of more than two goes.
    for (let i = 0; i < 2; i++) {
      await nodes[2].api("POST", "/v2/CreateMetadataSnapshot?node=self");
    }
    const kept = [...Deno.readDirSync(`${dir}/meta/snapshots`)].map((e) => e.name).sort();
    assertEquals(kept.length, 2);
    assert(!kept.includes(snap.path.split("/").at(-1)!), "the oldest snapshot was removed");

    // Written after the snapshot: objects, and a bucket.
    for (let i = 0; i < 5; i++) await put(`after-${i}`);
    await c0.send(new CreateBucketCommand({ Bucket: "later" }));

    await nodes[2].kill();
    // The disk returns garbage for the database and its write-ahead log alike.
    for (const f of ["db.sqlite", "db.sqlite-wal"]) {
      const path = `${dir}/meta/${f}`;
      const size = (await Deno.stat(path)).size;
      await Deno.writeFile(path, new Uint8Array(size).fill(0x5a));
    }
    const refused = await assertRejects(() => startClusterNode({ dir, replicationFactor: 3 }));
    assertMatch(String(refused), /exited before it was ready/);
    assertMatch(
      String(refused),
      /metadata database .* cannot be read \(file is not a database\): put a snapshot back/,
    );

    const restored = await cli(nodes[2].configPath, "meta", "restore");
    assertEquals(restored.code, 0, restored.stderr);
    assertMatch(
      restored.stdout,
      /Restored .*snapshots\/.*; the replaced database is in .*replaced-/,
    );

    nodes[2] = await startClusterNode({ dir, replicationFactor: 3 });
    const want = await entries(nodes[0]);
    assertEquals(want.object, 10);
    await eventually(
      "the restored node caught up",
      () => entries(nodes[2]),
      (got) => got.object === want.object && got.bucket === want.bucket && got.key === want.key,
      60_000,
    );
  } finally {
    for (const c of clients) c.destroy();
    await stopAll(nodes);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
