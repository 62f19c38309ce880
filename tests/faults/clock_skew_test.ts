/**
 * A node whose clock is minutes off must not reorder what clients did: here the node restarts
 * two minutes in the past (Debian's faketime), as a second node with a slow clock would take a
 * re-upload of a part after the first upload.
 */
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { s3Client } from "../cluster.ts";
import { assertEquals } from "../assert.ts";
import { requireProgram, startNode } from "../harness.ts";

const LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

Deno.test("a part uploaded again through a node whose clock is 2 minutes behind wins", async () => {
  if (!await requireProgram("faketime")) return;
  const dir = await Deno.makeTempDir({ prefix: "remise-test-" });
  let node = await startNode({ dir });
  try {
    const key = await node.createKey();
    let s3 = s3Client(node, key);
    await s3.send(new CreateBucketCommand({ Bucket: "skew" }));
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: "skew", Key: "obj" }),
    );
    await s3.send(
      new UploadPartCommand({ Bucket: "skew", Key: "obj", UploadId, PartNumber: 1, Body: "first" }),
    );
    s3.destroy();
    await node.stop();

    // SigV4 allows 15 minutes of skew between client and node: 2 minutes still authenticate.
    node = await startNode({
      dir,
      env: { LD_PRELOAD: LIBFAKETIME, FAKETIME: "-120s", FAKETIME_DONT_FAKE_MONOTONIC: "1" },
    });
    s3 = s3Client(node, key);
    const second = await s3.send(
      new UploadPartCommand({
        Bucket: "skew",
        Key: "obj",
        UploadId,
        PartNumber: 1,
        Body: "second",
      }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: "skew",
        Key: "obj",
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: second.ETag }] },
      }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: "skew", Key: "obj" }));
    assertEquals(await got.Body?.transformToString(), "second");
    s3.destroy();
  } finally {
    await node.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
