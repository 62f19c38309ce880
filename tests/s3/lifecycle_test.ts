/**
 * Bucket lifecycle: the S3 configuration API, and the pass that expires objects and aborts
 * uploads. The node's lifecycle "day" is shortened to a second (REMISE_LIFECYCLE_DAY_MS) so
 * that rules measured in days are seen at work.
 */
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketLifecycleCommand,
  GetBucketLifecycleConfigurationCommand,
  type LifecycleRule,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
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

  await t.step("actions Remise cannot run are NotImplemented, not ignored", async () => {
    const unsupported: LifecycleRule[] = [
      { Status: "Enabled", Filter: {}, Transitions: [{ Days: 30, StorageClass: "GLACIER" }] },
      { Status: "Enabled", Filter: {}, NoncurrentVersionExpiration: { NoncurrentDays: 1 } },
      { Status: "Enabled", Filter: { Tag: { Key: "k", Value: "v" } }, Expiration: { Days: 1 } },
      { Status: "Enabled", Filter: {}, Expiration: { ExpiredObjectDeleteMarker: true } },
    ];
    for (const rule of unsupported) {
      await assertS3Error(() => putRules(s3, "rules", [rule]), "NotImplemented", 501);
    }
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
  assertEquals(worker.progress, "last pass: 3 objects scanned, 2 expired, 0 uploads aborted");
  assertMatch(worker.freeform.join("\n"), /next pass \d{4}-\d\d-\d\dT00:00:00\.000Z/);
});
