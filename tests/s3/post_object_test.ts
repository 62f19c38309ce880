/**
 * PostObject: HTML form uploads allowed by a signed policy, sent as a browser sends them
 * (multipart/form-data, fields before the file).
 */
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { postPolicyFields } from "../post_policy.ts";
import { rawRequest, type RawResponse } from "../raw_http.ts";
import { signHeaders } from "../sigv4.ts";
import { assertS3Error, bodyBytes, s3Fixture } from "./client.ts";

const B = "forms";
const MiB = 1024 * 1024;

interface PostOptions {
  /**
   * The policy's conditions besides its own fields; by default the key must start with "up/"
   * and every other field given must be as given.
   */
  conditions?: unknown[];
  bucket?: string;
  expires?: number | string;
  signature?: string;
  /** Fields sent after the file. */
  after?: Record<string, string>;
}

/** A form body streamed as a browser sends it, with a `size`-byte file that is never whole. */
function streamedForm(fields: Record<string, string>, size: number, filename?: string) {
  const boundary = "----RemiseFormBoundary7MA4YWxkTrZu0gW";
  const named = filename === undefined ? "" : `; filename="${filename}"`;
  const head = new TextEncoder().encode(
    Object.entries(fields).map(([k, v]) =>
      `--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`
    ).join("") +
      `--${boundary}\r\ncontent-disposition: form-data; name="file"${named}\r\n\r\n`,
  );
  const tail = new TextEncoder().encode(`\r\n--${boundary}--\r\n`);
  const file = fileStream(size);
  const body = ReadableStream.from((async function* () {
    yield head;
    yield* file;
    yield tail;
  })());
  return {
    headers: {
      "content-type": `multipart/form-data; boundary=${boundary}`,
      "content-length": String(head.length + size + tail.length),
    },
    body,
  };
}

/** `size` bytes made chunk by chunk, the same each time it is asked for. */
function fileStream(size: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(c) {
      if (sent >= size) return c.close();
      const chunk = new Uint8Array(Math.min(256 * 1024, size - sent)).fill(sent % 251);
      sent += chunk.length;
      c.enqueue(chunk);
    },
  });
}

async function sha256Of(s: ReadableStream<Uint8Array>): Promise<string> {
  const h = createHash("sha256");
  for await (const c of s) h.update(c);
  return h.digest("hex");
}

function peakRssMiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

async function errorOf(res: Response | RawResponse | null) {
  const xml = res instanceof Response ? await res.text() : res!.body;
  return {
    status: res!.status,
    code: /<Code>([^<]+)<\/Code>/.exec(xml)?.[1],
    message: /<Message>([^<]*)<\/Message>/.exec(xml)?.[1],
  };
}

Deno.test("PostObject: browser form uploads with a signed policy", async (t) => {
  await using f = await s3Fixture({ extraToml: "block_size = 65536" });
  const { s3, node, key } = f;
  await s3.send(new CreateBucketCommand({ Bucket: B }));

  /** The fields of a form allowed by a policy; see PostOptions for its default conditions. */
  const signedForm = (fields: Record<string, string>, o: PostOptions = {}) => {
    const conditions = o.conditions ?? [
      ["starts-with", "$key", "up/"],
      ...Object.entries(fields).filter(([k]) => k !== "key").map(([k, v]) => ({ [k]: v })),
    ];
    const signed = postPolicyFields(key, node.region, o.bucket ?? B, conditions, o.expires);
    if (o.signature) signed["x-amz-signature"] = o.signature;
    return { ...signed, ...fields };
  };
  /** Posts a form as fetch sends FormData: the signed fields and `fields`, then the file. */
  const post = async (
    fields: Record<string, string>,
    file: string,
    o: PostOptions = {},
  ) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(signedForm(fields, o))) form.append(k, v);
    form.append("file", new File([file], "report 2026.txt"));
    for (const [k, v] of Object.entries(o.after ?? {})) form.append(k, v);
    return await fetch(`${node.s3}/${o.bucket ?? B}`, {
      method: "POST",
      body: form,
      redirect: "manual",
    });
  };
  const absent = async (...keys: string[]) => {
    for (const k of keys) {
      await assertS3Error(() => s3.send(new HeadObjectCommand({ Bucket: B, Key: k })), null, 404);
    }
  };

  await t.step(
    "the file is stored under the key, with the form's headers and metadata",
    async () => {
      const res = await post({
        key: "up/${filename}",
        "Content-Type": "text/csv",
        "Cache-Control": "max-age=60",
        "x-amz-meta-owner": "alice",
      }, "a,b\n1,2\n");
      assertEquals(res.status, 204);
      assertEquals(res.headers.get("location"), `${node.s3}/${B}/up/report%202026.txt`);
      const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: "up/report 2026.txt" }));
      assertEquals(new TextDecoder().decode(await bodyBytes(got.Body)), "a,b\n1,2\n");
      assertEquals(got.ContentType, "text/csv");
      assertEquals(got.CacheControl, "max-age=60");
      assertEquals(got.Metadata, { owner: "alice" });
      assertEquals(got.ETag, res.headers.get("etag"));
    },
  );

  await t.step("a file sent without a filename leaves ${filename} in the key", async () => {
    const form = streamedForm(signedForm({ key: "up/${filename}" }), 3);
    assertEquals(
      (await rawRequest(`${node.s3}/${B}`, "POST", form.headers, form.body))?.status,
      204,
    );
    await s3.send(new HeadObjectCommand({ Bucket: B, Key: "up/${filename}" }));
  });

  await t.step("success_action_status 201 answers an XML PostResponse", async () => {
    const res = await post({ key: "up/201.txt", success_action_status: "201" }, "x");
    assertEquals(res.status, 201);
    assertMatch(
      await res.text(),
      new RegExp(
        `<PostResponse><Location>${node.s3}/forms/up/201.txt</Location><Bucket>forms</Bucket>` +
          `<Key>up/201.txt</Key><ETag>"[0-9a-f]{32}"</ETag></PostResponse>`,
      ),
    );
  });

  await t.step(
    "success_action_redirect sends the browser on with bucket, key and ETag",
    async () => {
      const res = await post(
        { key: "up/r.txt", success_action_redirect: "https://app.example.com/done?x=1" },
        "r",
      );
      assertEquals(res.status, 303);
      const to = new URL(res.headers.get("location")!);
      assertEquals(to.origin + to.pathname, "https://app.example.com/done");
      assertEquals(to.searchParams.get("x"), "1");
      assertEquals(to.searchParams.get("key"), "up/r.txt");
      assertEquals(to.searchParams.get("bucket"), B);
      assertMatch(to.searchParams.get("etag")!, /^"[0-9a-f]{32}"$/);
      await res.body?.cancel();

      const script = await post(
        { key: "up/s.txt", success_action_redirect: "javascript:x()" },
        "s",
      );
      assertEquals(script.status, 204, "a redirect that is no web address is ignored");
    },
  );

  await t.step(
    "x-ignore-* fields need no condition; fields after the file are not read",
    async () => {
      const res = await post({ key: "up/ignored.txt" }, "i", {
        conditions: [["starts-with", "$key", "up/"]],
        after: { "not-in-policy": "1", key: "up/elsewhere.txt" },
      });
      assertEquals(res.status, 204);
      await absent("up/elsewhere.txt");
      const noted = await post({ key: "up/noted.txt", "x-ignore-note": "free\r\ntext" }, "n", {
        conditions: [["starts-with", "$key", "up/"]],
      });
      assertEquals(noted.status, 204);
    },
  );

  await t.step(
    "checksum fields are verified, and x-amz-checksum-* kept with the object",
    async () => {
      const sha256 = createHash("sha256").update("checked").digest("base64");
      const res = await post({ key: "up/checked", "x-amz-checksum-sha256": sha256 }, "checked");
      assertEquals(res.status, 204);
      assertEquals(res.headers.get("x-amz-checksum-sha256"), sha256);
      const got = await s3.send(
        new HeadObjectCommand({ Bucket: B, Key: "up/checked", ChecksumMode: "ENABLED" }),
      );
      assertEquals(got.ChecksumSHA256, sha256);
      const wrong = await post({ key: "up/garbled", "x-amz-checksum-sha256": sha256 }, "garbled");
      assertEquals((await errorOf(wrong)).code, "BadDigest");
      const md5 = createHash("md5").update("checked").digest("base64");
      const wrongMd5 = await post({ key: "up/garbled", "Content-MD5": md5 }, "garbled");
      assertEquals((await errorOf(wrongMd5)).code, "BadDigest");
      await absent("up/garbled");
    },
  );

  await t.step("a 64 MiB file streams through bounded memory and reads back", async () => {
    const size = 64 * MiB;
    const before = peakRssMiB(node.process.pid);
    const form = streamedForm(signedForm({ key: "up/big.bin" }), size, "big.bin");
    const res = await rawRequest(`${node.s3}/${B}`, "POST", form.headers, form.body);
    assertEquals(res?.status, 204, res?.body);
    const grew = peakRssMiB(node.process.pid) - before;
    // Buffering the file would take all of its 64 MiB; streaming takes blocks, and the reads
    // the garbage collector has not freed yet (about 25 MiB measured).
    assert(grew < 48, `server peak RSS grew by ${grew.toFixed(0)} MiB for a 64 MiB file`);
    const url = `${node.s3}/${B}/up/big.bin`;
    const got = await fetch(url, {
      headers: signHeaders("GET", url, key, node.region, "UNSIGNED-PAYLOAD"),
    });
    assertEquals(await sha256Of(got.body!), await sha256Of(fileStream(size)));
  });

  await t.step("a file over the content-length-range stops the upload as it streams", async () => {
    const form = streamedForm(
      signedForm({ key: "up/huge.bin" }, {
        conditions: [["starts-with", "$key", "up/"], ["content-length-range", 0, MiB]],
      }),
      16 * MiB,
      "huge.bin",
    );
    const res = await rawRequest(`${node.s3}/${B}`, "POST", form.headers, form.body);
    assertEquals((await errorOf(res)).code, "EntityTooLarge");
    await absent("up/huge.bin");
  });

  await t.step("what the policy does not allow is refused, and nothing is stored", async () => {
    const upTo5 = [["starts-with", "$key", "up/"], ["content-length-range", 2, 5]];
    assertEquals(await errorOf(await post({ key: "elsewhere/x" }, "x")), {
      status: 403,
      code: "AccessDenied",
      message: 'Invalid according to Policy: Policy Condition failed: ["starts-with","$key","up/"]',
    });
    const types = await post({ key: "up/typed", "Content-Type": "image/png,text/html" }, "t", {
      conditions: [["starts-with", "$key", "up/"], ["starts-with", "$Content-Type", "image/"]],
    });
    assertEquals((await errorOf(types)).status, 403, "each listed type must match");
    assertEquals(
      await errorOf(await post({ key: "up/too-big" }, "0123456789", { conditions: upTo5 })),
      {
        status: 400,
        code: "EntityTooLarge",
        message: "Your proposed upload exceeds the maximum allowed size.",
      },
    );
    assertEquals(
      (await errorOf(await post({ key: "up/too-small" }, "0", { conditions: upTo5 }))).code,
      "EntityTooSmall",
    );
    const extra = await post({ key: "up/extra", unexpected: "1" }, "x", {
      conditions: [["starts-with", "$key", "up/"]],
    });
    assertEquals(await errorOf(extra), {
      status: 403,
      code: "AccessDenied",
      message: "Invalid according to Policy: Extra input fields: unexpected",
    });
    assertEquals(await errorOf(await post({ key: "up/late" }, "x", { expires: -10 })), {
      status: 403,
      code: "AccessDenied",
      message: "Invalid according to Policy: Policy expired.",
    });
    // Expirations in ISO 8601 UTC only; a condition object names one field.
    const later = new Date(Date.now() + 600_000).toISOString().replace("T", " ");
    for (
      const o of [{ expires: later }, { conditions: [["starts-with", "$key", "up/"], {}] }]
    ) {
      const bad = await errorOf(await post({ key: "up/odd" }, "x", o));
      assertEquals([bad.status, bad.code], [400, "InvalidPolicyDocument"], bad.message);
    }
    const forged = await post({ key: "up/forged" }, "x", { signature: "0".repeat(64) });
    assertEquals((await errorOf(forged)).code, "SignatureDoesNotMatch");
    await absent("elsewhere/x", "up/typed", "up/too-big", "up/too-small", "up/extra", "up/late");
    await absent("up/forged", "up/odd");
  });

  await t.step(
    "a form asking for 11 tags, a lock without one, or managed encryption is refused",
    async () => {
      for (
        const [field, value, code] of [
          [
            "tagging",
            `<Tagging><TagSet>${
              Array.from({ length: 11 }, (_, i) => `<Tag><Key>k${i}</Key><Value>v</Value></Tag>`)
                .join("")
            }</TagSet></Tagging>`,
            "InvalidTag",
          ],
          ["x-amz-object-lock-mode", "COMPLIANCE", "InvalidRequest"],
          ["x-amz-server-side-encryption", "AES256", "NotImplemented"],
          ["x-amz-website-redirect-location", "javascript:alert(1)", "InvalidArgument"],
        ]
      ) {
        const res = await post({ key: "up/refused", [field]: value }, "x");
        assertEquals((await errorOf(res)).code, code, field);
      }
      await absent("up/refused");
    },
  );

  await t.step("a key without write permission on the bucket is refused", async () => {
    const other = await node.createKey("reader");
    const form = new FormData();
    const fields = postPolicyFields(other, node.region, B, [["starts-with", "$key", ""]]);
    for (const [k, v] of Object.entries({ ...fields, key: "up/theirs" })) form.append(k, v);
    form.append("file", new File(["x"], "x"));
    const res = await fetch(`${node.s3}/${B}`, { method: "POST", body: form });
    assertEquals((await errorOf(res)).code, "AccessDenied");
  });

  await t.step("an unknown bucket, missing or repeated fields, a broken body", async () => {
    assertEquals(await errorOf(await post({ key: "up/x" }, "x", { bucket: "nowhere" })), {
      status: 404,
      code: "NoSuchBucket",
      message: "The specified bucket does not exist",
    });
    const send = async (entries: Array<[string, string | File]>) => {
      const form = new FormData();
      for (const [k, v] of entries) form.append(k, v);
      return await errorOf(await fetch(`${node.s3}/${B}`, { method: "POST", body: form }));
    };
    const signed = Object.entries(signedForm({ key: "up/x" }));
    const file: [string, File] = ["file", new File(["x"], "x")];
    assertEquals((await send(signed)).code, "InvalidArgument", "no file");
    assertEquals(
      (await send([...signed.filter(([k]) => k !== "key"), file])).code,
      "InvalidArgument",
    );
    assertEquals((await send([...signed, ["key", "up/y"], file])).code, "InvalidArgument");
    const broken = await fetch(`${node.s3}/${B}`, {
      method: "POST",
      headers: { "content-type": "multipart/form-data; boundary=zz" },
      body: "not a form",
    });
    assertEquals((await errorOf(broken)).code, "MalformedPOSTRequest");
  });
});
