/**
 * Bucket lifecycle: the S3 configuration API, and the pass that expires objects and aborts
 * uploads. The node's lifecycle "day" is shortened to a second (REMISE_LIFECYCLE_DAY_MS) so
 * that rules measured in days are seen at work.
 */
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketLifecycleCommand,
  DeleteObjectCommand,
  GetBucketLifecycleConfigurationCommand,
  type LifecycleRule,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import type { ListWorkersResponse, WorkerInfoResp } from "../../shared/admin.ts";
import { assertEquals, assertMatch } from "../assert.ts";
import { ROOT, type TestNode } from "../harness.ts";
import { sha256Hex, signHeaders } from "../sigv4.ts";
import { createHash } from "node:crypto";
import { assertS3Error, s3Fixture } from "./client.ts";

const putRules = (s3: S3Client, Bucket: string, Rules: LifecycleRule[]) =>
  s3.send(
    new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules } }),
  );

async function keys(s3: S3Client, Bucket: string): Promise<string[]> {
  return ((await s3.send(new ListObjectsV2Command({ Bucket }))).Contents ?? []).map((o) => o.Key!);
}

async function lifecycleWorker(node: TestNode): Promise<WorkerInfoResp> {
  const r = await node.api<ListWorkersResponse>("POST", "/v2/ListWorkers?node=self", {});
  return Object.values(r.success)[0].find((w) => w.name === "lifecycle")!;
}

/** Launches a pass and waits for one that started after the launch to finish. */
async function runPass(node: TestNode, launch: () => Promise<unknown>): Promise<WorkerInfoResp> {
  const since = Date.now();
  await launch();
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    const w = await lifecycleWorker(node);
    const started = w.freeform.map((l) => /^last pass started (\S+),/.exec(l)?.[1]).find((s) => s);
    if (started && Date.parse(started) >= since) return w;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("no lifecycle pass finished after the launch");
}

const launchRepair = (node: TestNode) => () =>
  node.api("POST", "/v2/LaunchRepairOperation?node=self", { repairType: "lifecycle" });

Deno.test("lifecycle configuration through the S3 API", async (t) => {
  await using f = await s3Fixture();
  const { s3, node, key } = f;
  await s3.send(new CreateBucketCommand({ Bucket: "rules" }));
  const get = () => s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: "rules" }));

  await t.step("a bucket has no lifecycle configuration at first", async () => {
    await assertS3Error(get, "NoSuchLifecycleConfiguration", 404);
  });

  await t.step("rules put are read back", async () => {
    const rules: LifecycleRule[] = [
      { ID: "tmp", Status: "Enabled", Filter: { Prefix: "tmp/" }, Expiration: { Days: 7 } },
      {
        ID: "small-logs",
        Status: "Disabled",
        Filter: { And: { Prefix: "logs/", ObjectSizeGreaterThan: 0, ObjectSizeLessThan: 1024 } },
        Expiration: { Date: new Date("2030-01-01T00:00:00Z") },
      },
      {
        ID: "uploads",
        Status: "Enabled",
        Filter: {},
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 },
      },
    ];
    await putRules(s3, "rules", rules);
    assertEquals((await get()).Rules, rules);
  });

  await t.step(
    "the legacy rule-level Prefix is read back as sent; a rule without ID gets one",
    async () => {
      await putRules(s3, "rules", [{ Status: "Enabled", Prefix: "old/", Expiration: { Days: 1 } }]);
      const [rule] = (await get()).Rules!;
      assertMatch(rule.ID ?? "", /^[0-9a-f]{32}$/);
      assertEquals({ ...rule, ID: undefined }, {
        ID: undefined,
        Status: "Enabled",
        Prefix: "old/",
        Expiration: { Days: 1 },
      });
    },
  );

  await t.step("DeleteBucketLifecycle removes it, and may be repeated", async () => {
    await s3.send(new DeleteBucketLifecycleCommand({ Bucket: "rules" }));
    await assertS3Error(get, "NoSuchLifecycleConfiguration", 404);
    await s3.send(new DeleteBucketLifecycleCommand({ Bucket: "rules" }));
  });

  await t.step("transitions (one storage class here) are NotImplemented, not ignored", async () => {
    const unsupported: LifecycleRule[] = [
      { Status: "Enabled", Filter: {}, Transitions: [{ Days: 30, StorageClass: "GLACIER" }] },
      {
        Status: "Enabled",
        Filter: {},
        NoncurrentVersionTransitions: [{ NoncurrentDays: 30, StorageClass: "GLACIER" }],
      },
    ];
    for (const rule of unsupported) {
      await assertS3Error(() => putRules(s3, "rules", [rule]), "NotImplemented", 501);
    }
  });

  await t.step("versions, markers and tags: read back as written, mistakes refused", async () => {
    const rules: LifecycleRule[] = [
      {
        ID: "old versions",
        Status: "Enabled",
        Filter: { And: { Prefix: "docs/", Tags: [{ Key: "keep", Value: "no" }] } },
        NoncurrentVersionExpiration: { NoncurrentDays: 30, NewerNoncurrentVersions: 3 },
      },
      {
        ID: "markers",
        Status: "Enabled",
        Filter: {},
        Expiration: { ExpiredObjectDeleteMarker: true },
      },
      {
        ID: "tagged",
        Status: "Enabled",
        Filter: { Tag: { Key: "tmp", Value: "1" } },
        Expiration: { Days: 2 },
      },
    ];
    await putRules(s3, "rules", rules);
    const back = (await get()).Rules!;
    assertEquals(back[0].NoncurrentVersionExpiration, {
      NoncurrentDays: 30,
      NewerNoncurrentVersions: 3,
    });
    assertEquals(back[0].Filter?.And?.Tags, [{ Key: "keep", Value: "no" }]);
    assertEquals(back[1].Expiration, { ExpiredObjectDeleteMarker: true });
    assertEquals(back[2].Filter?.Tag, { Key: "tmp", Value: "1" });
    const bad: Array<[LifecycleRule, string]> = [
      [
        { Status: "Enabled", Filter: {}, Expiration: { Days: 1, ExpiredObjectDeleteMarker: true } },
        "InvalidArgument",
      ],
      [
        { Status: "Enabled", Filter: {}, NoncurrentVersionExpiration: { NoncurrentDays: 0 } },
        "InvalidArgument",
      ],
      [
        {
          Status: "Enabled",
          Filter: { Tag: { Key: "a", Value: "b" } },
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
        },
        "InvalidRequest",
      ],
    ];
    for (const [rule, code] of bad) {
      await assertS3Error(() => putRules(s3, "rules", [rule]), code, 400);
    }
    assertEquals((await get()).Rules?.length, 3);
    await s3.send(new DeleteBucketLifecycleCommand({ Bucket: "rules" }));
  });

  await t.step("invalid values get AWS's errors", async () => {
    const rule = (r: Partial<LifecycleRule>): LifecycleRule => ({
      Status: "Enabled",
      Filter: {},
      Expiration: { Days: 1 },
      ...r,
    });
    const cases: Array<[LifecycleRule[], string]> = [
      [[rule({ Expiration: { Days: 0 } })], "InvalidArgument"],
      [[rule({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: -1 } })], "InvalidArgument"],
      [[rule({ Expiration: { Date: new Date("2030-01-01T10:00:00Z") } })], "InvalidArgument"],
      [[rule({ ID: "x".repeat(256) })], "InvalidArgument"],
      [[rule({ ID: "same" }), rule({ ID: "same" })], "InvalidArgument"],
      [
        [rule({ Filter: { And: { ObjectSizeGreaterThan: 10, ObjectSizeLessThan: 10 } } })],
        "InvalidArgument",
      ],
      [[rule({ Expiration: undefined })], "InvalidRequest"],
      [[rule({ Status: "Paused" as "Enabled" })], "MalformedXML"],
      [[rule({ Expiration: { Days: 1, Date: new Date("2030-01-01T00:00:00Z") } })], "MalformedXML"],
      [[rule({ Filter: { Prefix: "a/", ObjectSizeGreaterThan: 1 } })], "MalformedXML"],
      [Array.from({ length: 1001 }, () => rule({})), "MalformedXML"],
    ];
    for (const [rules, code] of cases) {
      await assertS3Error(() => putRules(s3, "rules", rules), code, 400);
    }
    await assertS3Error(get, "NoSuchLifecycleConfiguration", 404);
  });

  /** A PUT ?lifecycle written by hand: its status and error code. */
  const rawPut = async (body: string, extra: Record<string, string> = {}) => {
    const u = `${node.s3}/rules?lifecycle`;
    const headers = signHeaders("PUT", u, key, node.region, sha256Hex(body), extra);
    const res = await fetch(u, { method: "PUT", headers, body });
    return [res.status, /<Code>(\w+)</.exec(await res.text())?.[1]];
  };

  await t.step("a body that is no lifecycle XML is MalformedXML", async () => {
    for (const body of ["<LifecycleConfiguration><Rule>", "<CORSConfiguration/>", ""]) {
      assertEquals(await rawPut(body), [400, "MalformedXML"], body);
    }
  });

  await t.step("Content-MD5 may be left out, but a wrong one is refused", async () => {
    const body = "<LifecycleConfiguration><Rule><Status>Enabled</Status>" +
      "<Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>";
    const md5 = (text: string) => createHash("md5").update(text).digest("base64");
    assertEquals(await rawPut(body, { "content-md5": md5("other") }), [400, "BadDigest"]);
    assertEquals(await rawPut(body, { "content-md5": "short" }), [400, "InvalidDigest"]);
    assertEquals(await rawPut(body, { "content-md5": md5(body) }), [200, undefined]);
    assertEquals(await rawPut(body), [200, undefined]);
    await s3.send(new DeleteBucketLifecycleCommand({ Bucket: "rules" }));
  });

  await t.step("only the bucket's owner may change its lifecycle", async () => {
    const reader = await node.createKey("reader");
    const bucket = await node.api<{ id: string }>("GET", "/v2/GetBucketInfo?globalAlias=rules");
    await node.api("POST", "/v2/AllowBucketKey", {
      bucketId: bucket.id,
      accessKeyId: reader.accessKeyId,
      permissions: { read: true, write: true, owner: false },
    });
    const rule = { Status: "Enabled", Filter: {}, Expiration: { Days: 1 } } as const;
    await assertS3Error(() => putRules(f.client(reader), "rules", [rule]), "AccessDenied", 403);
  });
});

Deno.test("the lifecycle pass expires what the rules say, and only that", async (t) => {
  await using f = await s3Fixture({ env: { REMISE_LIFECYCLE_DAY_MS: "1000" } });
  const { s3, node } = f;
  await s3.send(new CreateBucketCommand({ Bucket: "aging" }));
  const objects: Record<string, number> = {
    "tmp/small": 10,
    "tmp/large": 5000,
    "recent/a": 10,
    "paused/a": 10,
    "dated/a": 10,
    "later/a": 10,
    "sized/big": 3000,
    "sized/small": 100,
  };
  for (const [Key, size] of Object.entries(objects)) {
    await s3.send(new PutObjectCommand({ Bucket: "aging", Key, Body: "x".repeat(size) }));
  }
  const upload = (Key: string) =>
    s3.send(new CreateMultipartUploadCommand({ Bucket: "aging", Key }));
  await upload("parts/forgotten");
  await upload("other/kept");
  const made = Date.now();

  await putRules(s3, "aging", [
    {
      ID: "small tmp files after a day",
      Status: "Enabled",
      Filter: { And: { Prefix: "tmp/", ObjectSizeLessThan: 1000 } },
      Expiration: { Days: 1 },
    },
    { ID: "not yet", Status: "Enabled", Filter: { Prefix: "recent/" }, Expiration: { Days: 1000 } },
    { ID: "off", Status: "Disabled", Filter: { Prefix: "paused/" }, Expiration: { Days: 1 } },
    {
      ID: "past date",
      Status: "Enabled",
      Filter: { Prefix: "dated/" },
      Expiration: { Date: new Date("2020-01-01T00:00:00Z") },
    },
    {
      ID: "future date",
      Status: "Enabled",
      Filter: { Prefix: "later/" },
      Expiration: { Date: new Date("2100-01-01T00:00:00Z") },
    },
    {
      ID: "big files",
      Status: "Enabled",
      Filter: { And: { Prefix: "sized/", ObjectSizeGreaterThan: 1000 } },
      Expiration: { Days: 1 },
    },
    {
      ID: "forgotten uploads",
      Status: "Enabled",
      Filter: { Prefix: "parts/" },
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
    },
  ]);

  await t.step("after a (one-second) day, a pass leaves only what no rule expires", async () => {
    // Days are rounded up to the next midnight: a day and its fraction must be over.
    await new Promise((r) => setTimeout(r, made + 2_100 - Date.now()));
    await runPass(node, launchRepair(node));
    assertEquals(await keys(s3, "aging"), [
      "later/a",
      "paused/a",
      "recent/a",
      "sized/small",
      "tmp/large",
    ]);
  });

  await t.step("the forgotten upload was aborted; the one no rule names stays", async () => {
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: "aging" }));
    assertEquals(uploads.Uploads?.map((u) => u.Key), ["other/kept"]);
  });
});

Deno.test("an operator runs the lifecycle pass with `repair lifecycle`", async () => {
  await using f = await s3Fixture();
  const { s3, node } = f;
  await s3.send(new CreateBucketCommand({ Bucket: "cli" }));
  for (const Key of ["old/a", "old/b", "new/a"]) {
    await s3.send(new PutObjectCommand({ Bucket: "cli", Key, Body: "x" }));
  }
  await putRules(s3, "cli", [{
    Status: "Enabled",
    Filter: { Prefix: "old/" },
    Expiration: { Date: new Date("2000-01-01T00:00:00Z") },
  }]);
  const config = await node.writeClientConfig();
  const worker = await runPass(node, async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--unstable-kv",
        `${ROOT}server/main.ts`,
        "-c",
        config,
        "repair",
        "lifecycle",
      ],
      env: { REMISE_LOG: "warn" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertMatch(new TextDecoder().decode(out.stdout), /Repair launched on node/);
  });
  assertEquals(await keys(s3, "cli"), ["new/a"]);
  // With real days no scheduled pass ran in between: the counts are this pass's own.
  assertEquals(
    worker.progress,
    "last pass: 3 objects scanned, 2 expired, 0 old versions and markers deleted, 0 uploads aborted",
  );
  assertMatch(worker.freeform.join("\n"), /next pass \d{4}-\d\d-\d\dT00:00:00\.000Z/);
});

Deno.test("the lifecycle pass on a versioned bucket: markers, old versions, locks", async () => {
  await using f = await s3Fixture({ env: { REMISE_LIFECYCLE_DAY_MS: "1000" } });
  const { s3, node } = f;
  const B = "history";
  await s3.send(new CreateBucketCommand({ Bucket: B, ObjectLockEnabledForBucket: true }));
  const put = async (Key: string, extra = {}) =>
    (await s3.send(new PutObjectCommand({ Bucket: B, Key, Body: Key, ...extra }))).VersionId!;
  // Five versions of one key; the oldest one locked.
  const locked = await put("doc", {
    ObjectLockMode: "GOVERNANCE",
    ObjectLockRetainUntilDate: new Date(Date.now() + 86_400_000),
  });
  for (let i = 0; i < 4; i++) await put("doc");
  // A key deleted: its only version and the marker hiding it.
  await put("gone");
  await s3.send(new DeleteObjectCommand({ Bucket: B, Key: "gone" }));
  // A key whose current version expires: a marker is added, the data stays as a version.
  const tmpA = await put("tmp/a", { Tagging: "tmp=1" });
  await put("tmp/b");
  const made = Date.now();
  await putRules(s3, B, [
    {
      ID: "two noncurrent versions kept",
      Status: "Enabled",
      Filter: { Prefix: "doc" },
      NoncurrentVersionExpiration: { NoncurrentDays: 1, NewerNoncurrentVersions: 2 },
    },
    {
      ID: "tagged tmp files",
      Status: "Enabled",
      Filter: { Tag: { Key: "tmp", Value: "1" } },
      Expiration: { Days: 1 },
    },
  ]);
  const versionsOf = async (Key: string) => {
    const r = await s3.send(new ListObjectVersionsCommand({ Bucket: B, Prefix: Key }));
    return {
      versions: (r.Versions ?? []).map((v) => v.VersionId),
      markers: (r.DeleteMarkers ?? []).length,
    };
  };
  await new Promise((r) => setTimeout(r, made + 2_100 - Date.now()));
  await runPass(node, launchRepair(node));
  const doc = await versionsOf("doc");
  // The current one, the two newest noncurrent ones, and the locked one the rule could not take.
  assertEquals(doc.versions.length, 4);
  assertEquals(doc.versions.at(-1), locked);
  assertEquals(await keys(s3, B), ["doc", "tmp/b"]);
  // The expired tmp/a is hidden by a marker; its data is still there as a version.
  assertEquals(await versionsOf("tmp/a"), { versions: [tmpA], markers: 1 });
  assertEquals((await versionsOf("gone")).markers, 1, "a marker with a version behind it stays");

  // Now the marker of "gone" is alone once its version is deleted; the next pass removes it.
  const behind = (await versionsOf("gone")).versions[0]!;
  await s3.send(new DeleteObjectCommand({ Bucket: B, Key: "gone", VersionId: behind }));
  await putRules(s3, B, [
    {
      ID: "markers",
      Status: "Enabled",
      Filter: {},
      Expiration: { ExpiredObjectDeleteMarker: true },
    },
  ]);
  await runPass(node, launchRepair(node));
  assertEquals(await versionsOf("gone"), { versions: [], markers: 0 });
});
