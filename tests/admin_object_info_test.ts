/**
 * GetBucketObjectInfo, the console's object details: what was stored with an object (type,
 * metadata, checksum, tags, ACL), whether anyone may download it without a key and by which
 * URL, following the object's ACL, the bucket's policy and the public access block; and its
 * refusals. ListBuckets says which buckets are public.
 */
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectAclCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import type {
  ApiError,
  BucketObjectInfo,
  GetBucketInfoResponse,
  ListBucketsResponse,
} from "../shared/admin.ts";
import { assertEquals, assertMatch } from "./assert.ts";
import { s3Fixture } from "./s3/client.ts";
import type { TestNode } from "./harness.ts";

const B = "gallery";

async function info(node: TestNode, query: Record<string, string>, status = 200) {
  const res = await fetch(
    `${node.admin}/v2/GetBucketObjectInfo?${new URLSearchParams(query)}`,
    { headers: { authorization: `Bearer ${node.adminToken}` } },
  );
  const text = await res.text();
  assertEquals(res.status, status, text);
  return JSON.parse(text);
}

function bucketId(node: TestNode) {
  return node.api<GetBucketInfoResponse>("GET", `/v2/GetBucketInfo?globalAlias=${B}`)
    .then((b) => b.id);
}

async function isPublic(node: TestNode) {
  const all = await node.api<ListBucketsResponse>("GET", "/v2/ListBuckets");
  return all.find((b) => b.globalAliases.includes(B))!.isPublic;
}

Deno.test("object info: what was stored, and who may download it", async () => {
  await using f = await s3Fixture();
  const { node, s3 } = f;
  await s3.send(new CreateBucketCommand({ Bucket: B }));
  await s3.send(
    new PutObjectCommand({
      Bucket: B,
      Key: "albums/été 1.jpg",
      Body: "not really a jpeg",
      ContentType: "image/jpeg",
      CacheControl: "max-age=60",
      Metadata: { camera: "x100" },
      ChecksumAlgorithm: "SHA256",
      Tagging: "album=summer",
    }),
  );
  const id = await bucketId(node);
  const target = { bucketId: id, key: "albums/été 1.jpg" };

  const got: BucketObjectInfo = await info(node, target);
  assertEquals({ ...got, lastModified: "" }, {
    key: "albums/été 1.jpg",
    versionId: "null",
    size: 17,
    lastModified: "",
    etag: got.etag,
    contentType: "image/jpeg",
    headers: { "cache-control": "max-age=60" },
    metadata: { camera: "x100" },
    checksum: { algorithm: "SHA256", value: got.checksum!.value, type: "FULL_OBJECT" },
    parts: null,
    encrypted: false,
    tags: [{ key: "album", value: "summer" }],
    retention: null,
    legalHold: false,
    acl: "private",
    publicRead: null,
    publicUrl: null,
  });
  assertMatch(got.etag, /^"?[0-9a-f]{32}"?$/);
  assertEquals(await isPublic(node), false);

  // The object's own public-read ACL: its URL answers anyone, until IgnorePublicAcls.
  await s3.send(new PutObjectAclCommand({ Bucket: B, Key: target.key, ACL: "public-read" }));
  const open: BucketObjectInfo = await info(node, target);
  assertEquals([open.acl, open.publicRead], ["public-read", "objectAcl"]);
  assertEquals(open.publicUrl, `${node.s3}/${B}/albums/%C3%A9t%C3%A9%201.jpg`);
  const anon = await fetch(open.publicUrl!);
  assertEquals([anon.status, await anon.text()], [200, "not really a jpeg"]);
  // An object's ACL does not make the bucket public.
  assertEquals(await isPublic(node), false);

  await node.api("POST", `/v2/UpdateBucket?id=${id}`, {
    publicAccessBlock: { ignorePublicAcls: true },
  });
  assertEquals((await info(node, target)).publicRead, null);
  assertEquals((await fetch(open.publicUrl!)).status, 403);
  await (await fetch(open.publicUrl!)).body?.cancel();
  await node.api("POST", `/v2/UpdateBucket?id=${id}`, { publicAccessBlock: null });
  assertEquals((await info(node, target)).publicRead, "objectAcl");

  // A policy opening a prefix: objects under it are public, others are not; a conditional
  // Allow (one address range) does not count as anyone.
  await s3.send(new PutObjectCommand({ Bucket: B, Key: "drafts/d.txt", Body: "d" }));
  const statement = (condition?: unknown) =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [{
        Effect: "Allow",
        Principal: "*",
        Action: "s3:GetObject",
        Resource: `arn:aws:s3:::${B}/albums/*`,
        ...(condition ? { Condition: condition } : {}),
      }],
    });
  await s3.send(new PutObjectAclCommand({ Bucket: B, Key: target.key, ACL: "private" }));
  await s3.send(new PutBucketPolicyCommand({ Bucket: B, Policy: statement() }));
  assertEquals((await info(node, target)).publicRead, "policy");
  assertEquals((await info(node, { bucketId: id, key: "drafts/d.txt" })).publicRead, null);
  assertEquals(await isPublic(node), true);
  await s3.send(
    new PutBucketPolicyCommand({
      Bucket: B,
      Policy: statement({ IpAddress: { "aws:SourceIp": "10.0.0.0/8" } }),
    }),
  );
  assertEquals((await info(node, target)).publicRead, null);
  assertEquals(await isPublic(node), false);
  await node.api("POST", `/v2/UpdateBucket?id=${id}`, { policy: null });
  const after = await node.api<GetBucketInfoResponse>("GET", `/v2/GetBucketInfo?id=${id}`);
  assertEquals(after.access.policy, null);
});

Deno.test("object info: versions, delete markers and bad requests", async () => {
  await using f = await s3Fixture();
  const { node, s3 } = f;
  await s3.send(new CreateBucketCommand({ Bucket: B }));
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: B, VersioningConfiguration: { Status: "Enabled" } }),
  );
  const first = await s3.send(new PutObjectCommand({ Bucket: B, Key: "k", Body: "one" }));
  await s3.send(new PutObjectCommand({ Bucket: B, Key: "k", Body: "three" }));
  await s3.send(new DeleteObjectCommand({ Bucket: B, Key: "k" }));
  const id = await bucketId(node);

  const old: BucketObjectInfo = await info(node, {
    bucketId: id,
    key: "k",
    versionId: first.VersionId!,
  });
  assertEquals([old.versionId, old.size], [first.VersionId, 3]);

  const refused = async (query: Record<string, string>, status: number, code: string) => {
    const e: ApiError = await info(node, query, status);
    assertEquals(e.code, code, e.message);
    return e.message;
  };
  assertMatch(await refused({ bucketId: id, key: "k" }, 404, "NoSuchKey"), /delete marker/);
  await refused({ bucketId: id, key: "nothing" }, 404, "NoSuchKey");
  await refused({ bucketId: id, key: "k", versionId: "0".repeat(32) }, 404, "NoSuchVersion");
  await refused({ bucketId: id, key: "k", versionId: "" }, 400, "InvalidRequest");
  await refused({ bucketId: id, key: "" }, 400, "InvalidRequest");
  await refused({ key: "k" }, 400, "InvalidRequest");
  await refused({ bucketId: "0".repeat(64), key: "k" }, 404, "NoSuchBucket");
});
