/**
 * PostObject: HTML form uploads allowed by a signed policy, sent as a browser sends them
 * (multipart/form-data, fields before the file).
 */
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { postPolicyFields } from "../sigv4.ts";
import { assertS3Error, bodyBytes, randomBytes, s3Fixture } from "./client.ts";

const B = "forms";

Deno.test("PostObject: browser form uploads with a signed policy", async (t) => {
  await using f = await s3Fixture({ extraToml: "block_size = 65536" });
  const { s3, node, key } = f;
  await s3.send(new CreateBucketCommand({ Bucket: B }));

  /** Posts a form: the policy's fields, then `extra`, then the file. */
  const post = async (
    extra: Record<string, string>,
    file: Uint8Array<ArrayBuffer> | string,
    o: { conditions?: unknown[]; bucket?: string; expiresInSec?: number; tamper?: boolean } = {},
  ) => {
    const fields = postPolicyFields(
      key,
      node.region,
      o.bucket ?? B,
      o.conditions ?? [
        ["starts-with", "$key", "up/"],
        ...("Content-Type" in extra ? [["starts-with", "$Content-Type", "text/"]] : []),
        ["content-length-range", 0, 1024 * 1024 * 4],
        ...Object.keys(extra).filter((k) => k !== "key" && k !== "Content-Type").map((k) => ({
          [k]: extra[k],
        })),
      ],
      { expiresInSec: o.expiresInSec },
    );
    if (o.tamper) fields["x-amz-signature"] = "0".repeat(64);
    const form = new FormData();
    for (const [k, v] of Object.entries({ ...fields, ...extra })) form.append(k, v);
    form.append("file", new File([file], "report 2026.txt", { type: "text/plain" }));
    return await fetch(`${node.s3}/${o.bucket ?? B}`, {
      method: "POST",
      body: form,
      redirect: "manual",
    });
  };
  const codeOf = async (res: Response) => {
    const text = await res.text();
    return { status: res.status, code: /<Code>([^<]+)<\/Code>/.exec(text)?.[1] };
  };

  await t.step("a form upload stores the file with its fields as headers, 204", async () => {
    const res = await post({
      key: "up/${filename}",
      "Content-Type": "text/csv",
      "x-amz-meta-owner": "alice",
    }, "a,b\n1,2\n");
    assertEquals(res.status, 204);
    assertMatch(res.headers.get("etag") ?? "", /^"[0-9a-f]{32}"$/);
    const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: "up/report 2026.txt" }));
    assertEquals(new TextDecoder().decode(await bodyBytes(got.Body)), "a,b\n1,2\n");
    assertEquals(got.ContentType, "text/csv");
    assertEquals(got.Metadata, { owner: "alice" });
    assertEquals(got.ETag, res.headers.get("etag"));
  });

  await t.step("success_action_status 201 answers an XML PostResponse", async () => {
    const res = await post({ key: "up/201.txt", success_action_status: "201" }, "x");
    assertEquals(res.status, 201);
    const xml = await res.text();
    assertMatch(
      xml,
      /<PostResponse[^>]*><Location>\/forms\/up\/201.txt<\/Location><Bucket>forms<\/Bucket><Key>up\/201.txt<\/Key><ETag>"[0-9a-f]{32}"<\/ETag><\/PostResponse>/,
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
    },
  );

  await t.step("a file larger than a block streams in and reads back", async () => {
    const big = randomBytes(3 * 1024 * 1024 + 17);
    const res = await post({ key: "up/big.bin" }, big);
    assertEquals(res.status, 204);
    const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: "up/big.bin" }));
    assertEquals(await bodyBytes(got.Body), big);
  });

  await t.step("what the policy does not allow is refused, and nothing is stored", async () => {
    assertEquals(await codeOf(await post({ key: "elsewhere/x" }, "x")), {
      status: 403,
      code: "AccessDenied",
    });
    assertEquals(
      await codeOf(
        await post({ key: "up/too-big" }, "0123456789", {
          conditions: [["starts-with", "$key", "up/"], ["content-length-range", 0, 5]],
        }),
      ),
      { status: 400, code: "EntityTooLarge" },
    );
    assertEquals(
      await codeOf(
        await post({ key: "up/too-small" }, "0", {
          conditions: [["starts-with", "$key", "up/"], ["content-length-range", 2, 5]],
        }),
      ),
      { status: 400, code: "EntityTooSmall" },
    );
    const extra = await post({ key: "up/extra", unexpected: "1" }, "x", {
      conditions: [["starts-with", "$key", "up/"]],
    });
    const body = await extra.text();
    assertEquals(extra.status, 403);
    assertMatch(body, /Extra input fields: unexpected/);
    assertEquals(await codeOf(await post({ key: "up/late" }, "x", { expiresInSec: -10 })), {
      status: 403,
      code: "AccessDenied",
    });
    assertEquals(await codeOf(await post({ key: "up/forged" }, "x", { tamper: true })), {
      status: 403,
      code: "SignatureDoesNotMatch",
    });
    for (
      const k of ["elsewhere/x", "up/too-big", "up/too-small", "up/extra", "up/late", "up/forged"]
    ) {
      await assertS3Error(() => s3.send(new HeadObjectCommand({ Bucket: B, Key: k })), null, 404);
    }
  });

  await t.step("an unknown bucket, a missing key field or file are the S3 errors", async () => {
    assertEquals(await codeOf(await post({ key: "up/x" }, "x", { bucket: "nowhere" })), {
      status: 404,
      code: "NoSuchBucket",
    });
    const fields = postPolicyFields(key, node.region, B, [["starts-with", "$key", ""]]);
    const noFile = new FormData();
    for (const [k, v] of Object.entries({ ...fields, key: "up/nofile" })) noFile.append(k, v);
    assertEquals(
      await codeOf(await fetch(`${node.s3}/${B}`, { method: "POST", body: noFile })),
      { status: 400, code: "InvalidArgument" },
    );
    const noKey = new FormData();
    for (const [k, v] of Object.entries(fields)) noKey.append(k, v);
    noKey.append("file", new File(["x"], "x"));
    assertEquals(
      await codeOf(await fetch(`${node.s3}/${B}`, { method: "POST", body: noKey })),
      { status: 400, code: "InvalidArgument" },
    );
    const broken = await fetch(`${node.s3}/${B}`, {
      method: "POST",
      headers: { "content-type": "multipart/form-data; boundary=zz" },
      body: "not a form",
    });
    assertEquals(await codeOf(broken), { status: 400, code: "MalformedPOSTRequest" });
    assert((await fetch(`${node.s3}/${B}/up/r.txt`)).status === 403, "server still serving");
  });
});
