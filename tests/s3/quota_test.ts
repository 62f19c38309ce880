/**
 * Bucket quotas set through the admin API hold for every way of writing: PutObject, a copy and
 * a multipart completion are refused (403, in words) once the bucket is full; replacing an
 * object frees its own place; nothing refused becomes visible.
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import type { GetBucketInfoResponse } from "../../shared/admin.ts";
import { assertEquals, assertMatch } from "../assert.ts";
import { assertS3Error, s3Fixture } from "./client.ts";

async function setQuotas(
  node: { api: <T>(m: string, p: string, b?: unknown) => Promise<T> },
  bucket: string,
  quotas: { maxObjects?: number | null; maxSize?: number | null },
) {
  const b = await node.api<GetBucketInfoResponse>("GET", `/v2/GetBucketInfo?globalAlias=${bucket}`);
  await node.api("POST", `/v2/UpdateBucket?id=${b.id}`, {
    quotas: { maxObjects: null, maxSize: null, ...quotas },
  });
}

Deno.test("quotas: a full bucket refuses new objects, whatever writes them", async () => {
  await using f = await s3Fixture();
  const s3 = f.s3;
  await s3.send(new CreateBucketCommand({ Bucket: "quota" }));
  await setQuotas(f.node, "quota", { maxObjects: 2 });
  await s3.send(new PutObjectCommand({ Bucket: "quota", Key: "a", Body: "1" }));
  await s3.send(new PutObjectCommand({ Bucket: "quota", Key: "b", Body: "2" }));
  const e = await assertS3Error(
    () => s3.send(new PutObjectCommand({ Bucket: "quota", Key: "c", Body: "3" })),
    "AccessDenied",
    403,
  );
  assertMatch(e.message, /Object quota is reached: this bucket may hold at most 2 objects/);
  // Replacing an object takes no new place.
  await s3.send(new PutObjectCommand({ Bucket: "quota", Key: "a", Body: "1 again" }));
  await assertS3Error(
    () => s3.send(new CopyObjectCommand({ Bucket: "quota", Key: "c", CopySource: "quota/a" })),
    "AccessDenied",
    403,
  );
  const { UploadId } = await s3.send(
    new CreateMultipartUploadCommand({ Bucket: "quota", Key: "m" }),
  );
  const part = await s3.send(
    new UploadPartCommand({ Bucket: "quota", Key: "m", UploadId, PartNumber: 1, Body: "part" }),
  );
  await assertS3Error(
    () =>
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: "quota",
          Key: "m",
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
        }),
      ),
    "AccessDenied",
    403,
  );
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: "quota" }));
  assertEquals(listed.Contents?.map((o) => o.Key), ["a", "b"]);
});

Deno.test("quotas: the size quota counts what an object adds, minus what it replaces", async () => {
  await using f = await s3Fixture();
  const s3 = f.s3;
  await s3.send(new CreateBucketCommand({ Bucket: "sized" }));
  await setQuotas(f.node, "sized", { maxSize: 10_000 });
  await s3.send(new PutObjectCommand({ Bucket: "sized", Key: "a", Body: new Uint8Array(6000) }));
  const e = await assertS3Error(
    () => s3.send(new PutObjectCommand({ Bucket: "sized", Key: "b", Body: new Uint8Array(6000) })),
    "AccessDenied",
    403,
  );
  assertMatch(e.message, /Size quota is reached: .* at most 10000 bytes; .* to 12000/);
  await s3.send(new PutObjectCommand({ Bucket: "sized", Key: "a", Body: new Uint8Array(9000) }));
  await s3.send(new PutObjectCommand({ Bucket: "sized", Key: "b", Body: new Uint8Array(1000) }));
  // Lifting the quota lets writes through again.
  await setQuotas(f.node, "sized", {});
  await s3.send(new PutObjectCommand({ Bucket: "sized", Key: "c", Body: new Uint8Array(6000) }));
});
