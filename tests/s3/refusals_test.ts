/**
 * What Remise cannot do, it refuses: a lock, encryption at rest, tags or a version id are never
 * acknowledged and dropped; and a client's mistake is a 4xx naming it, never a 5xx.
 */
import {
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutBucketCorsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { assert, assertEquals } from "../assert.ts";
import { presign, sha256Hex, signHeaders } from "../sigv4.ts";
import { assertS3Error, bodyBytes, errorOf, s3Fixture } from "./client.ts";

const B = "refusals";

Deno.test("requests for features Remise lacks are refused", async (t) => {
  await using f = await s3Fixture();
  const { s3, node, key } = f;
  await s3.send(new CreateBucketCommand({ Bucket: B }));
  await s3.send(new PutObjectCommand({ Bucket: B, Key: "src", Body: "source" }));
  const absent = async (k: string) =>
    await assertS3Error(() => s3.send(new HeadObjectCommand({ Bucket: B, Key: k })), null, 404);
  const put = (k: string, headers: Record<string, string>) => {
    const url = `${node.s3}/${B}/${k}`;
    return fetch(url, {
      method: "PUT",
      headers: signHeaders("PUT", url, key, node.region, sha256Hex("x"), headers),
      body: "x",
    }).then(errorOf);
  };

  await t.step(
    "object lock headers: 400 InvalidRequest, as on a bucket without a lock",
    async () => {
      for (
        const h of [
          { "x-amz-object-lock-mode": "COMPLIANCE" },
          { "x-amz-object-lock-retain-until-date": "2030-01-01T00:00:00Z" },
          { "x-amz-object-lock-legal-hold": "ON" },
        ] as Record<string, string>[]
      ) {
        assertEquals(await put("locked", h), { status: 400, code: "InvalidRequest" });
      }
      await assertS3Error(
        () =>
          s3.send(
            new CreateMultipartUploadCommand({
              Bucket: B,
              Key: "locked",
              ObjectLockMode: "GOVERNANCE",
            }),
          ),
        "InvalidRequest",
        400,
      );
      await absent("locked");
    },
  );

  await t.step("encryption with managed keys: 501 NotImplemented, nothing stored", async () => {
    for (const sse of ["AES256", "aws:kms"] as const) {
      await assertS3Error(
        () =>
          s3.send(
            new PutObjectCommand({ Bucket: B, Key: "sse", Body: "x", ServerSideEncryption: sse }),
          ),
        "NotImplemented",
        501,
      );
      await assertS3Error(
        () =>
          s3.send(
            new CopyObjectCommand({
              Bucket: B,
              Key: "sse",
              CopySource: `${B}/src`,
              ServerSideEncryption: sse,
            }),
          ),
        "NotImplemented",
        501,
      );
    }
    assertEquals(await put("sse", { "x-amz-server-side-encryption": "rot13" }), {
      status: 400,
      code: "InvalidArgument",
    });
    await absent("sse");
  });

  await t.step("canned ACLs on PUT stay accepted (media servers send them)", async () => {
    await s3.send(new PutObjectCommand({ Bucket: B, Key: "acl", Body: "x", ACL: "public-read" }));
    assertEquals(await put("grant", { "x-amz-grant-read": 'uri="x"' }), {
      status: 501,
      code: "NotImplemented",
    });
  });

  await t.step("website redirects only to a path of the site or an http(s) URL", async () => {
    for (const bad of ["javascript:alert(1)", "data:text/html,x", "//evil.example", "/\\evil"]) {
      assertEquals(
        await put("moved", { "x-amz-website-redirect-location": bad }),
        { status: 400, code: "InvalidArgument" },
        bad,
      );
    }
    await absent("moved");
    for (const good of ["/other.html", "https://example.com/x", "http://example.com"]) {
      await s3.send(
        new PutObjectCommand({ Bucket: B, Key: "moved", Body: "x", WebsiteRedirectLocation: good }),
      );
    }
  });
});

Deno.test("version ids on a bucket without versioning", async (t) => {
  await using f = await s3Fixture();
  const { s3, node, key } = f;
  await s3.send(new CreateBucketCommand({ Bucket: B }));
  const body = async (k: string) =>
    new TextDecoder().decode(
      await bodyBytes((await s3.send(new GetObjectCommand({ Bucket: B, Key: k }))).Body),
    );
  await s3.send(new PutObjectCommand({ Bucket: B, Key: "obj", Body: "current" }));

  await t.step("any id but null is InvalidArgument on GET, HEAD and DELETE", async () => {
    const id = "3sL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo";
    for (
      const call of [
        () => s3.send(new GetObjectCommand({ Bucket: B, Key: "obj", VersionId: id })),
        () => s3.send(new DeleteObjectCommand({ Bucket: B, Key: "obj", VersionId: id })),
      ]
    ) await assertS3Error(call, "InvalidArgument", 400);
    await assertS3Error(
      () => s3.send(new HeadObjectCommand({ Bucket: B, Key: "obj", VersionId: id })),
      null,
      400,
    );
    assertEquals(await body("obj"), "current");
  });

  await t.step("null names the current object", async () => {
    const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: "obj", VersionId: "null" }));
    assertEquals(new TextDecoder().decode(await bodyBytes(got.Body)), "current");
    await s3.send(new PutObjectCommand({ Bucket: B, Key: "gone", Body: "x" }));
    await s3.send(new DeleteObjectCommand({ Bucket: B, Key: "gone", VersionId: "null" }));
    await assertS3Error(
      () => s3.send(new HeadObjectCommand({ Bucket: B, Key: "gone" })),
      null,
      404,
    );
  });

  await t.step("DeleteObjects answers a bad id for its key and deletes the others", async () => {
    await s3.send(new PutObjectCommand({ Bucket: B, Key: "other", Body: "x" }));
    const r = await s3.send(
      new DeleteObjectsCommand({
        Bucket: B,
        Delete: {
          Objects: [{ Key: "obj", VersionId: "abc" }, { Key: "other", VersionId: "null" }],
        },
      }),
    );
    assertEquals(r.Errors?.map((e) => [e.Key, e.Code]), [["obj", "InvalidArgument"]]);
    assertEquals(r.Deleted?.map((d) => [d.Key, d.VersionId]), [["other", "null"]]);
    assertEquals(await body("obj"), "current");
  });

  await t.step("a copy source or part source with a bad id is InvalidArgument", async () => {
    await assertS3Error(
      () =>
        s3.send(
          new CopyObjectCommand({ Bucket: B, Key: "copy", CopySource: `${B}/obj?versionId=abc` }),
        ),
      "InvalidArgument",
      400,
    );
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: B, Key: "copy" }),
    );
    await assertS3Error(
      () =>
        s3.send(
          new UploadPartCopyCommand({
            Bucket: B,
            Key: "copy",
            UploadId,
            PartNumber: 1,
            CopySource: `${B}/obj?versionId=abc`,
          }),
        ),
      "InvalidArgument",
      400,
    );
    await s3.send(
      new CopyObjectCommand({ Bucket: B, Key: "copy", CopySource: `${B}/obj?versionId=null` }),
    );
    assertEquals(await body("copy"), "current");
  });

  await t.step("a presigned DELETE with a version id deletes nothing", async () => {
    const url = presign("DELETE", `${node.s3}/${B}/obj?versionId=xyz`, key, node.region);
    assertEquals(await errorOf(await fetch(url, { method: "DELETE" })), {
      status: 400,
      code: "InvalidArgument",
    });
    assertEquals(await body("obj"), "current");
  });
});

Deno.test("client mistakes are 4xx, never 5xx", async (t) => {
  await using f = await s3Fixture();
  const { s3, node, key } = f;
  await s3.send(new CreateBucketCommand({ Bucket: B }));
  await s3.send(new PutObjectCommand({ Bucket: B, Key: "obj", Body: "x" }));
  const signed = (method: string, path: string, body: string) => {
    const url = `${node.s3}/${B}${path}`;
    return fetch(url, {
      method,
      headers: signHeaders(method, url, key, node.region, sha256Hex(body)),
      body,
    }).then(errorOf);
  };

  await t.step("XML nested too deep or naming __proto__ is MalformedXML", async () => {
    const deep = "<CORSConfiguration>" + "<a>".repeat(5000) + "</a>".repeat(5000) +
      "</CORSConfiguration>";
    for (
      const doc of [
        deep,
        "<CORSConfiguration><__proto__><x>1</x></__proto__></CORSConfiguration>",
        "<CORSConfiguration><constructor><prototype>1</prototype></constructor></CORSConfiguration>",
      ]
    ) {
      assertEquals(await signed("PUT", "?cors", doc), { status: 400, code: "MalformedXML" });
    }
    assertEquals(await signed("POST", "?delete", "<__proto__/>"), {
      status: 400,
      code: "MalformedXML",
    });
    assert(({} as Record<string, unknown>).x === undefined, "no prototype was touched");
  });

  await t.step(
    "response header overrides that cannot be a header are InvalidArgument",
    async () => {
      for (
        const [param, value] of [
          ["response-content-type", "text/html\r\nSet-Cookie: a=b"],
          ["response-content-disposition", "attachment\n"],
          ["response-content-type", "a\0b"],
          ["response-content-disposition", 'attachment; filename="中文.txt"'],
        ]
      ) {
        const url = `${node.s3}/${B}/obj?${param}=${encodeURIComponent(value)}`;
        const res = await fetch(presign("GET", url, key, node.region));
        assertEquals(await errorOf(res), { status: 400, code: "InvalidArgument" }, value);
      }
      const latin = encodeURIComponent('attachment; filename="caf\u00e9.txt"');
      const ok = await fetch(
        presign(
          "GET",
          `${node.s3}/${B}/obj?response-content-disposition=${latin}`,
          key,
          node.region,
        ),
      );
      assertEquals(ok.status, 200);
      await ok.body?.cancel();
    },
  );

  await t.step(
    "settings too large together for one metadata value are refused with a 400",
    async () => {
      const origins = (i: number) =>
        Array.from({ length: 6 }, (_, j) => `https://${"o".repeat(75)}-${i}-${j}.example`);
      const lifecycle = (Bucket: string) =>
        s3.send(
          new PutBucketLifecycleConfigurationCommand({
            Bucket,
            LifecycleConfiguration: {
              Rules: Array.from({ length: 150 }, (_, i) => ({
                ID: `rule-${i}-${"r".repeat(30)}`,
                Status: "Enabled",
                Filter: { Prefix: `logs/${i}/${"p".repeat(20)}` },
                Expiration: { Days: i + 1 },
              })),
            },
          }),
        );
      await s3.send(new CreateBucketCommand({ Bucket: "alone" }));
      await lifecycle("alone");
      await s3.send(
        new PutBucketCorsCommand({
          Bucket: B,
          CORSConfiguration: {
            CORSRules: Array.from({ length: 75 }, (_, i) => ({
              AllowedMethods: ["GET"],
              AllowedOrigins: origins(i),
            })),
          },
        }),
      );
      await assertS3Error(() => lifecycle(B), "InvalidRequest", 400);
      await s3.send(new HeadBucketCommand({ Bucket: B }));
    },
  );
});
