/**
 * Object lock through the AWS SDK: what makes a backup bucket ransomware-proof. A version under
 * COMPLIANCE retention or a legal hold cannot be deleted by anyone; GOVERNANCE only by a key
 * that owns the bucket and says so; a delete without a version id only hides the key.
 */
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectLockConfigurationCommand,
  PutObjectRetentionCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { assert, assertEquals } from "../assert.ts";
import { assertS3Error, errorOf, s3Fixture } from "./client.ts";
import { sha256Hex, signHeaders } from "../sigv4.ts";

const DAY = 86_400_000;
const inDays = (n: number) => new Date(Date.now() + n * DAY);

async function lockedBucket(s3: S3Client, bucket: string) {
  await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
}

async function put(s3: S3Client, bucket: string, key: string, extra = {}) {
  return (await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key, ...extra })))
    .VersionId!;
}

Deno.test("object lock: a bucket made with it is versioned, and stays so", async () => {
  await using f = await s3Fixture();
  const { s3 } = f;
  await lockedBucket(s3, "vault");
  assertEquals(
    (await s3.send(new GetBucketVersioningCommand({ Bucket: "vault" }))).Status,
    "Enabled",
  );
  const c = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: "vault" }));
  assertEquals(c.ObjectLockConfiguration?.ObjectLockEnabled, "Enabled");
  await assertS3Error(
    () =>
      s3.send(
        new PutBucketVersioningCommand({
          Bucket: "vault",
          VersioningConfiguration: { Status: "Suspended" },
        }),
      ),
    "InvalidBucketState",
    409,
  );
  // Lock on an unversioned bucket: refused until versioning is on.
  await s3.send(new CreateBucketCommand({ Bucket: "plain" }));
  const config = {
    Bucket: "plain",
    ObjectLockConfiguration: {
      ObjectLockEnabled: "Enabled" as const,
      Rule: { DefaultRetention: { Mode: "GOVERNANCE" as const, Days: 1 } },
    },
  };
  await assertS3Error(
    () => s3.send(new PutObjectLockConfigurationCommand(config)),
    "InvalidBucketState",
    409,
  );
  await assertS3Error(
    () => s3.send(new GetObjectLockConfigurationCommand({ Bucket: "plain" })),
    "ObjectLockConfigurationNotFoundError",
    404,
  );
  await s3.send(
    new PutBucketVersioningCommand({
      Bucket: "plain",
      VersioningConfiguration: { Status: "Enabled" },
    }),
  );
  await s3.send(new PutObjectLockConfigurationCommand(config));
  const rule = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: "plain" }));
  assertEquals(rule.ObjectLockConfiguration?.Rule?.DefaultRetention, {
    Mode: "GOVERNANCE",
    Days: 1,
  });
  await assertS3Error(
    () =>
      s3.send(
        new PutObjectLockConfigurationCommand({
          ...config,
          ObjectLockConfiguration: {
            ObjectLockEnabled: "Enabled",
            Rule: { DefaultRetention: { Mode: "GOVERNANCE", Days: 0 } },
          },
        }),
      ),
    "InvalidRetentionPeriod",
    400,
  );
  // The default retention applies to a new version that asks for none.
  const v = await put(s3, "plain", "defaulted");
  const head = await s3.send(
    new HeadObjectCommand({ Bucket: "plain", Key: "defaulted", VersionId: v }),
  );
  assertEquals(head.ObjectLockMode, "GOVERNANCE");
  const until = head.ObjectLockRetainUntilDate!.getTime();
  assert(Math.abs(until - Date.now() - DAY) < 60_000, `until ${head.ObjectLockRetainUntilDate}`);
});

Deno.test("object lock: COMPLIANCE holds against everyone, extended but never shortened", async () => {
  await using f = await s3Fixture();
  const { s3 } = f;
  await lockedBucket(s3, "backups");
  const until = inDays(2);
  const v = await put(s3, "backups", "snapshot", {
    ObjectLockMode: "COMPLIANCE",
    ObjectLockRetainUntilDate: until,
  });
  const del = { Bucket: "backups", Key: "snapshot", VersionId: v };
  await assertS3Error(() => s3.send(new DeleteObjectCommand(del)), "AccessDenied", 403);
  await assertS3Error(
    () => s3.send(new DeleteObjectCommand({ ...del, BypassGovernanceRetention: true })),
    "AccessDenied",
    403,
  );
  const multi = await s3.send(
    new DeleteObjectsCommand({
      Bucket: "backups",
      Delete: { Objects: [{ Key: "snapshot", VersionId: v }] },
    }),
  );
  assertEquals(multi.Errors?.map((e) => e.Code), ["AccessDenied"]);
  // A delete without an id only adds a marker; the locked version is still there.
  const marker = await s3.send(new DeleteObjectCommand({ Bucket: "backups", Key: "snapshot" }));
  assertEquals(marker.DeleteMarker, true);
  const kept = await s3.send(new GetObjectCommand(del));
  assertEquals(await kept.Body!.transformToString(), "snapshot");
  assertEquals(kept.ObjectLockMode, "COMPLIANCE");

  const retention = (date: Date, mode: "COMPLIANCE" | "GOVERNANCE" = "COMPLIANCE") =>
    new PutObjectRetentionCommand({ ...del, Retention: { Mode: mode, RetainUntilDate: date } });
  await assertS3Error(() => s3.send(retention(inDays(1))), "AccessDenied", 403);
  await assertS3Error(() => s3.send(retention(inDays(3), "GOVERNANCE")), "AccessDenied", 403);
  await s3.send(retention(inDays(5)));
  const got = await s3.send(new GetObjectRetentionCommand(del));
  assertEquals(got.Retention?.Mode, "COMPLIANCE");
  assert(got.Retention!.RetainUntilDate!.getTime() > inDays(4).getTime());
  await assertS3Error(() => s3.send(new DeleteObjectCommand(del)), "AccessDenied", 403);
});

Deno.test("object lock: GOVERNANCE yields only to a bucket owner that bypasses it", async () => {
  await using f = await s3Fixture();
  const { s3, node } = f;
  await lockedBucket(s3, "gov");
  const v = await put(s3, "gov", "report", {
    ObjectLockMode: "GOVERNANCE",
    ObjectLockRetainUntilDate: inDays(1),
  });
  const del = { Bucket: "gov", Key: "report", VersionId: v };
  // A stolen key that may write, but does not own the bucket.
  const thief = await node.createKey("thief");
  await node.api("POST", "/v2/AllowBucketKey", {
    bucketId: (await node.api<{ id: string }>("GET", "/v2/GetBucketInfo?globalAlias=gov")).id,
    accessKeyId: thief.accessKeyId,
    permissions: { read: true, write: true, owner: false },
  });
  const stolen = f.client(thief);
  await assertS3Error(() => stolen.send(new DeleteObjectCommand(del)), "AccessDenied", 403);
  await assertS3Error(
    () => stolen.send(new DeleteObjectCommand({ ...del, BypassGovernanceRetention: true })),
    "AccessDenied",
    403,
  );
  await assertS3Error(() => s3.send(new DeleteObjectCommand(del)), "AccessDenied", 403);
  await s3.send(new DeleteObjectCommand({ ...del, BypassGovernanceRetention: true }));
  await assertS3Error(() => s3.send(new GetObjectCommand(del)), "NoSuchVersion", 404);

  // A short retention ends by itself.
  const brief = await put(s3, "gov", "brief", {
    ObjectLockMode: "GOVERNANCE",
    ObjectLockRetainUntilDate: new Date(Date.now() + 1500),
  });
  const delBrief = { Bucket: "gov", Key: "brief", VersionId: brief };
  await assertS3Error(() => stolen.send(new DeleteObjectCommand(delBrief)), "AccessDenied", 403);
  await new Promise((r) => setTimeout(r, 2000));
  await stolen.send(new DeleteObjectCommand(delBrief));
});

Deno.test("object lock: a legal hold keeps a version until it is lifted", async () => {
  await using f = await s3Fixture();
  const { s3 } = f;
  await lockedBucket(s3, "held");
  const v = await put(s3, "held", "evidence", { ObjectLockLegalHoldStatus: "ON" });
  const at = { Bucket: "held", Key: "evidence", VersionId: v };
  assertEquals((await s3.send(new GetObjectLegalHoldCommand(at))).LegalHold?.Status, "ON");
  await assertS3Error(
    () => s3.send(new DeleteObjectCommand({ ...at, BypassGovernanceRetention: true })),
    "AccessDenied",
    403,
  );
  await s3.send(new PutObjectLegalHoldCommand({ ...at, LegalHold: { Status: "OFF" } }));
  await s3.send(new DeleteObjectCommand(at));
  await assertS3Error(
    () => s3.send(new GetObjectRetentionCommand({ Bucket: "held", Key: "none" })),
    "NoSuchKey",
    404,
  );

  // A multipart upload takes the lock asked for when it started.
  const up = await s3.send(
    new CreateMultipartUploadCommand({
      Bucket: "held",
      Key: "big",
      ObjectLockLegalHoldStatus: "ON",
    }),
  );
  const part = await s3.send(
    new UploadPartCommand({
      Bucket: "held",
      Key: "big",
      UploadId: up.UploadId,
      PartNumber: 1,
      Body: "part",
    }),
  );
  const done = await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: "held",
      Key: "big",
      UploadId: up.UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
    }),
  );
  await assertS3Error(
    () =>
      s3.send(new DeleteObjectCommand({ Bucket: "held", Key: "big", VersionId: done.VersionId })),
    "AccessDenied",
    403,
  );
});

Deno.test("object lock: bad requests change nothing", async () => {
  await using f = await s3Fixture();
  const { s3 } = f;
  await lockedBucket(s3, "strict");
  const v = await put(s3, "strict", "k");
  const at = { Bucket: "strict", Key: "k", VersionId: v };
  await assertS3Error(
    () =>
      s3.send(
        new PutObjectRetentionCommand({
          ...at,
          Retention: { Mode: "COMPLIANCE", RetainUntilDate: new Date(Date.now() - DAY) },
        }),
      ),
    "InvalidArgument",
    400,
  );
  await assertS3Error(
    () =>
      s3.send(
        new PutObjectCommand({
          Bucket: "strict",
          Key: "k",
          Body: "x",
          ObjectLockMode: "FOREVER" as "COMPLIANCE",
          ObjectLockRetainUntilDate: inDays(1),
        }),
      ),
    "InvalidArgument",
    400,
  );
  await assertS3Error(
    () =>
      s3.send(
        new PutObjectCommand({
          Bucket: "strict",
          Key: "k",
          Body: "x",
          ObjectLockMode: "COMPLIANCE",
        }),
      ),
    "InvalidArgument",
    400,
  );
  await assertS3Error(
    () => s3.send(new GetObjectRetentionCommand(at)),
    "NoSuchObjectLockConfiguration",
    404,
  );
  // Nothing above made a version or a lock: the one version is still deletable.
  await s3.send(new DeleteObjectCommand(at));
});

Deno.test("object lock: malformed and misplaced lock requests get AWS's errors and change nothing", async () => {
  await using f = await s3Fixture();
  const { s3, node, key } = f;
  await s3.send(new CreateBucketCommand({ Bucket: "plain" }));
  await lockedBucket(s3, "vault");
  const v = await put(s3, "vault", "k");
  const raw = async (method: string, path: string, body = "", headers = {}) => {
    const url = `${node.s3}${path}`;
    const res = await fetch(url, {
      method,
      body: body || undefined,
      headers: signHeaders(method, url, key, node.region, sha256Hex(body), headers),
    });
    return await errorOf(res);
  };
  // Retention on a bucket without object lock.
  await put(s3, "plain", "k");
  assertEquals(
    await raw(
      "PUT",
      "/plain/k?retention",
      "<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>2100-01-01T00:00:00Z</RetainUntilDate></Retention>",
    ),
    { status: 400, code: "InvalidRequest" },
  );
  // A legal hold that is neither ON nor OFF, and a lock configuration without ObjectLockEnabled.
  assertEquals(
    await raw(
      "PUT",
      `/vault/k?legal-hold&versionId=${v}`,
      "<LegalHold><Status>MAYBE</Status></LegalHold>",
    ),
    { status: 400, code: "MalformedXML" },
  );
  assertEquals(
    await raw(
      "PUT",
      "/vault?object-lock",
      "<ObjectLockConfiguration><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>1</Days></DefaultRetention></Rule></ObjectLockConfiguration>",
    ),
    { status: 400, code: "MalformedXML" },
  );
  // Lock headers: a bad legal hold value; and no Content-MD5 or checksum with them.
  assertEquals(await raw("PUT", "/vault/new", "x", { "x-amz-object-lock-legal-hold": "MAYBE" }), {
    status: 400,
    code: "InvalidArgument",
  });
  assertEquals(await raw("PUT", "/vault/new", "x", { "x-amz-object-lock-legal-hold": "ON" }), {
    status: 400,
    code: "InvalidRequest",
  });
  await assertS3Error(
    () => s3.send(new GetObjectCommand({ Bucket: "vault", Key: "new" })),
    "NoSuchKey",
    404,
  );
  assertEquals(
    (await s3.send(new GetObjectLockConfigurationCommand({ Bucket: "vault" })))
      .ObjectLockConfiguration?.Rule,
    undefined,
  );
  await assertS3Error(
    () => s3.send(new GetObjectLegalHoldCommand({ Bucket: "vault", Key: "k", VersionId: v })),
    "NoSuchObjectLockConfiguration",
    404,
  );
});
