/** Every malformed or hostile request gets its exact S3 error, and the node keeps serving. */
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { rawRequest } from "../raw_http.ts";
import { presign, sha256Hex, signChunked, signHeaders } from "../sigv4.ts";
import { assertS3Error, errorOf, s3Fixture } from "./client.ts";

const B = "bad";

Deno.test("bad input gets exact S3 errors", async (t) => {
  await using f = await s3Fixture();
  const { s3, node, key } = f;
  await s3.send(new CreateBucketCommand({ Bucket: B }));
  const url = (path: string) => `${node.s3}/${B}/${path}`;

  await t.step(
    "a wrong secret is SignatureDoesNotMatch; an unknown key is InvalidAccessKeyId",
    async () => {
      const wrong = f.client({ accessKeyId: key.accessKeyId, secretAccessKey: "0".repeat(64) });
      await assertS3Error(
        () => wrong.send(new ListObjectsV2Command({ Bucket: B })),
        "SignatureDoesNotMatch",
        403,
      );
      const unknown = f.client({
        accessKeyId: "GK000000000000000000000000",
        secretAccessKey: "0".repeat(64),
      });
      await assertS3Error(
        () => unknown.send(new ListObjectsV2Command({ Bucket: B })),
        "InvalidAccessKeyId",
        403,
      );
    },
  );

  await t.step("a request for another region names the expected one", async () => {
    const other = f.client(key, "us-east-1");
    const e = await assertS3Error(
      () => other.send(new ListObjectsV2Command({ Bucket: B })),
      "AuthorizationHeaderMalformed",
      400,
    );
    assertMatch(e.message, /garage/);
  });

  await t.step("anonymous requests are refused", async () => {
    assertEquals(await errorOf(await fetch(url("x"))), { status: 403, code: "AccessDenied" });
  });

  await t.step(
    "an expired presigned URL is AccessDenied; more than 7 days is refused",
    async () => {
      await s3.send(new PutObjectCommand({ Bucket: B, Key: "p", Body: "p" }));
      const old = presign("GET", url("p"), key, node.region, 60, new Date(Date.now() - 120_000));
      assertEquals(await errorOf(await fetch(old)), { status: 403, code: "AccessDenied" });
      const long = presign("GET", url("p"), key, node.region, 7 * 24 * 3600 + 1);
      assertEquals(await errorOf(await fetch(long)), {
        status: 400,
        code: "AuthorizationQueryParametersError",
      });
    },
  );

  await t.step(
    "a payload hash that does not match the body is refused and stores nothing",
    async () => {
      const body = "the real body";
      const headers = signHeaders("PUT", url("hash"), key, node.region, sha256Hex("another body"));
      assertEquals(await errorOf(await fetch(url("hash"), { method: "PUT", headers, body })), {
        status: 400,
        code: "XAmzContentSHA256Mismatch",
      });
      await assertS3Error(
        () => s3.send(new HeadObjectCommand({ Bucket: B, Key: "hash" })),
        null,
        404,
      );
    },
  );

  await t.step("signed aws-chunked uploads are decoded; a tampered chunk is refused", async () => {
    const data = new TextEncoder().encode("0123456789".repeat(10_000));
    const ok = signChunked(url("chunked"), key, node.region, data, 8192);
    const r1 = await fetch(url("chunked"), {
      method: "PUT",
      headers: ok.headers,
      body: ok.body as BodyInit,
    });
    assertEquals(r1.status, 200, await r1.text());
    const g = await fetch(presign("GET", url("chunked"), key, node.region));
    assertEquals(new Uint8Array(await g.arrayBuffer()), data);

    const bad = signChunked(url("tampered"), key, node.region, data, 8192);
    bad.body[bad.body.length - 200] ^= 1;
    const r2 = await fetch(url("tampered"), {
      method: "PUT",
      headers: bad.headers,
      body: bad.body as BodyInit,
    });
    assertEquals(await errorOf(r2), { status: 403, code: "SignatureDoesNotMatch" });
    await assertS3Error(
      () => s3.send(new HeadObjectCommand({ Bucket: B, Key: "tampered" })),
      null,
      404,
    );
  });

  await t.step(
    "an aws-chunked body longer or shorter than its decoded length is refused, and not stored",
    async () => {
      const data = new TextEncoder().encode("abcdefghij".repeat(200));
      const cases = [
        ["claims-less", 100, "InvalidRequest"],
        ["claims-more", 5000, "IncompleteBody"],
      ] as const;
      for (const [name, claimed, code] of cases) {
        const req = signChunked(url(name), key, node.region, data, 512, new Date(), claimed);
        const res = await fetch(url(name), {
          method: "PUT",
          headers: req.headers,
          body: req.body as BodyInit,
        });
        assertEquals(await errorOf(res), { status: 400, code }, name);
        await assertS3Error(
          () => s3.send(new HeadObjectCommand({ Bucket: B, Key: name })),
          null,
          404,
        );
      }
    },
  );

  await t.step("a Content-MD5 mismatch is BadDigest; a malformed one InvalidDigest", async () => {
    const body = "md5 body";
    const h1 = signHeaders("PUT", url("md5"), key, node.region, sha256Hex(body), {
      "content-md5": "AAAAAAAAAAAAAAAAAAAAAA==",
    });
    assertEquals(await errorOf(await fetch(url("md5"), { method: "PUT", headers: h1, body })), {
      status: 400,
      code: "BadDigest",
    });
    const h2 = signHeaders("PUT", url("md5"), key, node.region, sha256Hex(body), {
      "content-md5": "nope",
    });
    assertEquals(await errorOf(await fetch(url("md5"), { method: "PUT", headers: h2, body })), {
      status: 400,
      code: "InvalidDigest",
    });
    await assertS3Error(
      () => s3.send(new HeadObjectCommand({ Bucket: B, Key: "md5" })),
      null,
      404,
    );
  });

  await t.step("malformed XML bodies are MalformedXML", async () => {
    for (
      const body of [
        "<Delete><Object><Key>a</Key></Object>",
        "not xml",
        '<!DOCTYPE x [<!ENTITY a "b">]><Delete/>',
        "<Other/>",
      ]
    ) {
      const u = `${node.s3}/${B}?delete`;
      const headers = signHeaders("POST", u, key, node.region, sha256Hex(body));
      assertEquals(await errorOf(await fetch(u, { method: "POST", headers, body })), {
        status: 400,
        code: "MalformedXML",
      }, body);
    }
  });

  await t.step("a DeleteObjects with one Object lacking its Key deletes nothing", async () => {
    await s3.send(new PutObjectCommand({ Bucket: B, Key: "listed-first", Body: "kept" }));
    const body =
      "<Delete><Object><Key>listed-first</Key></Object><Object><VersionId>v</VersionId></Object></Delete>";
    const u = `${node.s3}/${B}?delete`;
    const headers = signHeaders("POST", u, key, node.region, sha256Hex(body));
    assertEquals(await errorOf(await fetch(u, { method: "POST", headers, body })), {
      status: 400,
      code: "MalformedXML",
    });
    await s3.send(new HeadObjectCommand({ Bucket: B, Key: "listed-first" }));
  });

  await t.step("a DeleteObjects key over 1024 bytes is its own KeyTooLongError", async () => {
    await s3.send(new PutObjectCommand({ Bucket: B, Key: "beside-long", Body: "gone" }));
    const long = "k".repeat(1025);
    const r = await s3.send(
      new DeleteObjectsCommand({
        Bucket: B,
        Delete: { Objects: [{ Key: long }, { Key: "beside-long" }] },
      }),
    );
    assertEquals(r.Deleted?.map((d) => d.Key), ["beside-long"]);
    assertEquals(r.Errors?.map((e) => [e.Key, e.Code]), [[long, "KeyTooLongError"]]);
    await assertS3Error(
      () => s3.send(new HeadObjectCommand({ Bucket: B, Key: "beside-long" })),
      null,
      404,
    );
  });

  await t.step("an unknown bucket is NoSuchBucket; an invalid name is refused", async () => {
    assertEquals(
      await errorOf(await fetch(presign("GET", `${node.s3}/nosuchbucket/k`, key, node.region))),
      { status: 404, code: "NoSuchBucket" },
    );
    await assertS3Error(
      () => s3.send(new CreateBucketCommand({ Bucket: "Bad_Name" })),
      "InvalidBucketName",
      400,
    );
  });

  await t.step("unimplemented sub-resources answer 501 NotImplemented", async () => {
    for (const q of ["?logging", "?replication", "?encryption"]) {
      assertEquals(
        await errorOf(await fetch(presign("GET", `${node.s3}/${B}${q}`, key, node.region))),
        { status: 501, code: "NotImplemented" },
        q,
      );
    }
  });

  await t.step(
    "a bucket's sub-resource on an object is a mistake, never a read or write of it",
    async () => {
      await s3.send(new PutObjectCommand({ Bucket: B, Key: "obj", Body: "kept" }));
      for (
        const q of [
          "?cors",
          "?website",
          "?lifecycle",
          "?versioning",
          "?versions",
          "?delete",
          "?location",
          "?object-lock",
        ]
      ) {
        for (const method of ["GET", "PUT", "DELETE"]) {
          assertEquals(
            await errorOf(
              await fetch(presign(method, `${node.s3}/${B}/obj${q}`, key, node.region), { method }),
            ),
            { status: 400, code: "InvalidRequest" },
            `${method} object${q}`,
          );
        }
      }
      for (
        const [method, q] of [
          ["DELETE", "?uploads"],
          ["PUT", "?uploads"],
          ["DELETE", "?partNumber=1"],
          ["DELETE", "?acl"],
        ]
      ) {
        assertEquals(
          await errorOf(
            await fetch(presign(method, `${node.s3}/${B}/obj${q}`, key, node.region), { method }),
          ),
          { status: 405, code: "MethodNotAllowed" },
          `${method} object${q}`,
        );
      }
      for (const q of ["?uploads", "?delete", "?versionId=x", "?partNumber=1"]) {
        assertEquals(
          await errorOf(
            await fetch(presign("PUT", `${node.s3}/${B}${q}`, key, node.region), { method: "PUT" }),
          ),
          { status: 400, code: "InvalidRequest" },
          `PUT bucket${q}`,
        );
      }
      const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: "obj" }));
      assertEquals(await got.Body?.transformToString(), "kept");
    },
  );

  await t.step("multiple ranges are refused with InvalidRange", async () => {
    const u = url("p");
    const headers = signHeaders("GET", u, key, node.region, sha256Hex(""), {
      range: "bytes=0-0,1-1",
    });
    const r = await fetch(u, { headers });
    assertEquals(await errorOf(r), { status: 416, code: "InvalidRange" });
  });

  await t.step(
    "a body shorter than Content-Length leaves nothing and the node keeps serving",
    async () => {
      const headers = signHeaders("PUT", url("short"), key, node.region, "UNSIGNED-PAYLOAD", {
        "content-length": "100000",
      });
      await rawRequest(url("short"), "PUT", headers, new Uint8Array(5000), {
        closeAfterBody: true,
      });
      await new Promise((r) => setTimeout(r, 300));
      await assertS3Error(
        () => s3.send(new HeadObjectCommand({ Bucket: B, Key: "short" })),
        null,
        404,
      );
      const list = await s3.send(new ListObjectsV2Command({ Bucket: B }));
      assert(!(list.Contents ?? []).some((c) => c.Key === "short"));
    },
  );

  await t.step("the node still serves after all of the above", async () => {
    const c = new S3Client({
      endpoint: node.s3,
      region: node.region,
      credentials: key,
      forcePathStyle: true,
    });
    await c.send(new PutObjectCommand({ Bucket: B, Key: "after", Body: "ok" }));
    c.destroy();
  });
});
