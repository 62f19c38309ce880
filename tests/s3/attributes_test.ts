import {
  ChecksumAlgorithm,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectAttributesCommand,
  HeadObjectCommand,
  ObjectAttributes,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { sha256Hex, signHeaders } from "../sigv4.ts";
import { assertS3Error, randomBytes, s3Fixture } from "./client.ts";

const B = "attrs";
const MiB = 1024 * 1024;
const ALL = [
  ObjectAttributes.ETAG,
  ObjectAttributes.CHECKSUM,
  ObjectAttributes.OBJECT_PARTS,
  ObjectAttributes.STORAGE_CLASS,
  ObjectAttributes.OBJECT_SIZE,
];

Deno.test("GetObjectAttributes", async (t) => {
  await using f = await s3Fixture();
  const { s3, node, key } = f;
  await s3.send(new CreateBucketCommand({ Bucket: B }));

  /** A header-signed GET of `path` with these extra headers. */
  const rawGet = (path: string, extra: Record<string, string>) => {
    const u = `${node.s3}/${B}/${path}`;
    return fetch(u, { headers: signHeaders("GET", u, key, node.region, sha256Hex(""), extra) });
  };

  /** A header-signed PUT of `body` to `path`; answers the status. */
  const rawPut = async (path: string, body: string) => {
    const u = `${node.s3}/${B}/${path}`;
    const res = await fetch(u, {
      method: "PUT",
      body,
      headers: signHeaders("PUT", u, key, node.region, sha256Hex(body)),
    });
    await res.body?.cancel();
    return res.status;
  };

  await t.step("a simple object: ETag without quotes, size, storage class, checksum", async () => {
    const body = randomBytes(100_000);
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: B,
        Key: "simple",
        Body: body,
        ChecksumAlgorithm: ChecksumAlgorithm.CRC32,
      }),
    );
    assert(put.ChecksumCRC32, "PUT answers the checksum");
    const a = await s3.send(
      new GetObjectAttributesCommand({ Bucket: B, Key: "simple", ObjectAttributes: ALL }),
    );
    assertEquals(a.ETag, createHash("md5").update(body).digest("hex"));
    assertEquals(`"${a.ETag}"`, put.ETag);
    assertEquals(a.ObjectSize, body.length);
    assertEquals(a.StorageClass, "STANDARD");
    assertEquals(a.Checksum?.ChecksumCRC32, put.ChecksumCRC32);
    assertEquals(a.Checksum?.ChecksumType, "FULL_OBJECT");
    assertEquals(a.ObjectParts, undefined, "no parts for an object not made by multipart upload");
    const head = await s3.send(new HeadObjectCommand({ Bucket: B, Key: "simple" }));
    assertEquals(a.LastModified?.getTime(), head.LastModified?.getTime());
  });

  await t.step("only the requested attributes are answered", async () => {
    const a = await s3.send(
      new GetObjectAttributesCommand({
        Bucket: B,
        Key: "simple",
        ObjectAttributes: [ObjectAttributes.OBJECT_SIZE],
      }),
    );
    assertEquals(a.ObjectSize, 100_000);
    assertEquals([a.ETag, a.Checksum, a.StorageClass, a.ObjectParts], [
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    const res = await rawGet("simple?attributes", {
      "x-amz-object-attributes": "etag, ObjectSize",
    });
    assertEquals(res.status, 200);
    const xml = await res.text();
    assertMatch(
      xml,
      /^<\?xml[^>]*\?><GetObjectAttributesResponse xmlns="http:\/\/s3\.amazonaws\.com\/doc\/2006-03-01\/"><ETag>[0-9a-f]{32}<\/ETag><ObjectSize>100000<\/ObjectSize><\/GetObjectAttributesResponse>$/,
    );
  });

  await t.step("an object without a checksum has no Checksum element", async () => {
    // Written without the SDK, which adds a CRC32 to every upload.
    assertEquals(await rawPut("plain", "hello"), 200);
    const res = await rawGet("plain?attributes", { "x-amz-object-attributes": "Checksum,ETag" });
    assertEquals(res.status, 200);
    const xml = await res.text();
    assert(!xml.includes("<Checksum>"), xml);
    assert(xml.includes(`<ETag>${createHash("md5").update("hello").digest("hex")}</ETag>`), xml);
  });

  await t.step("a multipart object of 3 parts lists its parts, page by page", async () => {
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: B,
        Key: "mpu",
        ChecksumAlgorithm: ChecksumAlgorithm.CRC32,
      }),
    );
    const bodies = [randomBytes(5 * MiB), randomBytes(5 * MiB + 7), randomBytes(1000)];
    const parts = [];
    for (const [i, body] of bodies.entries()) {
      const r = await s3.send(
        new UploadPartCommand({
          Bucket: B,
          Key: "mpu",
          UploadId,
          PartNumber: i + 1,
          Body: body,
          ChecksumAlgorithm: ChecksumAlgorithm.CRC32,
        }),
      );
      parts.push({ PartNumber: i + 1, ETag: r.ETag, ChecksumCRC32: r.ChecksumCRC32 });
    }
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: B,
        Key: "mpu",
        UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    const sizes = bodies.map((b) => b.length);
    const total = sizes.reduce((a, b) => a + b, 0);

    const a = await s3.send(
      new GetObjectAttributesCommand({ Bucket: B, Key: "mpu", ObjectAttributes: ALL }),
    );
    assertEquals(`"${a.ETag}"`, done.ETag);
    assertMatch(a.ETag!, /-3$/);
    assertEquals(a.ObjectSize, total);
    assertEquals(a.StorageClass, "STANDARD");
    assertEquals(a.Checksum?.ChecksumCRC32, done.ChecksumCRC32);
    assertEquals(a.Checksum?.ChecksumType, "COMPOSITE");
    const op = a.ObjectParts!;
    assertEquals(op.TotalPartsCount, 3);
    assertEquals(Number(op.PartNumberMarker), 0);
    assertEquals(Number(op.NextPartNumberMarker), 3);
    assertEquals(op.MaxParts, 1000);
    assertEquals(op.IsTruncated, false);
    assertEquals(op.Parts?.map((p) => [p.PartNumber, p.Size]), [[1, sizes[0]], [2, sizes[1]], [
      3,
      sizes[2],
    ]]);
    // Each part keeps the checksum its upload answered.
    assert(parts.every((p) => p.ChecksumCRC32), "UploadPart answers each part's checksum");
    assertEquals(
      op.Parts?.map((p) => p.ChecksumCRC32),
      parts.map((p) => p.ChecksumCRC32),
    );

    const page1 = await s3.send(
      new GetObjectAttributesCommand({
        Bucket: B,
        Key: "mpu",
        ObjectAttributes: [ObjectAttributes.OBJECT_PARTS],
        MaxParts: 2,
      }),
    );
    assertEquals(page1.ObjectParts?.TotalPartsCount, 3);
    assertEquals(page1.ObjectParts?.MaxParts, 2);
    assertEquals(page1.ObjectParts?.IsTruncated, true);
    assertEquals(page1.ObjectParts?.Parts?.map((p) => p.PartNumber), [1, 2]);
    assertEquals(Number(page1.ObjectParts?.NextPartNumberMarker), 2);
    assertEquals(page1.ETag, undefined);

    const page2 = await s3.send(
      new GetObjectAttributesCommand({
        Bucket: B,
        Key: "mpu",
        ObjectAttributes: [ObjectAttributes.OBJECT_PARTS],
        MaxParts: 2,
        PartNumberMarker: page1.ObjectParts?.NextPartNumberMarker,
      }),
    );
    assertEquals(Number(page2.ObjectParts?.PartNumberMarker), 2);
    assertEquals(page2.ObjectParts?.IsTruncated, false);
    assertEquals(page2.ObjectParts?.Parts?.map((p) => [p.PartNumber, p.Size]), [[3, sizes[2]]]);
    assertEquals(Number(page2.ObjectParts?.NextPartNumberMarker), 3);

    const past = await s3.send(
      new GetObjectAttributesCommand({
        Bucket: B,
        Key: "mpu",
        ObjectAttributes: [ObjectAttributes.OBJECT_PARTS],
        PartNumberMarker: "3",
      }),
    );
    assertEquals(past.ObjectParts?.TotalPartsCount, 3);
    assertEquals(past.ObjectParts?.IsTruncated, false);
    assertEquals(past.ObjectParts?.Parts ?? [], []);
  });

  await t.step("a missing or empty x-amz-object-attributes header is InvalidArgument", async () => {
    const cases: Record<string, string>[] = [
      {},
      { "x-amz-object-attributes": "" },
      { "x-amz-object-attributes": " , " },
    ];
    for (const extra of cases) {
      const res = await rawGet("simple?attributes", extra);
      assertEquals(res.status, 400, JSON.stringify(extra));
      assertMatch(await res.text(), /<Code>InvalidArgument<\/Code>/);
    }
  });

  await t.step("an unknown attribute name is InvalidArgument", async () => {
    await assertS3Error(
      () =>
        s3.send(
          new GetObjectAttributesCommand({
            Bucket: B,
            Key: "simple",
            ObjectAttributes: ["ETag", "Colour" as ObjectAttributes],
          }),
        ),
      "InvalidArgument",
      400,
    );
  });

  await t.step(
    "invalid x-amz-max-parts or x-amz-part-number-marker is InvalidArgument",
    async () => {
      const cases: Record<string, string>[] = [
        { "x-amz-max-parts": "-1" },
        { "x-amz-max-parts": "lots" },
        { "x-amz-part-number-marker": "1.5" },
        { "x-amz-part-number-marker": "" },
      ];
      for (const extra of cases) {
        const res = await rawGet("mpu?attributes", {
          "x-amz-object-attributes": "ObjectParts",
          ...extra,
        });
        assertEquals(res.status, 400, JSON.stringify(extra));
        assertMatch(await res.text(), /<Code>InvalidArgument<\/Code>/);
      }
    },
  );

  await t.step(
    "?attributes on a bucket or with another method is no listing or write",
    async () => {
      const bucketUrl = `${node.s3}/${B}?attributes`;
      const listing = await fetch(bucketUrl, {
        headers: signHeaders("GET", bucketUrl, key, node.region, sha256Hex(""), {
          "x-amz-object-attributes": "ETag",
        }),
      });
      assertEquals(listing.status, 400);
      await listing.body?.cancel();
      assertEquals(await rawPut("simple?attributes", "overwrite"), 405);
      const a = await s3.send(
        new GetObjectAttributesCommand({
          Bucket: B,
          Key: "simple",
          ObjectAttributes: ["ObjectSize"],
        }),
      );
      assertEquals(a.ObjectSize, 100_000);
    },
  );

  await t.step("an unknown key is NoSuchKey", async () => {
    await assertS3Error(
      () =>
        s3.send(
          new GetObjectAttributesCommand({ Bucket: B, Key: "nothing", ObjectAttributes: ALL }),
        ),
      "NoSuchKey",
      404,
    );
  });

  await t.step("a key without read permission is refused", async () => {
    const other = await node.createKey("no-rights");
    await assertS3Error(
      () =>
        f.client(other).send(
          new GetObjectAttributesCommand({ Bucket: B, Key: "simple", ObjectAttributes: ALL }),
        ),
      "AccessDenied",
      403,
    );
  });
});
