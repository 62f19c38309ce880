/**
 * Real clients on versioned and locked buckets: rclone lists old versions (--s3-versions) and
 * reads a bucket as it was (--s3-version-at); a restic repository on a bucket with object lock
 * survives a stolen key that "forgets" and prunes everything, and is whole again once the
 * owner removes the delete markers.
 */
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectLockConfigurationCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { requireProgram, type TestNode } from "../harness.ts";
import { clientNode, hashTree, KiB, makeTree, run } from "./run.ts";

function sdk(node: TestNode, creds: { accessKeyId: string; secretAccessKey: string }) {
  return new S3Client({
    endpoint: node.s3,
    region: node.region,
    credentials: creds,
    forcePathStyle: true,
  });
}

Deno.test("rclone sees old versions with --s3-versions and a past state with --s3-version-at", async () => {
  if (!await requireProgram("rclone")) return;
  await using base = await clientNode("rclone-versions");
  const { node, creds, home } = base;
  const s3 = sdk(node, creds);
  try {
    await s3.send(new CreateBucketCommand({ Bucket: "docs" }));
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: "docs",
        VersioningConfiguration: { Status: "Enabled" },
      }),
    );
    const env = {
      RCLONE_CONFIG: `${home}/rclone.conf`,
      RCLONE_CONFIG_R_TYPE: "s3",
      RCLONE_CONFIG_R_PROVIDER: "Other",
      RCLONE_CONFIG_R_ACCESS_KEY_ID: creds.accessKeyId,
      RCLONE_CONFIG_R_SECRET_ACCESS_KEY: creds.secretAccessKey,
      RCLONE_CONFIG_R_ENDPOINT: node.s3,
      RCLONE_CONFIG_R_REGION: node.region,
      RCLONE_CONFIG_R_FORCE_PATH_STYLE: "true",
      RCLONE_RETRIES: "1",
      RCLONE_LOW_LEVEL_RETRIES: "1",
    };
    await Deno.writeTextFile(`${home}/rclone.conf`, "");
    const rclone = (args: string[]) => run("rclone", args, { home, env });
    await Deno.writeTextFile(`${home}/report.txt`, "first draft\n");
    await rclone(["copyto", `${home}/report.txt`, "r:docs/report.txt"]);
    await new Promise((r) => setTimeout(r, 1100));
    const between = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 1100));
    await Deno.writeTextFile(`${home}/report.txt`, "final version, longer\n");
    await rclone(["copyto", `${home}/report.txt`, "r:docs/report.txt"]);

    const plain = (await rclone(["lsf", "r:docs"])).stdout.trim().split("\n");
    assertEquals(plain, ["report.txt"]);
    const all = (await rclone(["lsf", "--s3-versions", "r:docs"])).stdout.trim().split("\n").sort();
    assertEquals(all.length, 2, all.join(", "));
    assert(all.includes("report.txt"));
    assertMatch(all.find((n) => n !== "report.txt")!, /^report-v\d{4}-\d\d-\d\d-\d{6}-\d{3}\.txt$/);
    const past = await rclone(["cat", "--s3-version-at", between, "r:docs/report.txt"]);
    assertEquals(past.stdout, "first draft\n");
    const now = await rclone(["cat", "r:docs/report.txt"]);
    assertEquals(now.stdout, "final version, longer\n");
  } finally {
    s3.destroy();
  }
});

Deno.test("a restic repository on a locked bucket survives a stolen key", async (t) => {
  if (!await requireProgram("restic")) return;
  await using base = await clientNode("vault-owner");
  const { node, creds: owner, home } = base;
  const admin = sdk(node, owner);
  // The backup machine's key may read and write, but does not own the bucket.
  const backup = await node.createKey("backup-machine");
  const vault = `s3:${node.s3}/vault`;
  try {
    await admin.send(
      new CreateBucketCommand({ Bucket: "vault", ObjectLockEnabledForBucket: true }),
    );
    await admin.send(
      new PutObjectLockConfigurationCommand({
        Bucket: "vault",
        ObjectLockConfiguration: {
          ObjectLockEnabled: "Enabled",
          Rule: { DefaultRetention: { Mode: "COMPLIANCE", Days: 1 } },
        },
      }),
    );
    const info = await node.api<{ id: string }>("GET", "/v2/GetBucketInfo?globalAlias=vault");
    await node.api("POST", "/v2/AllowBucketKey", {
      bucketId: info.id,
      accessKeyId: backup.accessKeyId,
      permissions: { read: true, write: true, owner: false },
    });
    const src = `${home}/src`;
    await makeTree(src, {
      "taxes/2025.pdf": 90 * KiB,
      "photos/wedding.jpg": 400 * KiB,
      "notes.txt": "keep this\n",
    });
    const restic = (args: string[], o: { allowFailure?: boolean; cwd?: string } = {}) =>
      run("restic", args, {
        home,
        timeoutMs: 100_000,
        env: {
          AWS_ACCESS_KEY_ID: backup.accessKeyId,
          AWS_SECRET_ACCESS_KEY: backup.secretAccessKey,
          AWS_DEFAULT_REGION: node.region,
          RESTIC_PASSWORD: "vault password",
          RESTIC_REPOSITORY: vault,
          RESTIC_CACHE_DIR: `${home}/cache`,
        },
        ...o,
      });
    const snapshots = async () =>
      JSON.parse((await restic(["snapshots", "--json"])).stdout) as {
        id: string;
      }[];

    await t.step("restic backs up into the locked bucket", async () => {
      await restic(["init"]);
      await restic(["backup", "."], { cwd: src });
      assertEquals((await snapshots()).length, 1);
    });

    await t.step("the stolen key forgets and prunes; no version is destroyed", async () => {
      const [snap] = await snapshots();
      await restic(["forget", snap.id, "--prune"]);
      assertEquals(await snapshots(), []);
      // Going after the versions themselves is refused, even claiming to bypass a lock.
      const thief = sdk(node, backup);
      try {
        const listed = await thief.send(new ListObjectVersionsCommand({ Bucket: "vault" }));
        const victims = (listed.Versions ?? []).slice(0, 5);
        assert(victims.length > 0);
        for (const v of victims) {
          const e = await thief.send(
            new DeleteObjectCommand({
              Bucket: "vault",
              Key: v.Key,
              VersionId: v.VersionId,
              BypassGovernanceRetention: true,
            }),
          ).then(() => undefined, (e: S3ServiceException) => e);
          assertEquals(e?.name, "AccessDenied", `${v.Key} ${v.VersionId}`);
        }
      } finally {
        thief.destroy();
      }
    });

    await t.step(
      "the owner removes the delete markers: the repository is whole again",
      async () => {
        const listed = await admin.send(new ListObjectVersionsCommand({ Bucket: "vault" }));
        // Restic's own lock files stay deleted: bringing one back would leave a stale lock.
        const markers = (listed.DeleteMarkers ?? []).filter((m) => !m.Key!.startsWith("locks/"));
        assert(markers.length > 0, "restic's deletes left markers");
        for (const m of markers) {
          await admin.send(
            new DeleteObjectCommand({ Bucket: "vault", Key: m.Key, VersionId: m.VersionId }),
          );
        }
        assertEquals((await snapshots()).length, 1);
        const check = await restic(["check", "--read-data"]);
        assertMatch(check.stdout, /no errors were found/);
        await restic(["restore", "latest", "--target", `${home}/restored`]);
        assertEquals(await hashTree(`${home}/restored`), await hashTree(src));
      },
    );
  } finally {
    admin.destroy();
  }
});
