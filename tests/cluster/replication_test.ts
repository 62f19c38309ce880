/**
 * Three nodes in three zones with three copies: what one node acknowledged, every other node
 * serves, and the loss of any one node stops neither reads nor writes.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import {
  CreateBucketCommand,
  DeleteBucketPolicyCommand,
  PutBucketPolicyCommand,
} from "@aws-sdk/client-s3";
import { assertEquals } from "../assert.ts";
import { content, eventually, rpcBytes, s3Client, startCluster, stopAll } from "../cluster.ts";
import { bodyBytes } from "../s3/client.ts";

Deno.test("3 zones, 3 copies: written through one node, read through the others", async () => {
  const nodes = await startCluster({
    zones: ["paris", "lyon", "nantes"],
    replicationFactor: 3,
    node: { extraToml: "block_size = 65536" },
  });
  const clients: S3Client[] = [];
  try {
    const key = await nodes[0].createKey("cluster");
    for (const n of nodes) clients.push(s3Client(n, key));
    await clients[0].send(new CreateBucketCommand({ Bucket: "photos" }));
    const sizes = [0, 100, 5000, 65536, 200_000];
    for (const size of sizes) {
      await clients[0].send(
        new PutObjectCommand({
          Bucket: "photos",
          Key: `o${size}`,
          Body: content(`o${size}`, size),
        }),
      );
    }
    const readAll = async (c: S3Client, names: string[]) => {
      for (const name of names) {
        const got = await c.send(new GetObjectCommand({ Bucket: "photos", Key: name }));
        assertEquals(await bodyBytes(got.Body), content(name, Number(name.slice(1))), name);
      }
    };
    const written = sizes.map((s) => `o${s}`);
    for (const c of clients.slice(1)) await readAll(c, written);

    // Every byte went to both other nodes, and the metrics say so on both ends.
    const total = sizes.reduce((a, b) => a + b, 0);
    const sender = await rpcBytes(nodes[0]);
    for (const peer of nodes.slice(1)) {
      const id = peer.id.slice(0, 16);
      assertEquals(sender.get(`${id} sent`)! > total, true, `${sender.get(`${id} sent`)}`);
      const back = await rpcBytes(peer);
      assertEquals(back.get(`${nodes[0].id.slice(0, 16)} received`)! > total, true);
    }

    // A policy set through one node holds on a majority when the call returns, and on every
    // node within a second (the bucket table's write goes to each of them at once).
    const policy = (effect: string) =>
      JSON.stringify({
        Statement: [{
          Effect: effect,
          Principal: "*",
          Action: "s3:GetObject",
          Resource: "arn:aws:s3:::photos/*",
        }],
      });
    const anonymousStatus = async () =>
      await Promise.all(nodes.map(async (n) => {
        const res = await fetch(`${n.s3}/photos/o100`);
        await res.body?.cancel();
        return res.status;
      }));
    const everywhere = async (status: number) => {
      const now = await anonymousStatus();
      assertEquals(now.filter((s) => s === status).length >= 2, true, `${now}`);
      await eventually(
        `${status} on every node`,
        anonymousStatus,
        (v) => v.every((s) => s === status),
        1000,
      );
    };
    await everywhere(403);
    await clients[1].send(
      new PutBucketPolicyCommand({ Bucket: "photos", Policy: policy("Allow") }),
    );
    await everywhere(200);
    await clients[2].send(new DeleteBucketPolicyCommand({ Bucket: "photos" }));
    await everywhere(403);

    // One node dies without warning: the two others still make a quorum for every partition.
    await nodes[2].kill();
    for (const size of [10, 70_000]) {
      await clients[1].send(
        new PutObjectCommand({
          Bucket: "photos",
          Key: `o${size}`,
          Body: content(`o${size}`, size),
        }),
      );
      written.push(`o${size}`);
    }
    await readAll(clients[0], written);
    await readAll(clients[1], written);
  } finally {
    for (const c of clients) c.destroy();
    await stopAll(nodes);
  }
});

Deno.test("4 nodes in 2 zones, 2 copies: a whole zone down leaves every object readable", async () => {
  const nodes = await startCluster({
    zones: ["home", "home", "office", "office"],
    replicationFactor: 2,
    node: { extraToml: "block_size = 16384" },
  });
  const clients: S3Client[] = [];
  try {
    const key = await nodes[0].createKey("zones");
    for (const n of nodes) clients.push(s3Client(n, key));
    await clients[0].send(new CreateBucketCommand({ Bucket: "zones" }));
    const names = Array.from({ length: 24 }, (_, i) => `o${i * 3001}`);
    for (const name of names) {
      await clients[i(name) % 4].send(
        new PutObjectCommand({ Bucket: "zones", Key: name, Body: content(name, size(name)) }),
      );
    }
    // The office is gone: with one copy per zone, home still has every block and entry.
    await nodes[2].kill();
    await nodes[3].kill();
    for (const c of clients.slice(0, 2)) {
      for (const name of names) {
        const got = await c.send(new GetObjectCommand({ Bucket: "zones", Key: name }));
        assertEquals(await bodyBytes(got.Body), content(name, size(name)), name);
      }
    }
  } finally {
    for (const c of clients) c.destroy();
    await stopAll(nodes);
  }
});

const size = (name: string) => Number(name.slice(1));
const i = (name: string) => size(name) / 3001;
