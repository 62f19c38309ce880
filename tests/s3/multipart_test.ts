import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { concatBytes } from "../../server/util/bytes.ts";
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { assert, assertEquals } from "../assert.ts";
import { assertS3Error, bodyBytes, randomBytes, s3Fixture } from "./client.ts";

const B = "mpu";
const MiB = 1024 * 1024;

Deno.test("multipart uploads", async (t) => {
  await using f = await s3Fixture();
  const { s3 } = f;
  await s3.send(new CreateBucketCommand({ Bucket: B }));

  await t.step(
    "parts (with a skipped part number) complete into one object with the md5-of-md5s ETag",
    async () => {
      const { UploadId } = await s3.send(
        new CreateMultipartUploadCommand({
          Bucket: B,
          Key: "big",
          ContentType: "video/mp4",
          Metadata: { m: "1" },
        }),
      );
      const p1 = randomBytes(5 * MiB);
      const p3 = randomBytes(5 * MiB + 123);
      const p4 = randomBytes(1000);
      const etags: string[] = [];
      for (const [n, body] of [[1, p1], [3, p3], [4, p4]] as const) {
        const r = await s3.send(
          new UploadPartCommand({ Bucket: B, Key: "big", UploadId, PartNumber: n, Body: body }),
        );
        etags.push(r.ETag!);
      }
      const parts = await s3.send(new ListPartsCommand({ Bucket: B, Key: "big", UploadId }));
      assertEquals(parts.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag]), [
        [1, p1.length, etags[0]],
        [3, p3.length, etags[1]],
        [4, p4.length, etags[2]],
      ]);
      const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: B }));
      assertEquals(uploads.Uploads?.map((u) => [u.Key, u.UploadId]), [["big", UploadId]]);
      const done = await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: B,
          Key: "big",
          UploadId,
          MultipartUpload: {
            Parts: [{ PartNumber: 1, ETag: etags[0] }, { PartNumber: 3, ETag: etags[1] }, {
              PartNumber: 4,
              ETag: etags[2],
            }],
          },
        }),
      );
      const md5s = createHash("md5");
      for (const e of etags) md5s.update(Buffer.from(e.replaceAll('"', ""), "hex"));
      assertEquals(done.ETag, `"${md5s.digest("hex")}-3"`);
      const g = await s3.send(new GetObjectCommand({ Bucket: B, Key: "big" }));
      assertEquals([g.ContentType, g.Metadata, g.ContentLength], [
        "video/mp4",
        { m: "1" },
        p1.length + p3.length + p4.length,
      ]);
      assertEquals(await bodyBytes(g.Body), concatBytes([p1, p3, p4]));
      // Parts keep the numbers they were uploaded with, gaps included (as Garage does).
      const part3 = await s3.send(new GetObjectCommand({ Bucket: B, Key: "big", PartNumber: 3 }));
      assertEquals([part3.ContentLength, part3.PartsCount], [p3.length, 3]);
      assertEquals(await bodyBytes(part3.Body), p3);
      assertEquals(
        (await s3.send(new ListMultipartUploadsCommand({ Bucket: B }))).Uploads ?? [],
        [],
      );
    },
  );

  await t.step("a re-uploaded part replaces the earlier one", async () => {
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: B, Key: "redo" }),
    );
    await s3.send(
      new UploadPartCommand({ Bucket: B, Key: "redo", UploadId, PartNumber: 1, Body: "first" }),
    );
    const r = await s3.send(
      new UploadPartCommand({ Bucket: B, Key: "redo", UploadId, PartNumber: 1, Body: "second" }),
    );
    const parts = await s3.send(new ListPartsCommand({ Bucket: B, Key: "redo", UploadId }));
    assertEquals(parts.Parts?.map((p) => p.ETag), [r.ETag]);
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: B,
        Key: "redo",
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: r.ETag }] },
      }),
    );
    const g = await s3.send(new GetObjectCommand({ Bucket: B, Key: "redo" }));
    assertEquals(await g.Body?.transformToString(), "second");
  });

  await t.step(
    "completion refuses wrong ETags, unknown parts, wrong order and small parts",
    async () => {
      const { UploadId } = await s3.send(
        new CreateMultipartUploadCommand({ Bucket: B, Key: "bad" }),
      );
      const a = await s3.send(
        new UploadPartCommand({ Bucket: B, Key: "bad", UploadId, PartNumber: 1, Body: "small" }),
      );
      const b = await s3.send(
        new UploadPartCommand({ Bucket: B, Key: "bad", UploadId, PartNumber: 2, Body: "tail" }),
      );
      const complete = (Parts: Array<{ PartNumber: number; ETag?: string }>) =>
        s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: B,
            Key: "bad",
            UploadId,
            MultipartUpload: { Parts },
          }),
        );
      await assertS3Error(() => complete([{ PartNumber: 1, ETag: '"0000"' }]), "InvalidPart", 400);
      await assertS3Error(() => complete([{ PartNumber: 7, ETag: a.ETag }]), "InvalidPart", 400);
      await assertS3Error(
        () => complete([{ PartNumber: 2, ETag: b.ETag }, { PartNumber: 1, ETag: a.ETag }]),
        "InvalidPartOrder",
        400,
      );
      await assertS3Error(
        () => complete([{ PartNumber: 1, ETag: a.ETag }, { PartNumber: 2, ETag: b.ETag }]),
        "EntityTooSmall",
        400,
      );
      await assertS3Error(
        () => s3.send(new HeadObjectCommand({ Bucket: B, Key: "bad" })),
        null,
        404,
      );
      await s3.send(new AbortMultipartUploadCommand({ Bucket: B, Key: "bad", UploadId }));
      await assertS3Error(
        () => s3.send(new ListPartsCommand({ Bucket: B, Key: "bad", UploadId })),
        "NoSuchUpload",
        404,
      );
      await assertS3Error(
        () =>
          s3.send(
            new UploadPartCommand({ Bucket: B, Key: "bad", UploadId, PartNumber: 1, Body: "x" }),
          ),
        "NoSuchUpload",
        404,
      );
    },
  );

  await t.step("part numbers outside 1..10000 are refused", async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: "pn" }));
    await assertS3Error(
      () =>
        s3.send(
          new UploadPartCommand({ Bucket: B, Key: "pn", UploadId, PartNumber: 10001, Body: "x" }),
        ),
      "InvalidArgument",
      400,
    );
    await assertS3Error(
      () =>
        s3.send(
          new UploadPartCommand({ Bucket: B, Key: "pn", UploadId, PartNumber: 0, Body: "x" }),
        ),
      "InvalidArgument",
      400,
    );
  });

  await t.step("UploadPartCopy copies a byte range of another object", async () => {
    const src = randomBytes(6 * MiB);
    await s3.send(new PutObjectCommand({ Bucket: B, Key: "copysrc", Body: src }));
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: B, Key: "assembled" }),
    );
    const c1 = await s3.send(
      new UploadPartCopyCommand({
        Bucket: B,
        Key: "assembled",
        UploadId,
        PartNumber: 1,
        CopySource: `${B}/copysrc`,
        CopySourceRange: `bytes=0-${5 * MiB - 1}`,
      }),
    );
    const c2 = await s3.send(
      new UploadPartCopyCommand({
        Bucket: B,
        Key: "assembled",
        UploadId,
        PartNumber: 2,
        CopySource: `${B}/copysrc`,
        CopySourceRange: "bytes=100-199",
      }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: B,
        Key: "assembled",
        UploadId,
        MultipartUpload: {
          Parts: [{ PartNumber: 1, ETag: c1.CopyPartResult?.ETag }, {
            PartNumber: 2,
            ETag: c2.CopyPartResult?.ETag,
          }],
        },
      }),
    );
    const g = await s3.send(new GetObjectCommand({ Bucket: B, Key: "assembled" }));
    assertEquals(
      await bodyBytes(g.Body),
      concatBytes([src.slice(0, 5 * MiB), src.slice(100, 200)]),
    );
    await assertS3Error(
      () =>
        s3.send(
          new UploadPartCopyCommand({
            Bucket: B,
            Key: "assembled",
            UploadId: "0".repeat(64),
            PartNumber: 1,
            CopySource: `${B}/copysrc`,
          }),
        ),
      "NoSuchUpload",
      404,
    );
  });

  await t.step("multipart checksums are composite and returned", async () => {
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: B, Key: "ck", ChecksumAlgorithm: "SHA256" }),
    );
    const p = await s3.send(
      new UploadPartCommand({
        Bucket: B,
        Key: "ck",
        UploadId,
        PartNumber: 1,
        Body: "only part",
        ChecksumAlgorithm: "SHA256",
      }),
    );
    assert(p.ChecksumSHA256);
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: B,
        Key: "ck",
        UploadId,
        MultipartUpload: {
          Parts: [{ PartNumber: 1, ETag: p.ETag, ChecksumSHA256: p.ChecksumSHA256 }],
        },
      }),
    );
    assert(done.ChecksumSHA256?.endsWith("-1"), `composite checksum ${done.ChecksumSHA256}`);
  });
});
