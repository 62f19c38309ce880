/** Object and bucket tags through the AWS SDK, with AWS's limits. */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketTaggingCommand,
  DeleteObjectTaggingCommand,
  GetBucketTaggingCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { assertEquals } from "../assert.ts";
import { assertS3Error, s3Fixture } from "./client.ts";

const B = "tagged";

async function tagsOf(s3: S3Client, key: string, versionId?: string) {
  const r = await s3.send(
    new GetObjectTaggingCommand({ Bucket: B, Key: key, VersionId: versionId }),
  );
  return (r.TagSet ?? []).map((t) => `${t.Key}=${t.Value}`);
}

Deno.test("tags: set on write, replaced, deleted, and counted on HEAD", async () => {
  await using f = await s3Fixture();
  const { s3 } = f;
  await s3.send(new CreateBucketCommand({ Bucket: B }));
  await s3.send(
    new PutObjectCommand({ Bucket: B, Key: "photo", Body: "x", Tagging: "album=summer&year=2026" }),
  );
  assertEquals(await tagsOf(s3, "photo"), ["album=summer", "year=2026"]);
  assertEquals((await s3.send(new HeadObjectCommand({ Bucket: B, Key: "photo" }))).TagCount, 2);
  await s3.send(
    new PutObjectTaggingCommand({
      Bucket: B,
      Key: "photo",
      Tagging: { TagSet: [{ Key: "album", Value: "winter & snow" }] },
    }),
  );
  assertEquals(await tagsOf(s3, "photo"), ["album=winter & snow"]);
  await s3.send(new DeleteObjectTaggingCommand({ Bucket: B, Key: "photo" }));
  assertEquals(await tagsOf(s3, "photo"), []);
  assertEquals(
    (await s3.send(new HeadObjectCommand({ Bucket: B, Key: "photo" }))).TagCount,
    undefined,
  );
  await assertS3Error(() => tagsOf(s3, "missing"), "NoSuchKey", 404);

  // Copies keep the source's tags unless told to replace them.
  await s3.send(
    new PutObjectTaggingCommand({
      Bucket: B,
      Key: "photo",
      Tagging: { TagSet: [{ Key: "src", Value: "1" }] },
    }),
  );
  await s3.send(new CopyObjectCommand({ Bucket: B, Key: "kept", CopySource: `${B}/photo` }));
  assertEquals(await tagsOf(s3, "kept"), ["src=1"]);
  await s3.send(
    new CopyObjectCommand({
      Bucket: B,
      Key: "replaced",
      CopySource: `${B}/photo`,
      TaggingDirective: "REPLACE",
      Tagging: "new=2",
    }),
  );
  assertEquals(await tagsOf(s3, "replaced"), ["new=2"]);

  // A multipart upload takes the tags it started with.
  const up = await s3.send(
    new CreateMultipartUploadCommand({ Bucket: B, Key: "mpu", Tagging: "m=1" }),
  );
  const part = await s3.send(
    new UploadPartCommand({
      Bucket: B,
      Key: "mpu",
      UploadId: up.UploadId,
      PartNumber: 1,
      Body: "p",
    }),
  );
  await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: B,
      Key: "mpu",
      UploadId: up.UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
    }),
  );
  assertEquals(await tagsOf(s3, "mpu"), ["m=1"]);
});

Deno.test("tags: each version has its own", async () => {
  await using f = await s3Fixture();
  const { s3 } = f;
  await s3.send(new CreateBucketCommand({ Bucket: B }));
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: B, VersioningConfiguration: { Status: "Enabled" } }),
  );
  const v1 =
    (await s3.send(new PutObjectCommand({ Bucket: B, Key: "doc", Body: "1", Tagging: "v=1" })))
      .VersionId!;
  await s3.send(new PutObjectCommand({ Bucket: B, Key: "doc", Body: "2", Tagging: "v=2" }));
  await s3.send(
    new PutObjectTaggingCommand({
      Bucket: B,
      Key: "doc",
      VersionId: v1,
      Tagging: { TagSet: [{ Key: "v", Value: "one" }] },
    }),
  );
  assertEquals(await tagsOf(s3, "doc", v1), ["v=one"]);
  assertEquals(await tagsOf(s3, "doc"), ["v=2"]);
});

Deno.test("tags: AWS's limits are refused with InvalidTag, nothing stored", async () => {
  await using f = await s3Fixture();
  const { s3 } = f;
  await s3.send(new CreateBucketCommand({ Bucket: B }));
  const eleven = Array.from({ length: 11 }, (_, i) => `k${i}=v`).join("&");
  for (
    const tagging of [eleven, `${"k".repeat(129)}=v`, `k=${"v".repeat(257)}`, "a=1&a=2", "=v"]
  ) {
    await assertS3Error(
      () => s3.send(new PutObjectCommand({ Bucket: B, Key: "bad", Body: "x", Tagging: tagging })),
      "InvalidTag",
      400,
    );
  }
  await assertS3Error(() => tagsOf(s3, "bad"), "NoSuchKey", 404);
  await s3.send(
    new PutObjectCommand({
      Bucket: B,
      Key: "edge",
      Body: "x",
      Tagging: `${"k".repeat(128)}=${"v".repeat(256)}`,
    }),
  );
  assertEquals((await tagsOf(s3, "edge")).length, 1);
});

Deno.test("tags: a bucket's tag set", async () => {
  await using f = await s3Fixture();
  const { s3 } = f;
  await s3.send(new CreateBucketCommand({ Bucket: B }));
  await assertS3Error(
    () => s3.send(new GetBucketTaggingCommand({ Bucket: B })),
    "NoSuchTagSet",
    404,
  );
  await s3.send(
    new PutBucketTaggingCommand({
      Bucket: B,
      Tagging: { TagSet: [{ Key: "team", Value: "photos" }, { Key: "cost", Value: "home" }] },
    }),
  );
  const got = await s3.send(new GetBucketTaggingCommand({ Bucket: B }));
  assertEquals(got.TagSet?.map((t) => t.Key), ["cost", "team"]);
  await s3.send(new DeleteBucketTaggingCommand({ Bucket: B }));
  await assertS3Error(
    () => s3.send(new GetBucketTaggingCommand({ Bucket: B })),
    "NoSuchTagSet",
    404,
  );
});
