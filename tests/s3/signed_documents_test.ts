/**
 * Request documents (DeleteObjects, CompleteMultipartUpload, bucket configurations) are checked
 * against what was signed before anything is applied: a captured request replayed with another
 * body changes nothing.
 */
import { createHash } from "node:crypto";
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetBucketCorsCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketWebsiteCommand,
  HeadObjectCommand,
  PutBucketCorsCommand,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { assertEquals } from "../assert.ts";
import { rawRequest } from "../raw_http.ts";
import { sha256Hex, signHeaders } from "../sigv4.ts";
import { errorOf, s3Fixture } from "./client.ts";

const B = "signed-docs";

const md5 = (s: string) => createHash("md5").update(s).digest("base64");

const deleteDoc = (...keys: string[]) =>
  `<Delete>${keys.map((k) => `<Object><Key>${k}</Key></Object>`).join("")}</Delete>`;

Deno.test("signed request documents", async (t) => {
  await using f = await s3Fixture();
  const { s3, node, key } = f;
  await s3.send(new CreateBucketCommand({ Bucket: B }));
  const url = (q: string) => `${node.s3}/${B}${q}`;
  for (const k of ["keep-a", "keep-b", "victim"]) {
    await s3.send(new PutObjectCommand({ Bucket: B, Key: k, Body: k }));
  }
  const exists = async (k: string) => {
    try {
      await s3.send(new HeadObjectCommand({ Bucket: B, Key: k }));
      return true;
    } catch {
      return false;
    }
  };

  /** Sends `sent` with the signature of a request whose body was `signed`. */
  const replay = (method: string, q: string, signed: string, sent: string) =>
    fetch(url(q), {
      method,
      headers: signHeaders(method, url(q), key, node.region, sha256Hex(signed), {
        "content-md5": md5(sent),
      }),
      body: sent,
    });

  await t.step("DeleteObjects replayed with other keys deletes nothing", async () => {
    const res = await replay("POST", "?delete", deleteDoc("victim"), deleteDoc("keep-a"));
    assertEquals(await errorOf(res), { status: 400, code: "XAmzContentSHA256Mismatch" });
    assertEquals([await exists("keep-a"), await exists("victim")], [true, true]);
  });

  await t.step("a bucket configuration replayed with another document is not applied", async () => {
    await s3.send(
      new PutBucketCorsCommand({
        Bucket: B,
        CORSConfiguration: {
          CORSRules: [{ AllowedMethods: ["GET"], AllowedOrigins: ["https://app.example"] }],
        },
      }),
    );
    const cors = (origin: string) =>
      `<CORSConfiguration><CORSRule><AllowedMethod>PUT</AllowedMethod><AllowedOrigin>${origin}</AllowedOrigin></CORSRule></CORSConfiguration>`;
    const lifecycle = (days: number) =>
      `<LifecycleConfiguration><Rule><ID>r</ID><Status>Enabled</Status><Filter><Prefix></Prefix></Filter><Expiration><Days>${days}</Days></Expiration></Rule></LifecycleConfiguration>`;
    const website = (index: string) =>
      `<WebsiteConfiguration><IndexDocument><Suffix>${index}</Suffix></IndexDocument></WebsiteConfiguration>`;
    for (
      const [q, signed, sent] of [
        ["?cors", cors("https://app.example"), cors("*")],
        ["?lifecycle", lifecycle(365), lifecycle(1)],
        ["?website", website("index.html"), website("evil.html")],
      ]
    ) {
      const res = await replay("PUT", q, signed, sent);
      assertEquals(await errorOf(res), { status: 400, code: "XAmzContentSHA256Mismatch" }, q);
    }
    const got = await s3.send(new GetBucketCorsCommand({ Bucket: B }));
    assertEquals(got.CORSRules?.[0].AllowedOrigins, ["https://app.example"]);
    for (
      const read of [
        () => s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: B })),
        () => s3.send(new GetBucketWebsiteCommand({ Bucket: B })),
      ]
    ) {
      const status = await read().then(() => 200, (e) => e.$metadata?.httpStatusCode);
      assertEquals(status, 404, "no configuration was stored");
    }
  });

  await t.step("CompleteMultipartUpload replayed with another part list is refused", async () => {
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: B, Key: "mpu" }),
    );
    const p = await s3.send(
      new UploadPartCommand({ Bucket: B, Key: "mpu", UploadId, PartNumber: 1, Body: "part" }),
    );
    const doc = (etag: string) =>
      `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${etag}</ETag></Part></CompleteMultipartUpload>`;
    const res = await replay("POST", `/mpu?uploadId=${UploadId}`, doc('"0"'), doc(p.ETag!))
      .then(errorOf);
    assertEquals(res, { status: 400, code: "XAmzContentSHA256Mismatch" });
    assertEquals(await exists("mpu"), false);
  });

  await t.step(
    "an unsigned document needs Content-MD5 or a checksum where AWS requires one",
    async () => {
      const doc = deleteDoc("victim");
      const send = (extra: Record<string, string>) =>
        fetch(url("?delete"), {
          method: "POST",
          headers: signHeaders("POST", url("?delete"), key, node.region, "UNSIGNED-PAYLOAD", extra),
          body: doc,
        });
      assertEquals(await errorOf(await send({})), { status: 400, code: "InvalidRequest" });
      assertEquals(await errorOf(await send({ "content-md5": md5("another") })), {
        status: 400,
        code: "BadDigest",
      });
      assertEquals(await exists("victim"), true);
      const ok = await send({ "content-md5": md5(doc) });
      assertEquals(ok.status, 200, await ok.text());
      assertEquals(await exists("victim"), false);
    },
  );

  await t.step("Content-MD5 is checked against the bytes received, not a re-decoding", async () => {
    const bytes = new Uint8Array([...new TextEncoder().encode(deleteDoc("keep-b")), 0xff]);
    const res = await fetch(url("?delete"), {
      method: "POST",
      headers: signHeaders("POST", url("?delete"), key, node.region, "UNSIGNED-PAYLOAD", {
        "content-md5": createHash("md5").update(bytes).digest("base64"),
      }),
      body: bytes,
    });
    assertEquals(await errorOf(res), { status: 400, code: "MalformedXML" });
    assertEquals(await exists("keep-b"), true);
  });

  await t.step("a document cut short is IncompleteBody and applies nothing", async () => {
    const doc = deleteDoc("keep-b");
    const headers = signHeaders("POST", url("?delete"), key, node.region, sha256Hex(doc), {
      "content-length": String(doc.length + 100),
    });
    const res = await rawRequest(url("?delete"), "POST", headers, new TextEncoder().encode(doc), {
      halfClose: true,
    });
    assertEquals(res?.status, 400);
    assertEquals(/<Code>([^<]+)</.exec(res!.body)?.[1], "IncompleteBody");
    assertEquals(await exists("keep-b"), true);
  });
});
