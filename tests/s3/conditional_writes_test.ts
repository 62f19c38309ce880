/**
 * Conditional writes (If-None-Match: *, If-Match) on PutObject and CompleteMultipartUpload:
 * under concurrent writers of one key at most one conditional write wins; the others get 412
 * (the condition failed) or 409 (another conditional write was under way), and leave nothing.
 */
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3ServiceException,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { assert, assertEquals } from "../assert.ts";
import { assertS3Error, s3Fixture } from "./client.ts";

const B = "cond";

Deno.test("conditional writes: of 24 racing creates of one key, exactly one wins", async () => {
  await using f = await s3Fixture();
  const { s3 } = f;
  await s3.send(new CreateBucketCommand({ Bucket: B }));
  const outcomes = await Promise.all(
    Array.from(
      { length: 24 },
      (_, i) =>
        s3.send(
          new PutObjectCommand({ Bucket: B, Key: "once", Body: `writer ${i}`, IfNoneMatch: "*" }),
        )
          .then(() => ({ i, status: 200 }))
          .catch((e: S3ServiceException) => ({
            i,
            status: e.$metadata.httpStatusCode,
            code: e.name,
          })),
    ),
  );
  const winners = outcomes.filter((o) => o.status === 200);
  assertEquals(winners.length, 1, JSON.stringify(outcomes));
  for (const o of outcomes) {
    if (o.status === 200) continue;
    assert(
      (o.status === 412 && "code" in o && o.code === "PreconditionFailed") ||
        (o.status === 409 && "code" in o && o.code === "ConditionalRequestConflict"),
      JSON.stringify(o),
    );
  }
  const body = await (await s3.send(new GetObjectCommand({ Bucket: B, Key: "once" }))).Body!
    .transformToString();
  assertEquals(body, `writer ${winners[0].i}`);
});

Deno.test("conditional writes: If-Match on a versioned bucket, and on a multipart completion", async () => {
  await using f = await s3Fixture();
  const { s3 } = f;
  await s3.send(new CreateBucketCommand({ Bucket: B }));
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: B, VersioningConfiguration: { Status: "Enabled" } }),
  );
  const first = await s3.send(new PutObjectCommand({ Bucket: B, Key: "doc", Body: "1" }));
  const second = await s3.send(
    new PutObjectCommand({ Bucket: B, Key: "doc", Body: "2", IfMatch: first.ETag }),
  );
  await assertS3Error(
    () => s3.send(new PutObjectCommand({ Bucket: B, Key: "doc", Body: "3", IfMatch: first.ETag })),
    "PreconditionFailed",
    412,
  );
  await assertS3Error(
    () => s3.send(new PutObjectCommand({ Bucket: B, Key: "doc", Body: "3", IfNoneMatch: "*" })),
    "PreconditionFailed",
    412,
  );
  const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: B }));
  assertEquals(listed.Versions?.map((v) => v.VersionId), [second.VersionId, first.VersionId]);

  const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: "doc" }));
  const part = await s3.send(
    new UploadPartCommand({
      Bucket: B,
      Key: "doc",
      UploadId: up.UploadId,
      PartNumber: 1,
      Body: "m",
    }),
  );
  const complete = (extra = {}) =>
    s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: B,
        Key: "doc",
        UploadId: up.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
        ...extra,
      }),
    );
  await assertS3Error(() => complete({ IfNoneMatch: "*" }), "PreconditionFailed", 412);
  // The refused completion changed nothing: the upload is still there to complete.
  await complete({ IfMatch: second.ETag });
  const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: "doc" }));
  assertEquals(await got.Body!.transformToString(), "m");
});

Deno.test("conditional deletes: If-Match, last-modified time and size, alone and in DeleteObjects", async () => {
  await using f = await s3Fixture();
  const { s3 } = f;
  await s3.send(new CreateBucketCommand({ Bucket: B }));
  const put = await s3.send(new PutObjectCommand({ Bucket: B, Key: "doc", Body: "12345" }));
  const still = async () =>
    await (await s3.send(new GetObjectCommand({ Bucket: B, Key: "doc" }))).Body!
      .transformToString();
  for (
    const wrong of [
      { IfMatch: '"0123456789abcdef0123456789abcdef"' },
      { IfMatchSize: 4 },
      { IfMatchLastModifiedTime: new Date("2001-01-01T00:00:00Z") },
    ]
  ) {
    await assertS3Error(
      () => s3.send(new DeleteObjectCommand({ Bucket: B, Key: "doc", ...wrong })),
      "PreconditionFailed",
      412,
    );
    assertEquals(await still(), "12345", JSON.stringify(wrong));
  }
  const multi = await s3.send(
    new DeleteObjectsCommand({
      Bucket: B,
      Delete: { Objects: [{ Key: "doc", ETag: '"0123456789abcdef0123456789abcdef"' }] },
    }),
  );
  assertEquals(multi.Errors?.map((e) => e.Code), ["PreconditionFailed"]);
  assertEquals(await still(), "12345");
  await s3.send(
    new DeleteObjectCommand({ Bucket: B, Key: "doc", IfMatch: put.ETag, IfMatchSize: 5 }),
  );
  await assertS3Error(() => still(), "NoSuchKey", 404);
  // A condition on a key that holds nothing deletes nothing, and is no error.
  await s3.send(new DeleteObjectCommand({ Bucket: B, Key: "doc", IfMatch: "*" }));
});
