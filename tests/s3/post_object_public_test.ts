/**
 * Browser forms without Signature V4: signed the old way (V2, HMAC-SHA1 of the policy), only
 * where the operator allows it; and anonymous, only where the bucket lets anyone write.
 */
import { CreateBucketCommand, GetObjectCommand, PutBucketPolicyCommand } from "@aws-sdk/client-s3";
import { createHmac } from "node:crypto";
import { assertEquals, assertMatch } from "../assert.ts";
import { s3Fixture } from "./client.ts";

const B = "forms";

function v2Fields(creds: { accessKeyId: string; secretAccessKey: string }, conditions: unknown[]) {
  const policy = btoa(JSON.stringify({
    expiration: new Date(Date.now() + 300_000).toISOString(),
    conditions: [{ bucket: B }, ...conditions],
  }));
  const signature = createHmac("sha1", creds.secretAccessKey).update(policy).digest("base64");
  return { AWSAccessKeyId: creds.accessKeyId, policy, signature };
}

async function post(url: string, fields: Record<string, string>, file: string) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append("file", new File([file], "f.txt"));
  const res = await fetch(url, { method: "POST", body: form });
  const text = await res.text();
  return { status: res.status, code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1], text };
}

Deno.test("PostObject V2: refused unless the operator allows it", async () => {
  await using f = await s3Fixture();
  await f.s3.send(new CreateBucketCommand({ Bucket: B }));
  const fields = { key: "v2/a.txt", ...v2Fields(f.key, [["starts-with", "$key", "v2/"]]) };
  const res = await post(`${f.node.s3}/${B}`, fields, "old widget");
  assertEquals([res.status, res.code], [400, "InvalidRequest"]);
  assertMatch(res.text, /allow_post_signature_v2/);
});

Deno.test("PostObject V2: with the flag, a good signature uploads and a bad one is refused", async () => {
  await using f = await s3Fixture({ s3Toml: "allow_post_signature_v2 = true" });
  await f.s3.send(new CreateBucketCommand({ Bucket: B }));
  const good = { key: "v2/a.txt", ...v2Fields(f.key, [["starts-with", "$key", "v2/"]]) };
  assertEquals((await post(`${f.node.s3}/${B}`, good, "old widget")).status, 204);
  const got = await f.s3.send(new GetObjectCommand({ Bucket: B, Key: "v2/a.txt" }));
  assertEquals(await got.Body!.transformToString(), "old widget");
  const forged = { ...good, signature: btoa("0123456789abcdefghij") };
  assertEquals((await post(`${f.node.s3}/${B}`, forged, "x")).code, "SignatureDoesNotMatch");
  // The same policy conditions hold as with V4.
  const outside = { ...good, key: "elsewhere/a.txt" };
  assertEquals((await post(`${f.node.s3}/${B}`, outside, "x")).code, "AccessDenied");
});

Deno.test("PostObject anonymous: only where a policy lets anyone put", async () => {
  await using f = await s3Fixture();
  await f.s3.send(new CreateBucketCommand({ Bucket: B }));
  const url = `${f.node.s3}/${B}`;
  assertEquals((await post(url, { key: "drop/a.txt" }, "x")).code, "AccessDenied");
  await f.s3.send(
    new PutBucketPolicyCommand({
      Bucket: B,
      Policy: JSON.stringify({
        Statement: [{
          Effect: "Allow",
          Principal: "*",
          Action: "s3:PutObject",
          Resource: `arn:aws:s3:::${B}/drop/*`,
        }],
      }),
    }),
  );
  assertEquals((await post(url, { key: "drop/a.txt" }, "dropped")).status, 204);
  assertEquals((await post(url, { key: "other/a.txt" }, "x")).code, "AccessDenied");
  const got = await f.s3.send(new GetObjectCommand({ Bucket: B, Key: "drop/a.txt" }));
  assertEquals(await got.Body!.transformToString(), "dropped");
});
