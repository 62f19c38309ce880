/**
 * Changing the layout under load: grow from 3 to 5 nodes, then remove one, while a writer and a
 * reader run. Nothing acknowledged is lost, reads never fail, blocks end up spread in
 * proportion to the partitions each node holds, and the node that left keeps nothing.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import type {
  GetClusterLayoutHistoryResponse,
  GetClusterLayoutResponse,
  ListBlockErrorsResponse,
  ListWorkersResponse,
} from "../../shared/admin.ts";
import { assert, assertEquals } from "../assert.ts";
import {
  allUp,
  blocksStored,
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
import { bodyBytes } from "../s3/client.ts";

const EXTRA = "block_size = 4096";
/** Three 4 KiB blocks per object. */
const SIZE = 10_000;

/** Applies the next layout version and waits until every node has synced and dropped the old. */
async function changeLayout(via: TestNode, all: TestNode[], roles: unknown[]) {
  const before = await via.api<GetClusterLayoutResponse>("GET", "/v2/GetClusterLayout");
  await via.api("POST", "/v2/UpdateClusterLayout", { roles });
  await via.api("POST", "/v2/ApplyClusterLayout", { version: before.version + 1 });
  for (const n of all) {
    await eventually(
      "layout change synced",
      () => n.api<GetClusterLayoutHistoryResponse>("GET", "/v2/GetClusterLayoutHistory"),
      (h) => h.currentVersion === before.version + 1 && h.versions.length === 1,
      90_000,
    );
  }
}

Deno.test("layout change under load: 3 → 5 nodes, then one removed; nothing lost", async () => {
  const nodes: ClusterNode[] = await startCluster({
    zones: ["a", "b", "c"],
    replicationFactor: 3,
    node: { extraToml: EXTRA },
  });
  const clients: S3Client[] = [];
  let stop = false;
  try {
    const key = await nodes[0].createKey("load");
    const client = (n: TestNode) => {
      const c = s3Client(n, key);
      clients.push(c);
      return c;
    };
    const writer = client(nodes[0]);
    const reader = client(nodes[1]);
    await writer.send(new CreateBucketCommand({ Bucket: "load" }));
    const acked: string[] = [];
    const readErrors: string[] = [];
    const writeErrors: string[] = [];
    const writing = (async () => {
      for (let i = 0; !stop; i++) {
        const name = `w${i}`;
        try {
          await writer.send(
            new PutObjectCommand({ Bucket: "load", Key: name, Body: content(name, SIZE) }),
          );
          acked.push(name);
        } catch (e) {
          writeErrors.push(`${name}: ${(e as Error).message}`);
        }
      }
    })();
    const reading = (async () => {
      while (!stop) {
        if (acked.length === 0) {
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        const name = acked[Math.floor(Math.random() * acked.length)];
        try {
          const got = await reader.send(new GetObjectCommand({ Bucket: "load", Key: name }));
          const body = await bodyBytes(got.Body);
          const want = content(name, SIZE);
          if (!body.every((b, i) => b === want[i])) readErrors.push(`${name}: corrupt`);
        } catch (e) {
          readErrors.push(`${name}: ${(e as Error).message}`);
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 1500));

    // Grow: two more nodes, each in a zone of its own.
    const added = await Promise.all(
      [0, 1].map(() => startClusterNode({ replicationFactor: 3, extraToml: EXTRA })),
    );
    nodes.push(...added);
    await nodes[0].api("POST", "/v2/ConnectClusterNodes", added.map((n) => n.peerAddress));
    await Promise.all(nodes.map((n) => allUp(n, 5)));
    await changeLayout(
      nodes[0],
      nodes,
      added.map((n, i) => ({ id: n.id, zone: ["d", "e"][i], capacity: 1e9, tags: [] })),
    );

    // Shrink: the third original node leaves the layout.
    const leaving = nodes[2];
    await changeLayout(nodes[0], nodes, [{ id: leaving.id, remove: true }]);
    await new Promise((r) => setTimeout(r, 1000));
    stop = true;
    await Promise.all([writing, reading]);
    assertEquals(readErrors, []);
    assertEquals(writeErrors, []);
    assert(acked.length > 20, `only ${acked.length} objects written`);

    // Every acknowledged object reads back through every node that stayed.
    const stayed = nodes.filter((n) => n !== leaving);
    for (const n of stayed) {
      const c = client(n);
      for (const name of acked) {
        const got = await c.send(new GetObjectCommand({ Bucket: "load", Key: name }));
        assertEquals(
          await bodyBytes(got.Body),
          content(name, SIZE),
          `${name} via ${n.id.slice(0, 8)}`,
        );
      }
    }

    // Blocks follow the partitions: each node holds its share; the leaver hands all of its over.
    const layout = await nodes[0].api<GetClusterLayoutResponse>("GET", "/v2/GetClusterLayout");
    const total = acked.length * 3; // 10,000 bytes in 4 KiB blocks
    // What the leaver still holds and why, should it not empty.
    const leftover = async () => ({
      blocks: await blocksStored(leaving),
      errors: await leaving.api<ListBlockErrorsResponse>("GET", "/v2/ListBlockErrors?node=self"),
      workers: await leaving.api<ListWorkersResponse>("POST", "/v2/ListWorkers?node=self", {}),
    });
    await eventually("the leaving node emptied", leftover, (l) => l.blocks === 0, 90_000);
    // Its table partitions too: handed to their holders, then deleted there.
    const sharded = ["object", "version", "block_ref"];
    await eventually(
      "the leaving node handed its table entries over",
      () => tableStats(leaving),
      (s) => sharded.every((t) => s[t].entries === 0),
      90_000,
    );
    for (const n of stayed) {
      const role = layout.roles.find((r) => r.id === n.id)!;
      const share = role.storedPartitions! / 256;
      await eventually(
        `node ${n.id.slice(0, 8)} holds its share of ${total} blocks (${share})`,
        () => blocksStored(n),
        (b) => Math.abs(b - total * share) <= 0.1 * total * share,
        90_000,
      );
    }
  } finally {
    stop = true;
    for (const c of clients) c.destroy();
    await stopAll(nodes);
  }
});
