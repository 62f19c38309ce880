/** Acknowledged objects survive kill -9; interrupted uploads leave no orphan blocks. */
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { assertEquals } from "../assert.ts";
import { startNode } from "../harness.ts";
import { rawRequest } from "../raw_http.ts";
import { signHeaders } from "../sigv4.ts";
import { bodyBytes, randomBytes } from "./client.ts";

async function blockFiles(dir: string): Promise<number> {
  let n = 0;
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      if (e.isDirectory) await walk(`${d}/${e.name}`);
      else if (/^[0-9a-f]{64}$/.test(e.name)) n++;
    }
  };
  await walk(dir).catch(() => {});
  return n;
}

async function waitFor(cond: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return cond();
}

Deno.test("acknowledged objects survive kill -9 during writes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "remise-crash-" });
  const opts = { dir, extraToml: "block_size = 65536\nmetadata_fsync = true\ndata_fsync = true" };
  let node = await startNode(opts);
  try {
    const key = await node.createKey("crash");
    let s3 = new S3Client({
      endpoint: node.s3,
      region: node.region,
      credentials: key,
      forcePathStyle: true,
    });
    await s3.send(new CreateBucketCommand({ Bucket: "crash" }));
    const acked = new Map<string, Uint8Array>();
    let i = 0;
    const writer = (async () => {
      for (;;) {
        const body = randomBytes(i % 3 === 0 ? 200_000 : 1000);
        const k = `obj-${i++}`;
        try {
          await s3.send(new PutObjectCommand({ Bucket: "crash", Key: k, Body: body }));
          acked.set(k, body);
        } catch {
          return;
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 1500));
    await node.kill();
    await writer;
    s3.destroy();
    node = await startNode(opts);
    s3 = new S3Client({
      endpoint: node.s3,
      region: node.region,
      credentials: key,
      forcePathStyle: true,
    });
    for (const [k, body] of acked) {
      const g = await s3.send(new GetObjectCommand({ Bucket: "crash", Key: k }));
      assertEquals(await bodyBytes(g.Body), body, k);
    }
    s3.destroy();
    if (acked.size < 5) throw new Error(`only ${acked.size} objects were written before the kill`);
  } finally {
    await node.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("blocks of deleted and interrupted uploads are removed after the grace period", async () => {
  const node = await startNode({ extraToml: "block_size = 65536\nblock_gc_delay_secs = 1" });
  try {
    const key = await node.createKey("gc");
    const s3 = new S3Client({
      endpoint: node.s3,
      region: node.region,
      credentials: key,
      forcePathStyle: true,
    });
    await s3.send(new CreateBucketCommand({ Bucket: "gcb" }));
    await s3.send(new PutObjectCommand({ Bucket: "gcb", Key: "big", Body: randomBytes(500_000) }));
    const data = `${node.dir}/data`;
    assertEquals(await blockFiles(data) >= 8, true);
    await s3.send(new DeleteObjectCommand({ Bucket: "gcb", Key: "big" }));
    assertEquals(
      await waitFor(async () => (await blockFiles(data)) === 0, 8000),
      true,
      "deleted object's blocks are collected",
    );

    // An upload cut off half-way: some blocks reach the disk, then the client vanishes.
    const u = `${node.s3}/gcb/cut`;
    const headers = signHeaders("PUT", u, key, node.region, "UNSIGNED-PAYLOAD", {
      "content-length": "1000000",
    });
    const slow = new ReadableStream<Uint8Array>({
      async pull(c) {
        c.enqueue(randomBytes(400_000));
        await new Promise((r) => setTimeout(r, 500));
        c.close();
      },
    });
    await rawRequest(u, "PUT", headers, slow, { closeAfterBody: true });
    assertEquals(
      await waitFor(async () => (await blockFiles(data)) === 0, 8000),
      true,
      "interrupted upload's blocks are collected",
    );
    s3.destroy();
  } finally {
    await node.stop();
  }
});
