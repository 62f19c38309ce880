import {
  ChecksumAlgorithm,
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketAclCommand,
  PutObjectAclCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { assertS3Error, bodyBytes, randomBytes, s3Fixture } from "./client.ts";

const B = "objects";

Deno.test("objects: put, get, head, copy, delete", async (t) => {
  await using f = await s3Fixture({ extraToml: "block_size = 65536" });
  const { s3 } = f;
  await s3.send(new CreateBucketCommand({ Bucket: B }));

  await t.step("small and large bodies read back byte for byte, with the MD5 ETag", async () => {
    for (const size of [0, 1, 3071, 3072, 65536, 65537, 300_000]) {
      const body = randomBytes(size);
      const put = await s3.send(
        new PutObjectCommand({ Bucket: B, Key: `sized/${size}`, Body: body }),
      );
      const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: `sized/${size}` }));
      assertEquals(got.ContentLength, size);
      assertEquals(await bodyBytes(got.Body), body, `object of ${size} bytes`);
      assertEquals(got.ETag, put.ETag);
      assertEquals(put.ETag, `"${createHash("md5").update(body).digest("hex")}"`);
    }
  });

  await t.step("identical content shares blocks on disk", async () => {
    const body = randomBytes(200_000);
    const countBlocks = async () => {
      let n = 0;
      for await (const _ of walk(`${f.node.dir}/data`)) n++;
      return n;
    };
    await s3.send(new PutObjectCommand({ Bucket: B, Key: "dedup/1", Body: body }));
    const before = await countBlocks();
    await s3.send(new PutObjectCommand({ Bucket: B, Key: "dedup/2", Body: body }));
    assertEquals(await countBlocks(), before);
  });

  await t.step(
    "the SDK's default streaming CRC32 upload is verified, stored and returned",
    async () => {
      const body = randomBytes(100_000);
      const put = await s3.send(
        new PutObjectCommand({
          Bucket: B,
          Key: "ck/crc32",
          Body: body,
          ChecksumAlgorithm: ChecksumAlgorithm.CRC32,
        }),
      );
      assert(put.ChecksumCRC32, "PUT answers the checksum");
      const got = await s3.send(
        new GetObjectCommand({ Bucket: B, Key: "ck/crc32", ChecksumMode: "ENABLED" }),
      );
      assertEquals(got.ChecksumCRC32, put.ChecksumCRC32);
      assertEquals(await bodyBytes(got.Body), body);
      for (const alg of ["CRC32C", "SHA1", "SHA256", "CRC64NVME"] as const) {
        const p = await s3.send(
          new PutObjectCommand({ Bucket: B, Key: `ck/${alg}`, Body: body, ChecksumAlgorithm: alg }),
        );
        const h = await s3.send(
          new HeadObjectCommand({ Bucket: B, Key: `ck/${alg}`, ChecksumMode: "ENABLED" }),
        );
        assertEquals(h[`Checksum${alg}`], p[`Checksum${alg}`], alg);
      }
    },
  );

  await t.step("a wrong x-amz-checksum value is refused and nothing is stored", async () => {
    await assertS3Error(
      () =>
        s3.send(
          new PutObjectCommand({
            Bucket: B,
            Key: "ck/bad",
            Body: "hello",
            ChecksumCRC32: "AAAAAA==",
          }),
        ),
      "BadDigest",
      400,
    );
    await assertS3Error(
      () => s3.send(new HeadObjectCommand({ Bucket: B, Key: "ck/bad" })),
      null,
      404,
    );
  });

  await t.step("metadata and content headers come back; response-* overrides apply", async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: B,
        Key: "meta.txt",
        Body: "hello",
        ContentType: "text/plain; charset=utf-8",
        ContentEncoding: "identity",
        ContentDisposition: 'attachment; filename="m.txt"',
        ContentLanguage: "fr",
        CacheControl: "max-age=60",
        Expires: new Date("2030-01-01T00:00:00Z"),
        Metadata: { color: "blue", "with-dash": "x y" },
      }),
    );
    const h = await s3.send(new HeadObjectCommand({ Bucket: B, Key: "meta.txt" }));
    assertEquals(h.ContentType, "text/plain; charset=utf-8");
    assertEquals(h.ContentEncoding, "identity");
    assertEquals(h.ContentDisposition, 'attachment; filename="m.txt"');
    assertEquals(h.ContentLanguage, "fr");
    assertEquals(h.CacheControl, "max-age=60");
    assertEquals(h.Metadata, { color: "blue", "with-dash": "x y" });
    assertEquals(h.ContentLength, 5);
    const g = await s3.send(
      new GetObjectCommand({
        Bucket: B,
        Key: "meta.txt",
        ResponseContentType: "application/x-test",
        ResponseCacheControl: "no-store",
      }),
    );
    assertEquals(g.ContentType, "application/x-test");
    assertEquals(g.CacheControl, "no-store");
  });

  await t.step("ranges: first bytes, middle, suffix, open end, beyond the end", async () => {
    const body = randomBytes(200_000);
    await s3.send(new PutObjectCommand({ Bucket: B, Key: "range", Body: body }));
    const get = async (Range: string) => {
      const r = await s3.send(new GetObjectCommand({ Bucket: B, Key: "range", Range }));
      return { range: r.ContentRange, bytes: await bodyBytes(r.Body) };
    };
    assertEquals(await get("bytes=0-9"), { range: "bytes 0-9/200000", bytes: body.slice(0, 10) });
    assertEquals(await get("bytes=65530-65545"), {
      range: "bytes 65530-65545/200000",
      bytes: body.slice(65530, 65546),
    });
    assertEquals(await get("bytes=-100"), {
      range: "bytes 199900-199999/200000",
      bytes: body.slice(199900),
    });
    assertEquals(await get("bytes=199990-"), {
      range: "bytes 199990-199999/200000",
      bytes: body.slice(199990),
    });
    assertEquals(await get("bytes=199990-300000"), {
      range: "bytes 199990-199999/200000",
      bytes: body.slice(199990),
    });
    await assertS3Error(
      () => s3.send(new GetObjectCommand({ Bucket: B, Key: "range", Range: "bytes=200000-" })),
      "InvalidRange",
      416,
    );
  });

  await t.step(
    "conditional GETs: If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since",
    async () => {
      const put = await s3.send(new PutObjectCommand({ Bucket: B, Key: "cond", Body: "v1" }));
      const etag = put.ETag!;
      const ok = await s3.send(new GetObjectCommand({ Bucket: B, Key: "cond", IfMatch: etag }));
      assertEquals(await ok.Body?.transformToString(), "v1");
      await assertS3Error(
        () => s3.send(new GetObjectCommand({ Bucket: B, Key: "cond", IfMatch: '"nope"' })),
        "PreconditionFailed",
        412,
      );
      await assertS3Error(
        () => s3.send(new GetObjectCommand({ Bucket: B, Key: "cond", IfNoneMatch: etag })),
        null,
        304,
      );
      const future = new Date(Date.now() + 3600_000);
      const past = new Date(Date.now() - 3600_000);
      await assertS3Error(
        () => s3.send(new GetObjectCommand({ Bucket: B, Key: "cond", IfModifiedSince: future })),
        null,
        304,
      );
      await assertS3Error(
        () => s3.send(new GetObjectCommand({ Bucket: B, Key: "cond", IfUnmodifiedSince: past })),
        "PreconditionFailed",
        412,
      );
      const both = await s3.send(
        new GetObjectCommand({ Bucket: B, Key: "cond", IfMatch: etag, IfUnmodifiedSince: past }),
      );
      assertEquals(
        await both.Body?.transformToString(),
        "v1",
        "If-Match that holds overrides If-Unmodified-Since",
      );
    },
  );

  await t.step(
    "keys with any UTF-8, spaces, plus, percent, and 1024 bytes work; 1025 bytes do not",
    async () => {
      const keys = [
        "sp ace",
        "plus+sign",
        "per%cent",
        "uni/çà/日本/🎉",
        "q?u&e=ry#h",
        "tilde~star*",
        "a//b",
        // Dot segments and backslashes are names here, not paths to normalize.
        "dots/../x",
        "./here",
        "..",
        "back\\slash",
        "x".repeat(1024),
      ];
      for (const Key of keys) {
        await s3.send(new PutObjectCommand({ Bucket: B, Key, Body: Key }));
        const g = await s3.send(new GetObjectCommand({ Bucket: B, Key }));
        assertEquals(await g.Body?.transformToString(), Key);
      }
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: B }));
      for (const Key of keys) assert(listed.Contents?.some((c) => c.Key === Key), Key);
      await assertS3Error(
        () => s3.send(new PutObjectCommand({ Bucket: B, Key: "y".repeat(1025), Body: "x" })),
        "KeyTooLongError",
        400,
      );
    },
  );

  await t.step("CopyObject keeps metadata (COPY) or takes new metadata (REPLACE)", async () => {
    const body = randomBytes(150_000);
    await s3.send(
      new PutObjectCommand({
        Bucket: B,
        Key: "src",
        Body: body,
        ContentType: "image/png",
        Metadata: { a: "1" },
      }),
    );
    const c1 = await s3.send(
      new CopyObjectCommand({ Bucket: B, Key: "dst1", CopySource: `${B}/src` }),
    );
    const h1 = await s3.send(new HeadObjectCommand({ Bucket: B, Key: "dst1" }));
    assertEquals([h1.ContentType, h1.Metadata, h1.ETag], [
      "image/png",
      { a: "1" },
      c1.CopyObjectResult?.ETag,
    ]);
    await s3.send(
      new CopyObjectCommand({
        Bucket: B,
        Key: "dst2",
        CopySource: `${B}/src`,
        MetadataDirective: "REPLACE",
        ContentType: "text/plain",
        Metadata: { b: "2" },
      }),
    );
    const h2 = await s3.send(new HeadObjectCommand({ Bucket: B, Key: "dst2" }));
    assertEquals([h2.ContentType, h2.Metadata], ["text/plain", { b: "2" }]);
    assertEquals(
      await bodyBytes((await s3.send(new GetObjectCommand({ Bucket: B, Key: "dst2" }))).Body),
      body,
    );
    await s3.send(new DeleteObjectCommand({ Bucket: B, Key: "src" }));
    assertEquals(
      await bodyBytes((await s3.send(new GetObjectCommand({ Bucket: B, Key: "dst1" }))).Body),
      body,
      "a copy outlives its source",
    );
  });

  await t.step("copy-source conditions and self-copy rules", async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: B, Key: "csrc", Body: "c" }));
    await assertS3Error(
      () =>
        s3.send(
          new CopyObjectCommand({
            Bucket: B,
            Key: "cd",
            CopySource: `${B}/csrc`,
            CopySourceIfMatch: '"x"',
          }),
        ),
      "PreconditionFailed",
      412,
    );
    await assertS3Error(
      () =>
        s3.send(
          new CopyObjectCommand({
            Bucket: B,
            Key: "cd",
            CopySource: `${B}/csrc`,
            CopySourceIfNoneMatch: put.ETag,
          }),
        ),
      "PreconditionFailed",
      412,
    );
    await s3.send(
      new CopyObjectCommand({
        Bucket: B,
        Key: "cd",
        CopySource: `${B}/csrc`,
        CopySourceIfMatch: put.ETag,
      }),
    );
    await assertS3Error(
      () => s3.send(new CopyObjectCommand({ Bucket: B, Key: "csrc", CopySource: `${B}/csrc` })),
      "InvalidRequest",
      400,
    );
    await s3.send(
      new CopyObjectCommand({
        Bucket: B,
        Key: "csrc",
        CopySource: `${B}/csrc`,
        MetadataDirective: "REPLACE",
        ContentType: "text/x",
      }),
    );
    await assertS3Error(
      () => s3.send(new CopyObjectCommand({ Bucket: B, Key: "cd", CopySource: `${B}/missing` })),
      "NoSuchKey",
      404,
    );
  });

  await t.step(
    "object ACLs: canned ones apply, grants naming users are refused, the data is untouched",
    async () => {
      await s3.send(new PutObjectCommand({ Bucket: B, Key: "acl", Body: "keep me" }));
      const acl = await s3.send(new GetObjectAclCommand({ Bucket: B, Key: "acl" }));
      assertEquals(acl.Grants?.map((g) => g.Permission), ["FULL_CONTROL"]);
      await s3.send(new PutObjectAclCommand({ Bucket: B, Key: "acl", ACL: "private" }));
      await assertS3Error(
        () =>
          s3.send(new PutObjectAclCommand({ Bucket: B, Key: "acl", GrantRead: 'id="someone"' })),
        "NotImplemented",
        501,
      );
      await s3.send(new PutBucketAclCommand({ Bucket: B, ACL: "private" }));
      const g = await s3.send(new GetObjectCommand({ Bucket: B, Key: "acl" }));
      assertEquals(await g.Body?.transformToString(), "keep me");
    },
  );

  await t.step("DeleteObject is idempotent; GET after delete is NoSuchKey", async () => {
    await s3.send(new PutObjectCommand({ Bucket: B, Key: "gone", Body: "x" }));
    await s3.send(new DeleteObjectCommand({ Bucket: B, Key: "gone" }));
    await s3.send(new DeleteObjectCommand({ Bucket: B, Key: "gone" }));
    await assertS3Error(
      () => s3.send(new GetObjectCommand({ Bucket: B, Key: "gone" })),
      "NoSuchKey",
      404,
    );
  });

  await t.step("DeleteObjects verbose lists what it deleted; quiet lists nothing", async () => {
    for (const k of ["d1", "d2", "d3"]) {
      await s3.send(new PutObjectCommand({ Bucket: B, Key: `del/${k}`, Body: k }));
    }
    const v = await s3.send(
      new DeleteObjectsCommand({
        Bucket: B,
        Delete: { Objects: [{ Key: "del/d1" }, { Key: "del/none" }] },
      }),
    );
    assertEquals(v.Deleted?.map((d) => d.Key).sort(), ["del/d1", "del/none"]);
    const q = await s3.send(
      new DeleteObjectsCommand({
        Bucket: B,
        Delete: { Quiet: true, Objects: [{ Key: "del/d2" }, { Key: "del/d3" }] },
      }),
    );
    assertEquals(q.Deleted ?? [], []);
    await assertS3Error(
      () => s3.send(new HeadObjectCommand({ Bucket: B, Key: "del/d3" })),
      null,
      404,
    );
  });

  await t.step("DeleteObjects with 1001 keys is MalformedXML and deletes nothing", async () => {
    await s3.send(new PutObjectCommand({ Bucket: B, Key: "keep", Body: "k" }));
    const Objects = Array.from({ length: 1001 }, (_, i) => ({ Key: i === 0 ? "keep" : `k${i}` }));
    await assertS3Error(
      () => s3.send(new DeleteObjectsCommand({ Bucket: B, Delete: { Objects } })),
      "MalformedXML",
      400,
    );
    await s3.send(new HeadObjectCommand({ Bucket: B, Key: "keep" }));
  });

  await t.step("presigned GET and PUT URLs work with plain HTTP clients", async () => {
    const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: B, Key: "pre/sign d" }), {
      expiresIn: 600,
    });
    const r1 = await fetch(putUrl, { method: "PUT", body: "presigned body" });
    assertEquals(r1.status, 200, await r1.text());
    const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: B, Key: "pre/sign d" }), {
      expiresIn: 7 * 24 * 3600,
    });
    const r2 = await fetch(getUrl);
    assertEquals([r2.status, await r2.text()], [200, "presigned body"]);
    const tampered = getUrl.replace("pre/sign%20d", "pre/other");
    const r3 = await fetch(tampered);
    assertEquals(r3.status, 403);
    assert((await r3.text()).includes("<Code>SignatureDoesNotMatch</Code>"));
  });

  await t.step("every response names its request: reads, 304s, writes and errors", async () => {
    const sign = (command: GetObjectCommand | HeadObjectCommand | PutObjectCommand) =>
      getSignedUrl(s3, command, { expiresIn: 600 });
    const put = await s3.send(new PutObjectCommand({ Bucket: B, Key: "ids", Body: "ids" }));
    const get = await sign(new GetObjectCommand({ Bucket: B, Key: "ids" }));
    const responses = [
      await fetch(get),
      await fetch(await sign(new HeadObjectCommand({ Bucket: B, Key: "ids" })), { method: "HEAD" }),
      await fetch(get, { headers: { range: "bytes=0-0" } }),
      await fetch(get, { headers: { "if-none-match": put.ETag! } }),
      await fetch(await sign(new GetObjectCommand({ Bucket: B, Key: "absent" }))),
      await fetch(await sign(new PutObjectCommand({ Bucket: B, Key: "ids" })), {
        method: "PUT",
        body: "again",
      }),
    ];
    assertEquals(responses.map((r) => r.status), [200, 200, 206, 304, 404, 200]);
    const ids = new Set<string>();
    for (const res of responses) {
      await res.body?.cancel();
      const id = res.headers.get("x-amz-request-id");
      assertMatch(id ?? "", /^[0-9A-F]{16}$/, `${res.status} without a request id`);
      assertEquals(res.headers.get("x-amz-id-2"), id);
      ids.add(id!);
    }
    assertEquals(ids.size, responses.length);
  });

  await t.step("GET of a missing key or bucket gives the S3 error", async () => {
    await assertS3Error(
      () => s3.send(new GetObjectCommand({ Bucket: B, Key: "missing" })),
      "NoSuchKey",
      404,
    );
    await assertS3Error(
      () => s3.send(new GetObjectCommand({ Bucket: "nobucket", Key: "x" })),
      "NoSuchBucket",
      404,
    );
  });

  await t.step(
    "metrics count the object bytes GETs send, ranges as sent, HEADs as none",
    async () => {
      const bytesOut = async () => {
        const res = await fetch(`${f.node.admin}/metrics`, {
          headers: { authorization: "Bearer test-metrics-token" },
        });
        return Number(/^s3_bytes_out_total (\d+)$/m.exec(await res.text())?.[1] ?? 0);
      };
      await s3.send(new PutObjectCommand({ Bucket: B, Key: "metered", Body: randomBytes(5000) }));
      const before = await bytesOut();
      await bodyBytes((await s3.send(new GetObjectCommand({ Bucket: B, Key: "metered" }))).Body);
      const ranged = await s3.send(
        new GetObjectCommand({ Bucket: B, Key: "metered", Range: "bytes=100-199" }),
      );
      await bodyBytes(ranged.Body);
      assertMatch(ranged.$metadata.requestId ?? "", /^[0-9A-F]{16}$/);
      await s3.send(new HeadObjectCommand({ Bucket: B, Key: "metered" }));
      assertEquals((await bytesOut()) - before, 5100);
    },
  );
});

Deno.test("objects: 1 MiB blocks, read from disk in pieces, read back whole and in ranges", async () => {
  await using f = await s3Fixture();
  const { s3 } = f;
  await s3.send(new CreateBucketCommand({ Bucket: B }));
  const MiB = 1024 * 1024;
  const body = randomBytes(2 * MiB + 300_000);
  await s3.send(new PutObjectCommand({ Bucket: B, Key: "big", Body: body }));
  const get = async (Range?: string) =>
    await bodyBytes((await s3.send(new GetObjectCommand({ Bucket: B, Key: "big", Range }))).Body);
  assertEquals(await get(), body);
  // Across the pieces of one block (256 KiB), across blocks, and from inside the last one.
  for (const [start, end] of [[262_140, 262_150], [MiB - 5, MiB + 5], [100, 700_000]]) {
    assertEquals(await get(`bytes=${start}-${end}`), body.slice(start, end + 1), `${start}-${end}`);
  }
  assertEquals(await get("bytes=-70000"), body.slice(body.length - 70_000));
});

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) yield* walk(p);
    else yield p;
  }
}
