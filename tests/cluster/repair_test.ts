/**
 * Nodes repair each other without an operator: a node that was down catches up on its own
 * (Merkle sync of the tables, then block resync), and scrub replaces a corrupted block.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { assertEquals } from "../assert.ts";
import {
  blockFiles,
  blocksStored,
  type ClusterNode,
  content,
  eventually,
  s3Client,
  startCluster,
  startClusterNode,
  stopAll,
  workers,
} from "../cluster.ts";
import { bodyBytes } from "../s3/client.ts";

const sizeOf = (name: string) => Number(name.split("-")[1]);

async function put(c: S3Client, name: string) {
  await c.send(
    new PutObjectCommand({ Bucket: "repairs", Key: name, Body: content(name, sizeOf(name)) }),
  );
}

async function readAll(c: S3Client, names: string[]) {
  for (const name of names) {
    const got = await c.send(new GetObjectCommand({ Bucket: "repairs", Key: name }));
    assertEquals(await bodyBytes(got.Body), content(name, sizeOf(name)), name);
  }
}

Deno.test("a node that missed writes catches up alone, until it alone serves everything", async () => {
  const extra = "block_size = 16384";
  const nodes: ClusterNode[] = await startCluster({
    zones: ["a", "b", "c"],
    replicationFactor: 3,
    node: { extraToml: extra },
  });
  const clients: S3Client[] = [];
  const dir = nodes[2].dir;
  try {
    const key = await nodes[0].createKey("k");
    const c0 = s3Client(nodes[0], key);
    clients.push(c0);
    await c0.send(new CreateBucketCommand({ Bucket: "repairs" }));
    // Inline (< 3 KiB), one block (sent with its entry), several blocks.
    const before = ["a-10", "a-9000", "a-40000", "a-100000"];
    for (const n of before) await put(c0, n);

    await nodes[2].kill();
    const during = ["b-20", "b-9000", "b-50000", "b-70000", "b-3"];
    for (const n of during) await put(c0, n);

    // Back with no command: it finds its peers, compares tables, fetches the blocks it lacks.
    nodes[2] = await startClusterNode({ dir, replicationFactor: 3, extraToml: extra });
    const expected = await blocksStored(nodes[0]);
    await eventually(
      "blocks resynced",
      () => blocksStored(nodes[2]),
      (n) => n === expected,
      60_000,
    );
    await eventually(
      "a table sync pass finished",
      () => workers(nodes[2]),
      (ws) =>
        ws.some((w) =>
          w.name === "table sync" && w.state === "idle" && !w.progress &&
          Number(/passes completed: (\d+)/.exec(w.freeform.join("\n"))?.[1]) >= 1
        ),
      60_000,
    );

    // Alone (reads from one copy allowed), it serves every object.
    await nodes[0].stop();
    await nodes[1].stop();
    await nodes[2].stop();
    nodes[2] = await startClusterNode({
      dir,
      replicationFactor: 3,
      extraToml: `${extra}\nconsistency_mode = "degraded"`,
    });
    const alone = s3Client(nodes[2], key);
    clients.push(alone);
    await readAll(alone, [...before, ...during]);
  } finally {
    for (const c of clients) c.destroy();
    await stopAll(nodes);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

/** Every block file under a data folder. */
Deno.test("scrub finds a block corrupted on disk and repairs it from a peer", async () => {
  const nodes = await startCluster({
    zones: ["a", "b"],
    replicationFactor: 2,
    node: { extraToml: "block_size = 16384" },
  });
  const clients: S3Client[] = [];
  try {
    const key = await nodes[0].createKey("k");
    const c0 = s3Client(nodes[0], key);
    clients.push(c0);
    await c0.send(new CreateBucketCommand({ Bucket: "repairs" }));
    await put(c0, "x-50000");
    const files = await blockFiles(`${nodes[1].dir}/data`);
    assertEquals(files.length, 4);
    const victim = files[1];
    const good = await Deno.readFile(victim);
    // Same length, one byte changed, CRC trailer rewritten to match: only the hash can tell.
    const bad = good.slice();
    bad[100] ^= 0xff;
    const { crc32 } = await import("node:zlib");
    new DataView(bad.buffer).setUint32(bad.length - 4, crc32(bad.subarray(0, bad.length - 4)));
    await Deno.writeFile(victim, bad);

    await nodes[1].api("POST", "/v2/LaunchRepairOperation?node=self", {
      repairType: { scrub: "start" },
    });
    await eventually(
      "the corrupted block replaced by a good copy",
      () => Deno.readFile(victim).catch(() => new Uint8Array()),
      (now) => now.length === good.length && now.every((b, i) => b === good[i]),
      60_000,
    );
    const scrub = (await workers(nodes[1])).find((w) => w.name === "block scrub")!;
    assertEquals(scrub.freeform[0], "corrupt blocks found: 1");
  } finally {
    for (const c of clients) c.destroy();
    await stopAll(nodes);
  }
});
