/**
 * Public buckets: anonymous requests judged by the bucket's policy and canned ACLs, Deny over
 * Allow, IP conditions seen from two loopback addresses, the public access block, and keys
 * past their expiration. Anonymous requests are plain fetches (or curl, to pick the source
 * address); signed ones go through the AWS SDK.
 */
import {
  CreateBucketCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectsCommand,
  DeletePublicAccessBlockCommand,
  GetBucketAclCommand,
  GetBucketPolicyCommand,
  GetBucketPolicyStatusCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  PutBucketAclCommand,
  PutBucketPolicyCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { requireProgram } from "../harness.ts";
import { assertS3Error, s3Fixture } from "./client.ts";

const B = "media";

function policy(...statements: unknown[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

const publicRead = (resource = `arn:aws:s3:::${B}/*`) => ({
  Sid: "PublicRead",
  Effect: "Allow",
  Principal: "*",
  Action: "s3:GetObject",
  Resource: resource,
});

async function setPolicy(s3: S3Client, text: string) {
  await s3.send(new PutBucketPolicyCommand({ Bucket: B, Policy: text }));
}

/** An unsigned request: its status and error code (if any). */
async function anonymous(url: string, method = "GET", body?: string) {
  const res = await fetch(url, { method, body });
  const text = await res.text();
  return { status: res.status, code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1], text };
}

async function withBucket(o: Parameters<typeof s3Fixture>[0] = {}) {
  const f = await s3Fixture(o);
  await f.s3.send(new CreateBucketCommand({ Bucket: B }));
  for (const key of ["public/cat.jpg", "private/notes.txt", "secret/plan.txt"]) {
    await f.s3.send(new PutObjectCommand({ Bucket: B, Key: key, Body: `body of ${key}` }));
  }
  return f;
}

Deno.test("public access: without a policy, anonymous requests are refused", async () => {
  await using f = await withBucket();
  const base = `${f.node.s3}/${B}`;
  assertEquals((await anonymous(`${base}/public/cat.jpg`)).code, "AccessDenied");
  assertEquals((await anonymous(`${base}/public/cat.jpg`, "HEAD")).status, 403);
  assertEquals((await anonymous(`${base}?list-type=2`)).code, "AccessDenied");
  assertEquals((await anonymous(`${base}/new`, "PUT", "x")).code, "AccessDenied");
  assertEquals((await anonymous(`${f.node.s3}/`)).code, "AccessDenied");
});

Deno.test("public access: a public-read policy opens reads, not listing or writes", async () => {
  await using f = await withBucket();
  const base = `${f.node.s3}/${B}`;
  await setPolicy(f.s3, policy(publicRead()));
  const got = await anonymous(`${base}/public/cat.jpg`);
  assertEquals([got.status, got.text], [200, "body of public/cat.jpg"]);
  assertEquals((await anonymous(`${base}/private/notes.txt`, "HEAD")).status, 200);
  assertEquals((await anonymous(`${base}?list-type=2`)).code, "AccessDenied");
  assertEquals((await anonymous(`${base}/public/new`, "PUT", "x")).code, "AccessDenied");
  assertEquals((await anonymous(`${base}?policy`)).code, "AccessDenied");
  // Without s3:ListBucket a missing key is no different from a forbidden one.
  assertEquals((await anonymous(`${base}/public/missing.jpg`)).code, "AccessDenied");
  await setPolicy(
    f.s3,
    policy(publicRead(), {
      Effect: "Allow",
      Principal: { AWS: "*" },
      Action: ["s3:ListBucket"],
      Resource: `arn:aws:s3:::${B}`,
    }),
  );
  assertEquals((await anonymous(`${base}/public/missing.jpg`)).code, "NoSuchKey");
  const list = await anonymous(`${base}?list-type=2&prefix=public/`);
  assertEquals(list.status, 200);
  assertMatch(list.text, /<Key>public\/cat.jpg<\/Key>/);
  // The policy reads back as written; deleting it closes the bucket again.
  const back = await f.s3.send(new GetBucketPolicyCommand({ Bucket: B }));
  assertEquals(JSON.parse(back.Policy!).Statement[0].Sid, "PublicRead");
  await f.s3.send(new DeleteBucketPolicyCommand({ Bucket: B }));
  assertEquals((await anonymous(`${base}/public/cat.jpg`)).code, "AccessDenied");
  await assertS3Error(
    () => f.s3.send(new GetBucketPolicyCommand({ Bucket: B })),
    "NoSuchBucketPolicy",
    404,
  );
});

Deno.test("public access: a prefix policy opens that prefix only", async () => {
  await using f = await withBucket();
  const base = `${f.node.s3}/${B}`;
  await setPolicy(f.s3, policy(publicRead(`arn:aws:s3:::${B}/public/*`)));
  assertEquals((await anonymous(`${base}/public/cat.jpg`)).status, 200);
  assertEquals((await anonymous(`${base}/private/notes.txt`)).code, "AccessDenied");
  // Listing a prefix, without reading: a missing key there is NoSuchKey, elsewhere AccessDenied.
  await setPolicy(
    f.s3,
    policy({
      Effect: "Allow",
      Principal: "*",
      Action: "s3:ListBucket",
      Resource: `arn:aws:s3:::${B}`,
      Condition: { StringLike: { "s3:prefix": "public/*" } },
    }),
  );
  assertEquals((await anonymous(`${base}/public/missing.jpg`, "HEAD")).status, 404);
  assertEquals((await anonymous(`${base}/public/cat.jpg`, "HEAD")).status, 403);
  assertEquals((await anonymous(`${base}/private/missing.txt`, "HEAD")).status, 403);
  assertEquals((await anonymous(`${base}?list-type=2&prefix=public/`)).status, 200);
  assertEquals((await anonymous(`${base}?list-type=2&prefix=private/`)).code, "AccessDenied");
});

Deno.test("public access: an explicit Deny beats every Allow, the owner's key included", async () => {
  await using f = await withBucket();
  const base = `${f.node.s3}/${B}`;
  await setPolicy(
    f.s3,
    policy(publicRead(), {
      Effect: "Deny",
      Principal: "*",
      Action: "s3:Get*",
      Resource: `arn:aws:s3:::${B}/secret/*`,
    }),
  );
  assertEquals((await anonymous(`${base}/public/cat.jpg`)).status, 200);
  assertEquals((await anonymous(`${base}/secret/plan.txt`)).code, "AccessDenied");
  await assertS3Error(
    () => f.s3.send(new GetObjectCommand({ Bucket: B, Key: "secret/plan.txt" })),
    "AccessDenied",
    403,
  );
  // DeleteObjects judges each key as its own DeleteObject.
  await setPolicy(
    f.s3,
    policy({
      Effect: "Deny",
      Principal: "*",
      Action: "s3:DeleteObject",
      Resource: `arn:aws:s3:::${B}/secret/*`,
    }),
  );
  const batch = await f.s3.send(
    new DeleteObjectsCommand({
      Bucket: B,
      Delete: { Objects: [{ Key: "secret/plan.txt" }, { Key: "public/cat.jpg" }] },
    }),
  );
  assertEquals(batch.Deleted?.map((d) => d.Key), ["public/cat.jpg"]);
  assertEquals(batch.Errors?.map((e) => [e.Key, e.Code]), [["secret/plan.txt", "AccessDenied"]]);
  // The owner can always take a bad policy back.
  await f.s3.send(new DeleteBucketPolicyCommand({ Bucket: B }));
  await f.s3.send(new GetObjectCommand({ Bucket: B, Key: "secret/plan.txt" }));
});

Deno.test("public access: header conditions, as a policy that requires customer-key encryption", async () => {
  await using f = await withBucket();
  await setPolicy(
    f.s3,
    policy({
      Sid: "RequireSseC",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:PutObject",
      Resource: `arn:aws:s3:::${B}/*`,
      Condition: {
        StringNotEquals: { "s3:x-amz-server-side-encryption-customer-algorithm": "AES256" },
      },
    }),
  );
  await assertS3Error(
    () => f.s3.send(new PutObjectCommand({ Bucket: B, Key: "plain.txt", Body: "x" })),
    "AccessDenied",
    403,
  );
  const key = new Uint8Array(32).fill(7);
  await f.s3.send(
    new PutObjectCommand({
      Bucket: B,
      Key: "sealed.txt",
      Body: "x",
      SSECustomerAlgorithm: "AES256",
      SSECustomerKey: key.toBase64(),
      SSECustomerKeyMD5: createHash("md5").update(key).digest("base64"),
    }),
  );
});

Deno.test("public access: a policy grants another key what its own rights do not", async () => {
  await using f = await withBucket();
  const other = await f.node.createKey("reader");
  const reader = f.client(other);
  await assertS3Error(
    () => reader.send(new GetObjectCommand({ Bucket: B, Key: "private/notes.txt" })),
    "AccessDenied",
    403,
  );
  await setPolicy(
    f.s3,
    policy({
      Effect: "Allow",
      Principal: { AWS: [other.accessKeyId] },
      Action: "s3:GetObject",
      Resource: `arn:aws:s3:::${B}/private/*`,
    }),
  );
  const got = await reader.send(new GetObjectCommand({ Bucket: B, Key: "private/notes.txt" }));
  assertEquals(await got.Body!.transformToString(), "body of private/notes.txt");
  await assertS3Error(
    () => reader.send(new PutObjectCommand({ Bucket: B, Key: "private/x", Body: "x" })),
    "AccessDenied",
    403,
  );
  assertEquals((await anonymous(`${f.node.s3}/${B}/private/notes.txt`)).code, "AccessDenied");
});

Deno.test("public access: aws:SourceIp conditions see the client's own address", async () => {
  if (!await requireProgram("curl")) return;
  await using f = await withBucket({ bindHost: "0.0.0.0" });
  const port = new URL(f.node.s3).port;
  const curl = async (from: string) => {
    const out = await new Deno.Command("curl", {
      args: [
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "--interface",
        from,
        `http://127.0.0.1:${port}/${B}/public/cat.jpg`,
      ],
    }).output();
    return new TextDecoder().decode(out.stdout);
  };
  await setPolicy(
    f.s3,
    policy({ ...publicRead(), Condition: { IpAddress: { "aws:SourceIp": "127.0.0.2/32" } } }),
  );
  assertEquals([await curl("127.0.0.1"), await curl("127.0.0.2")], ["403", "200"]);
  const status = await f.s3.send(new GetBucketPolicyStatusCommand({ Bucket: B }));
  assertEquals(status.PolicyStatus?.IsPublic, false);
  await setPolicy(
    f.s3,
    policy(publicRead(), {
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: `arn:aws:s3:::${B}/*`,
      Condition: { NotIpAddress: { "aws:SourceIp": ["127.0.0.1/32", "::1"] } },
    }),
  );
  assertEquals([await curl("127.0.0.1"), await curl("127.0.0.2")], ["200", "403"]);
  const again = await f.s3.send(new GetBucketPolicyStatusCommand({ Bucket: B }));
  assertEquals(again.PolicyStatus?.IsPublic, true);
});

Deno.test("public access: malformed policies are refused by name and nothing is set", async () => {
  await using f = await withBucket();
  const refused = async (text: string, message: RegExp) => {
    const e = await assertS3Error(() => setPolicy(f.s3, text), "MalformedPolicy", 400);
    assertMatch(e.message, message);
  };
  await refused("{not json", /valid JSON/);
  await refused(
    policy({ ...publicRead(), Action: "s3:GetObjekt" }),
    /invalid action: s3:GetObjekt/,
  );
  await refused(
    policy({ ...publicRead(), Condition: { StringEquals: { "aws:Bogus": "x" } } }),
    /invalid condition key: aws:Bogus/,
  );
  await refused(
    policy({ ...publicRead(), Condition: { StringMatches: { "aws:Referer": "x" } } }),
    /Invalid Condition type: StringMatches/,
  );
  await refused(policy(publicRead("arn:aws:s3:::another-bucket/*")), /invalid resource/);
  await refused(policy({ ...publicRead(), Principal: undefined }), /Principal/);
  await refused(policy({ ...publicRead(), Principal: { AWS: ["GK0000"] } }), /principal/);
  await refused(
    policy({ ...publicRead(), Action: "s3:ListBucket" }),
    /does not apply to any resource/,
  );
  await refused(policy({ ...publicRead(), Effect: "Maybe" }), /Invalid effect/);
  await assertS3Error(
    () => f.s3.send(new GetBucketPolicyCommand({ Bucket: B })),
    "NoSuchBucketPolicy",
    404,
  );
});

Deno.test("public access: the public access block refuses and ignores public grants", async () => {
  await using f = await withBucket();
  const base = `${f.node.s3}/${B}`;
  const block = (flags: Record<string, boolean>) =>
    f.s3.send(
      new PutPublicAccessBlockCommand({ Bucket: B, PublicAccessBlockConfiguration: flags }),
    );
  await assertS3Error(
    () => f.s3.send(new GetPublicAccessBlockCommand({ Bucket: B })),
    "NoSuchPublicAccessBlockConfiguration",
    404,
  );
  await block({ BlockPublicPolicy: true });
  await assertS3Error(() => setPolicy(f.s3, policy(publicRead())), "AccessDenied", 403);
  const got = await f.s3.send(new GetPublicAccessBlockCommand({ Bucket: B }));
  assertEquals(got.PublicAccessBlockConfiguration?.BlockPublicPolicy, true);
  assertEquals(got.PublicAccessBlockConfiguration?.RestrictPublicBuckets, false);
  await block({ RestrictPublicBuckets: true });
  await setPolicy(f.s3, policy(publicRead()));
  assertEquals((await anonymous(`${base}/public/cat.jpg`)).code, "AccessDenied");
  await f.s3.send(new DeletePublicAccessBlockCommand({ Bucket: B }));
  assertEquals((await anonymous(`${base}/public/cat.jpg`)).status, 200);
  await block({ BlockPublicAcls: true });
  await assertS3Error(
    () =>
      f.s3.send(
        new PutObjectCommand({ Bucket: B, Key: "public/dog.jpg", Body: "d", ACL: "public-read" }),
      ),
    "AccessDenied",
    403,
  );
});

Deno.test("public access: an upload with x-amz-acl public-read is readable by URL", async () => {
  await using f = await withBucket();
  const base = `${f.node.s3}/${B}`;
  await f.s3.send(
    new PutObjectCommand({
      Bucket: B,
      Key: "media/avatar.png",
      Body: "png bytes",
      ACL: "public-read",
      ContentType: "image/png",
    }),
  );
  const got = await fetch(`${base}/media/avatar.png`);
  assertEquals([got.status, got.headers.get("content-type"), await got.text()], [
    200,
    "image/png",
    "png bytes",
  ]);
  assertEquals((await anonymous(`${base}/private/notes.txt`)).code, "AccessDenied");
  const acl = await f.s3.send(new GetObjectAclCommand({ Bucket: B, Key: "media/avatar.png" }));
  assert(
    acl.Grants?.some((g) => g.Grantee?.URI?.endsWith("/AllUsers") && g.Permission === "READ"),
    "AllUsers READ shown",
  );
  await f.s3.send(new PutObjectAclCommand({ Bucket: B, Key: "media/avatar.png", ACL: "private" }));
  assertEquals((await anonymous(`${base}/media/avatar.png`)).code, "AccessDenied");
  // A public-read bucket is listable by anyone; its objects stay private.
  await f.s3.send(new PutBucketAclCommand({ Bucket: B, ACL: "public-read" }));
  assertEquals((await anonymous(`${base}?list-type=2`)).status, 200);
  assertEquals((await anonymous(`${base}/private/notes.txt`)).code, "AccessDenied");
  const bucketAcl = await f.s3.send(new GetBucketAclCommand({ Bucket: B }));
  assert(bucketAcl.Grants?.some((g) => g.Grantee?.URI?.endsWith("/AllUsers")));
  // Anonymous writes only where the operator allows them.
  await assertS3Error(
    () => f.s3.send(new PutBucketAclCommand({ Bucket: B, ACL: "public-read-write" })),
    "AccessDenied",
    403,
  );
  await assertS3Error(
    () =>
      f.s3.send(new PutObjectCommand({ Bucket: B, Key: "k", Body: "x", ACL: "everyone" as never })),
    "InvalidArgument",
    400,
  );
});

Deno.test("public access: public-read-write, once the operator allows it", async () => {
  await using f = await withBucket({ s3Toml: "allow_public_write = true" });
  await f.s3.send(new PutBucketAclCommand({ Bucket: B, ACL: "public-read-write" }));
  const put = await anonymous(`${f.node.s3}/${B}/drop/box.txt`, "PUT", "dropped");
  assertEquals(put.status, 200);
  const got = await f.s3.send(new GetObjectCommand({ Bucket: B, Key: "drop/box.txt" }));
  assertEquals(await got.Body!.transformToString(), "dropped");
});

Deno.test("public access: a key past its expiration is refused", async () => {
  await using f = await withBucket();
  const other = await f.node.createKey("temporary");
  await f.node.api("POST", `/v2/UpdateKey?id=${other.accessKeyId}`, {
    expiration: new Date(Date.now() - 1000).toISOString(),
  });
  const e = await assertS3Error(
    () => f.client(other).send(new GetObjectCommand({ Bucket: B, Key: "public/cat.jpg" })),
    "AccessDenied",
    403,
  );
  assertMatch(e.message, /expired/);
});
