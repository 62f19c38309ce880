/**
 * SSE-C: objects encrypted with a key the client keeps. Only that key reads them back; the
 * bytes on disk are not the plaintext; copies and multipart uploads carry the encryption.
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { assert, assertEquals } from "../assert.ts";
import { sha256Hex, signHeaders } from "../sigv4.ts";
import { assertS3Error, bodyBytes, s3Fixture } from "./client.ts";

const B = "secrets";

function customerKey(seed: string) {
  const key = createHash("sha256").update(seed).digest();
  return {
    SSECustomerAlgorithm: "AES256",
    SSECustomerKey: key.toString("base64"),
    SSECustomerKeyMD5: createHash("md5").update(key).digest("base64"),
  };
}

/** A recognisable plaintext: a phrase repeated, so that a copy of it on disk is easy to find. */
function pattern(n: number, text = "REMISE-PLAINTEXT-MARKER "): Uint8Array<ArrayBuffer> {
  const phrase = new TextEncoder().encode(text);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = phrase[i % phrase.length];
  return out;
}

async function diskContains(dir: string, needle: Uint8Array): Promise<boolean> {
  const text = new TextDecoder("latin1");
  const want = text.decode(needle);
  for await (const e of Deno.readDir(dir)) {
    const p = `${dir}/${e.name}`;
    if (
      e.isDirectory
        ? await diskContains(p, needle)
        : text.decode(await Deno.readFile(p)).includes(want)
    ) {
      return true;
    }
  }
  return false;
}

Deno.test("SSE-C: customer-key encryption", async (t) => {
  await using f = await s3Fixture({ extraToml: "block_size = 65536" });
  const { s3, node } = f;
  await s3.send(new CreateBucketCommand({ Bucket: B }));
  const k1 = customerKey("first");
  const k2 = customerKey("second");

  await t.step("objects of every size read back only with their key", async () => {
    for (const size of [0, 100, 300_000]) {
      const body = pattern(size);
      const put = await s3.send(
        new PutObjectCommand({ Bucket: B, Key: `o${size}`, Body: body, ...k1 }),
      );
      assertEquals(put.SSECustomerKeyMD5, k1.SSECustomerKeyMD5);
      assert(
        put.ETag !== `"${createHash("md5").update(body).digest("hex")}"`,
        "ETag is no MD5 of the plaintext",
      );
      const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: `o${size}`, ...k1 }));
      assertEquals(await bodyBytes(got.Body), body, `${size} bytes`);
      assertEquals(got.SSECustomerAlgorithm, "AES256");
      assertEquals(got.ContentLength, size);
      const head = await s3.send(new HeadObjectCommand({ Bucket: B, Key: `o${size}`, ...k1 }));
      assertEquals([head.ContentLength, head.ETag], [size, put.ETag]);
    }
  });

  await t.step("GetObjectAttributes describes an encrypted object only with its key", async () => {
    const ask = (keys: object) =>
      s3.send(
        new GetObjectAttributesCommand({
          Bucket: B,
          Key: "o100",
          ObjectAttributes: ["ObjectSize"],
          ...keys,
        }),
      );
    assertEquals((await ask(k1)).ObjectSize, 100);
    await assertS3Error(() => ask({}), "InvalidRequest", 400);
  });

  await t.step("ranges across blocks are decrypted", async () => {
    const body = pattern(300_000);
    for (const [start, end] of [[0, 9], [65_530, 65_545], [131_000, 299_999]]) {
      const got = await s3.send(
        new GetObjectCommand({ Bucket: B, Key: "o300000", Range: `bytes=${start}-${end}`, ...k1 }),
      );
      assertEquals(await bodyBytes(got.Body), body.subarray(start, end + 1), `${start}-${end}`);
    }
  });

  await t.step("no key, a wrong key or a bad key MD5 get the S3 errors, never bytes", async () => {
    await assertS3Error(
      () => s3.send(new GetObjectCommand({ Bucket: B, Key: "o300000" })),
      "InvalidRequest",
      400,
    );
    await assertS3Error(
      () => s3.send(new HeadObjectCommand({ Bucket: B, Key: "o100" })),
      null,
      400,
    );
    await assertS3Error(
      () => s3.send(new GetObjectCommand({ Bucket: B, Key: "o300000", ...k2 })),
      "InvalidRequest",
      400,
    );
    // The SDK computes the key MD5 itself: a wrong one is sent by hand.
    const raw = async (name: string, sse: Record<string, string>) => {
      const url = `${node.s3}/${B}/${name}`;
      const headers = signHeaders("PUT", url, f.key, node.region, sha256Hex("x"), sse);
      const res = await fetch(url, { method: "PUT", headers, body: "x" });
      return { status: res.status, code: /<Code>(\w+)<\/Code>/.exec(await res.text())?.[1] };
    };
    const h = "x-amz-server-side-encryption-customer-";
    assertEquals(
      await raw("bad-md5", {
        [h + "algorithm"]: "AES256",
        [h + "key"]: k1.SSECustomerKey,
        [h + "key-md5"]: k2.SSECustomerKeyMD5,
      }),
      { status: 400, code: "InvalidArgument" },
    );
    assertEquals(
      await raw("short-key", {
        [h + "algorithm"]: "AES256",
        [h + "key"]: btoa("short"),
        [h + "key-md5"]: createHash("md5").update("short").digest("base64"),
      }),
      { status: 400, code: "InvalidArgument" },
    );
    assertEquals(
      await raw("no-md5", { [h + "algorithm"]: "AES256", [h + "key"]: k1.SSECustomerKey }),
      { status: 400, code: "InvalidArgument" },
    );
    assertEquals(
      await raw("bad-alg", { [h + "algorithm"]: "AES128", [h + "key"]: k1.SSECustomerKey }),
      { status: 400, code: "InvalidArgument" },
    );
    for (const name of ["bad-md5", "short-key", "no-md5", "bad-alg"]) {
      await assertS3Error(
        () => s3.send(new HeadObjectCommand({ Bucket: B, Key: name })),
        null,
        404,
      );
    }
    await s3.send(new PutObjectCommand({ Bucket: B, Key: "plain", Body: "clear" }));
    await assertS3Error(
      () => s3.send(new GetObjectCommand({ Bucket: B, Key: "plain", ...k1 })),
      "InvalidRequest",
      400,
    );
  });

  await t.step("the data directory never holds the plaintext", async () => {
    // Control: a plain object's phrase is found on disk, so the scan can see plaintext. The
    // phrase sits among random bytes, which zstd cannot shrink: the block is stored as sent.
    const clear = new Uint8Array(200_000);
    for (let i = 0; i < clear.length; i += 65536) {
      crypto.getRandomValues(clear.subarray(i, i + 65536));
    }
    clear.set(pattern(60, "UNENCRYPTED-CONTROL "));
    await s3.send(new PutObjectCommand({ Bucket: B, Key: "control", Body: clear }));
    assert(await diskContains(`${node.dir}/data`, clear.subarray(0, 60)), "control found");
    for (const size of [1000, 200_000]) {
      const secret = pattern(size, `TOP-SECRET-${size} `);
      await s3.send(new PutObjectCommand({ Bucket: B, Key: `secret${size}`, Body: secret, ...k1 }));
      assert(!await diskContains(node.dir, secret.subarray(0, 40)), `${size}: plaintext on disk`);
    }
  });

  await t.step("copies decrypt the source with its key and encrypt with the new one", async () => {
    await s3.send(
      new CopyObjectCommand({
        Bucket: B,
        Key: "copy-k2",
        CopySource: `${B}/o300000`,
        CopySourceSSECustomerAlgorithm: "AES256",
        CopySourceSSECustomerKey: k1.SSECustomerKey,
        CopySourceSSECustomerKeyMD5: k1.SSECustomerKeyMD5,
        ...k2,
      }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: "copy-k2", ...k2 }));
    assertEquals(await bodyBytes(got.Body), pattern(300_000));
    await assertS3Error(
      () => s3.send(new GetObjectCommand({ Bucket: B, Key: "copy-k2", ...k1 })),
      "InvalidRequest",
      400,
    );
    await s3.send(
      new CopyObjectCommand({
        Bucket: B,
        Key: "copy-plain",
        CopySource: `${B}/copy-k2`,
        CopySourceSSECustomerAlgorithm: "AES256",
        CopySourceSSECustomerKey: k2.SSECustomerKey,
        CopySourceSSECustomerKeyMD5: k2.SSECustomerKeyMD5,
      }),
    );
    const plain = await s3.send(new GetObjectCommand({ Bucket: B, Key: "copy-plain" }));
    assertEquals(await bodyBytes(plain.Body), pattern(300_000));
    await s3.send(
      new CopyObjectCommand({
        Bucket: B,
        Key: "sealed-from-plain",
        CopySource: `${B}/plain`,
        ...k1,
      }),
    );
    const sealed = await s3.send(
      new GetObjectCommand({ Bucket: B, Key: "sealed-from-plain", ...k1 }),
    );
    assertEquals(new TextDecoder().decode(await bodyBytes(sealed.Body)), "clear");
    await assertS3Error(
      () =>
        s3.send(
          new CopyObjectCommand({ Bucket: B, Key: "no-source-key", CopySource: `${B}/o100` }),
        ),
      "InvalidRequest",
      400,
    );
  });

  await t.step("multipart uploads seal every part with the upload's key", async () => {
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: B, Key: "mpu", ...k1 }),
    );
    const p1 = pattern(5 * 1024 * 1024);
    const p2 = new TextEncoder().encode("tail");
    const e1 = await s3.send(
      new UploadPartCommand({ Bucket: B, Key: "mpu", UploadId, PartNumber: 1, Body: p1, ...k1 }),
    );
    await assertS3Error(
      () =>
        s3.send(
          new UploadPartCommand({
            Bucket: B,
            Key: "mpu",
            UploadId,
            PartNumber: 2,
            Body: p2,
            ...k2,
          }),
        ),
      "InvalidRequest",
      400,
    );
    await assertS3Error(
      () =>
        s3.send(
          new UploadPartCommand({ Bucket: B, Key: "mpu", UploadId, PartNumber: 2, Body: p2 }),
        ),
      "InvalidRequest",
      400,
    );
    const e2 = await s3.send(
      new UploadPartCopyCommand({
        Bucket: B,
        Key: "mpu",
        UploadId,
        PartNumber: 2,
        CopySource: `${B}/plain`,
        ...k1,
      }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: B,
        Key: "mpu",
        UploadId,
        MultipartUpload: {
          Parts: [{ PartNumber: 1, ETag: e1.ETag }, {
            PartNumber: 2,
            ETag: e2.CopyPartResult?.ETag,
          }],
        },
      }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: "mpu", ...k1 }));
    const all = await bodyBytes(got.Body);
    assertEquals(all.length, p1.length + 5);
    assertEquals(all.subarray(0, p1.length), p1);
    assertEquals(new TextDecoder().decode(all.subarray(p1.length)), "clear");
    const part2 = await s3.send(
      new GetObjectCommand({ Bucket: B, Key: "mpu", PartNumber: 2, ...k1 }),
    );
    assertEquals(new TextDecoder().decode(await bodyBytes(part2.Body)), "clear");
    await assertS3Error(
      () => s3.send(new GetObjectCommand({ Bucket: B, Key: "mpu" })),
      "InvalidRequest",
      400,
    );
  });
});
