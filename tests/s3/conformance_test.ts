/** Behaviour the ceph s3-tests suite checks, kept as tests of our own. */
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { assertEquals } from "../assert.ts";
import { rawRequest } from "../raw_http.ts";
import { presign, signHeaders } from "../sigv4.ts";
import { assertS3Error, bodyBytes, s3Fixture } from "./client.ts";

const B = "conform";

Deno.test("S3 behaviours from the conformance suite", async (t) => {
  await using f = await s3Fixture();
  const { s3 } = f;
  await s3.send(new CreateBucketCommand({ Bucket: B }));

  await t.step("of two overlapping PUTs, the one that completes last is the object", async () => {
    const size = 3 * 1024 * 1024;
    const url = `${f.node.s3}/${B}/race`;
    const headers = signHeaders("PUT", url, f.key, f.node.region, "UNSIGNED-PAYLOAD", {
      "content-length": String(size),
    });
    let sent = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => release = r);
    const slowBody = new ReadableStream<Uint8Array>({
      async pull(c) {
        if (sent === 2 * 1024 * 1024) await gate;
        if (sent >= size) return c.close();
        c.enqueue(new Uint8Array(1024 * 1024).fill(66));
        sent += 1024 * 1024;
      },
    });
    const slow = rawRequest(url, "PUT", headers, slowBody);
    await new Promise((r) => setTimeout(r, 300));
    await s3.send(new PutObjectCommand({ Bucket: B, Key: "race", Body: "A".repeat(1000) }));
    release();
    assertEquals((await slow)?.status, 200);
    const got = await bodyBytes(
      (await s3.send(new GetObjectCommand({ Bucket: B, Key: "race" }))).Body,
    );
    assertEquals([got.length, got[0], got[size - 1]], [size, 66, 66]);
  });

  await t.step(
    "conditional PUTs: If-None-Match * creates once, If-Match needs the current ETag",
    async () => {
      const first = await s3.send(
        new PutObjectCommand({ Bucket: B, Key: "cond", Body: "1", IfNoneMatch: "*" }),
      );
      await assertS3Error(
        () =>
          s3.send(new PutObjectCommand({ Bucket: B, Key: "cond", Body: "2", IfNoneMatch: "*" })),
        "PreconditionFailed",
        412,
      );
      await assertS3Error(
        () =>
          s3.send(new PutObjectCommand({ Bucket: B, Key: "cond", Body: "2", IfMatch: '"bad"' })),
        "PreconditionFailed",
        412,
      );
      await s3.send(
        new PutObjectCommand({ Bucket: B, Key: "cond", Body: "3", IfMatch: first.ETag }),
      );
      await s3.send(new DeleteObjectCommand({ Bucket: B, Key: "cond" }));
      await assertS3Error(
        () => s3.send(new PutObjectCommand({ Bucket: B, Key: "cond", Body: "4", IfMatch: "*" })),
        "NoSuchKey",
        404,
      );
    },
  );

  await t.step("completing a completed multipart upload again answers the same ETag", async () => {
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: B, Key: "twice" }),
    );
    const p = await s3.send(
      new UploadPartCommand({ Bucket: B, Key: "twice", UploadId, PartNumber: 1, Body: "x" }),
    );
    const complete = () =>
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: B,
          Key: "twice",
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p.ETag }] },
        }),
      );
    const a = await complete();
    const b = await complete();
    assertEquals(b.ETag, a.ETag);
  });

  await t.step("a stated whole-upload checksum must match the composite of the parts", async () => {
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: B, Key: "ck", ChecksumAlgorithm: "SHA256" }),
    );
    const p = await s3.send(
      new UploadPartCommand({
        Bucket: B,
        Key: "ck",
        UploadId,
        PartNumber: 1,
        Body: "A".repeat(1024),
        ChecksumAlgorithm: "SHA256",
      }),
    );
    assertEquals(p.ChecksumSHA256, "arcu6553sHVAiX4MjW0j7I7vD4w6R+Gz9Ok0Q9lTa+0=");
    const complete = (ChecksumSHA256: string) =>
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: B,
          Key: "ck",
          UploadId,
          ChecksumSHA256,
          MultipartUpload: {
            Parts: [{ PartNumber: 1, ETag: p.ETag, ChecksumSHA256: p.ChecksumSHA256 }],
          },
        }),
      );
    await assertS3Error(() => complete("bad"), "BadDigest", 400);
    const done = await complete("Ok6Cs5b96ux6+MWQkJO7UBT5sKPBeXBLwvj/hK89smg=-1");
    assertEquals(done.ChecksumSHA256, "Ok6Cs5b96ux6+MWQkJO7UBT5sKPBeXBLwvj/hK89smg=-1");
    const again = await complete("Ok6Cs5b96ux6+MWQkJO7UBT5sKPBeXBLwvj/hK89smg=-1");
    assertEquals([again.ETag, again.ChecksumSHA256], [done.ETag, done.ChecksumSHA256]);
  });

  await t.step("a bucket whose only content is an open upload can be deleted", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "conform-mpu" }));
    await s3.send(new CreateMultipartUploadCommand({ Bucket: "conform-mpu", Key: "pending" }));
    await s3.send(new DeleteBucketCommand({ Bucket: "conform-mpu" }));
    await assertS3Error(() => s3.send(new HeadBucketCommand({ Bucket: "conform-mpu" })), null, 404);
  });

  await t.step("a URL presigned with a negative lifetime is expired, 403", async () => {
    const res = await fetch(
      presign("GET", `${f.node.s3}/${B}/single`, f.key, f.node.region, -1000),
    );
    assertEquals([res.status, /<Code>AccessDenied<\/Code>/.test(await res.text())], [403, true]);
  });

  await t.step("keys of white space survive DeleteObjects' XML", async () => {
    for (const Key of [" ", "_ _", "<&>"]) {
      await s3.send(new PutObjectCommand({ Bucket: B, Key, Body: "x" }));
    }
    const r = await s3.send(
      new DeleteObjectsCommand({
        Bucket: B,
        Delete: { Objects: [{ Key: " " }, { Key: "_ _" }, { Key: "<&>" }] },
      }),
    );
    assertEquals(r.Deleted?.map((d) => d.Key).sort(), [" ", "<&>", "_ _"]);
    await assertS3Error(() => s3.send(new HeadObjectCommand({ Bucket: B, Key: " " })), null, 404);
  });

  await t.step("a part listed twice at completion counts as its last mention", async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: "dup" }));
    const a = await s3.send(
      new UploadPartCommand({ Bucket: B, Key: "dup", UploadId, PartNumber: 1, Body: "first" }),
    );
    const b = await s3.send(
      new UploadPartCommand({ Bucket: B, Key: "dup", UploadId, PartNumber: 1, Body: "again" }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: B,
        Key: "dup",
        UploadId,
        MultipartUpload: {
          Parts: [{ PartNumber: 1, ETag: a.ETag }, { PartNumber: 1, ETag: b.ETag }],
        },
      }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: "dup" }));
    assertEquals(await got.Body?.transformToString(), "again");
  });

  await t.step(
    "UTF-8 metadata values pass the signature check and come back byte for byte",
    async () => {
      await s3.send(
        new PutObjectCommand({
          Bucket: B,
          Key: "meta",
          Body: "x",
          Metadata: { m: "Hello Worldé" },
        }),
      );
      // HTTP headers are bytes; clients read them one character per byte, as fetch does here.
      const res = await fetch(presign("GET", `${f.node.s3}/${B}/meta`, f.key, f.node.region));
      await res.body?.cancel();
      const raw = res.headers.get("x-amz-meta-m") ?? "";
      assertEquals(
        new TextDecoder().decode(Uint8Array.from(raw, (c) => c.charCodeAt(0))),
        "Hello Worldé",
      );
    },
  );

  await t.step("a key keeps creating and deleting buckets without its entry growing", async () => {
    for (let i = 0; i < 700; i++) {
      await s3.send(new CreateBucketCommand({ Bucket: `cycle-${i}` }));
      await s3.send(new DeleteBucketCommand({ Bucket: `cycle-${i}` }));
    }
    const info = await f.node.api<{ buckets: unknown[] }>(
      "GET",
      `/v2/GetKeyInfo?id=${f.key.accessKeyId}`,
    );
    assertEquals(info.buckets.length, 1, "only the live bucket remains on the key");
  });

  await t.step(
    "a malformed copy-source range is InvalidArgument; one past the end InvalidRange",
    async () => {
      await s3.send(new PutObjectCommand({ Bucket: B, Key: "csrc", Body: "0123456789" }));
      const { UploadId } = await s3.send(
        new CreateMultipartUploadCommand({ Bucket: B, Key: "cdst" }),
      );
      const copy = (CopySourceRange: string) =>
        s3.send(
          new UploadPartCopyCommand({
            Bucket: B,
            Key: "cdst",
            UploadId,
            PartNumber: 1,
            CopySource: `${B}/csrc`,
            CopySourceRange,
          }),
        );
      await assertS3Error(() => copy("bytes=5-2"), "InvalidArgument", 400);
      await assertS3Error(() => copy("0-3"), "InvalidArgument", 400);
      await assertS3Error(() => copy("bytes=5-10"), "InvalidRange", 416);
      await copy("bytes=2-5");
    },
  );

  await t.step("a part number beyond the object's parts is InvalidPart", async () => {
    await s3.send(new PutObjectCommand({ Bucket: B, Key: "single", Body: "body" }));
    await assertS3Error(
      () => s3.send(new GetObjectCommand({ Bucket: B, Key: "single", PartNumber: 2 })),
      "InvalidPart",
      400,
    );
    const whole = await s3.send(new GetObjectCommand({ Bucket: B, Key: "single", PartNumber: 1 }));
    assertEquals(await whole.Body?.transformToString(), "body");
  });

  await t.step("ListBuckets pages with max-buckets and a continuation token", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "conform-2" }));
    const first = await s3.send(new ListBucketsCommand({ MaxBuckets: 1 }));
    assertEquals(first.Buckets?.map((b) => b.Name), [B]);
    const next = await s3.send(
      new ListBucketsCommand({ MaxBuckets: 1, ContinuationToken: first.ContinuationToken }),
    );
    assertEquals([next.Buckets?.map((b) => b.Name), next.ContinuationToken], [
      ["conform-2"],
      undefined,
    ]);
  });

  await t.step("a prefix with a line break comes back as a character reference", async () => {
    // As a raw line break, XML parsers (the JS SDK's among them) would normalize it away.
    const res = await fetch(
      presign("GET", `${f.node.s3}/${B}?list-type=2&prefix=%0A`, f.key, f.node.region),
    );
    const xml = await res.text();
    assertEquals([res.status, xml.includes("<Prefix>&#10;</Prefix>")], [200, true], xml);
  });
});
