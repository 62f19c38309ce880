/**
 * Versions in the console, in Chromium on a 3-node cluster: versioning and object lock turned
 * on from the bucket's page; an object's history shown with its lock and tags; an old version
 * downloaded and restored; a deleted object found and brought back. Each checked through S3.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import type { GetBucketInfoResponse } from "../../shared/admin.ts";
import { assertEquals } from "../assert.ts";
import { s3Client } from "../cluster.ts";
import { consoleTest } from "./session.ts";

consoleTest(
  "console versions: settings, history, restore, deleted objects",
  async (s) => {
    const { page, node, nodes } = s;
    const bucket = await node.api<GetBucketInfoResponse>(
      "POST",
      "/v2/CreateBucket",
      {
        globalAlias: "archive",
      },
    );
    const key = await node.createKey("archive-rw");
    await node.api("POST", "/v2/AllowBucketKey", {
      bucketId: bucket.id,
      accessKeyId: key.accessKeyId,
      permissions: { read: true, write: true, owner: true },
    });
    const s3 = s3Client(nodes[1], key);
    try {
      // Versioning, then object lock with a default retention, from the bucket's page.
      await s.open(`#/buckets/${bucket.id}`);
      await page.getByRole("button", { name: "Enable versioning" }).click();
      await page.getByRole("button", { name: "Suspend versioning" }).waitFor();
      await page.getByLabel("Default retention").selectOption("GOVERNANCE");
      await page.getByLabel("Days").fill("0");
      await page.getByRole("button", { name: "Turn object lock on" }).click();
      await page.getByRole("alert").filter({
        hasText: "is not a number of days",
      }).waitFor();
      await page.getByLabel("Days").fill("3");
      await page.getByRole("button", { name: "Turn object lock on" }).click();
      await page.getByRole("button", { name: "Save object lock" }).waitFor();
      const lock = await s3.send(
        new GetObjectLockConfigurationCommand({ Bucket: "archive" }),
      );
      assertEquals(lock.ObjectLockConfiguration?.Rule?.DefaultRetention, {
        Mode: "GOVERNANCE",
        Days: 3,
      });
      // A locked bucket stays versioned: no suspend button any more.
      assertEquals(
        await page.getByRole("button", { name: "Suspend versioning" }).count(),
        0,
      );

      // Three versions of one object, the first tagged; one object deleted.
      const put = async (Key: string, Body: string, extra = {}) =>
        (await s3.send(
          new PutObjectCommand({ Bucket: "archive", Key, Body, ...extra }),
        )).VersionId!;
      const first = await put("notes.txt", "first draft", {
        Tagging: "stage=draft",
      });
      await put("notes.txt", "second");
      await put("notes.txt", "final");
      const goneVersion = await put("gone.txt", "was here");
      await s3.send(
        new DeleteObjectCommand({ Bucket: "archive", Key: "gone.txt" }),
      );

      // The history: every version, the latest marked, the lock and the tags shown.
      await page.getByRole("link", { name: "Browse objects" }).click();
      await page.getByRole("cell", { name: "notes.txt", exact: true })
        .waitFor();
      await page.getByLabel("Show versions").check();
      await page.getByRole("cell", { name: /gone\.txt.*deleted/ }).waitFor();
      await page.getByRole("button", { name: "Versions of notes.txt" }).click();
      const history = page.getByRole("table", {
        name: "Versions of notes.txt",
      });
      await history.getByRole("row").nth(3).waitFor();
      assertEquals(await history.getByRole("row").count(), 4);
      const firstRow = history.getByRole("row", { name: new RegExp(first) });
      await firstRow.getByText("stage=draft").waitFor();
      await firstRow.getByText(/GOVERNANCE until/).waitFor();
      await s.shots("console-versions");

      // Download the first draft, then restore it as the latest.
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        firstRow.getByRole("button", { name: /^Download/ }).click(),
      ]);
      assertEquals(
        await Deno.readTextFile((await download.path())!),
        "first draft",
      );
      await firstRow.getByRole("button", { name: /^Restore/ }).click();
      await page.getByRole("status").filter({
        hasText: "restored as the latest",
      }).waitFor();
      const now = await s3.send(
        new GetObjectCommand({ Bucket: "archive", Key: "notes.txt" }),
      );
      assertEquals(await now.Body!.transformToString(), "first draft");
      await history.getByRole("row").nth(4).waitFor();

      // The deleted object's version is restored from its own history.
      await page.getByRole("button", { name: "Versions of gone.txt" }).click();
      const gone = page.getByRole("table", { name: "Versions of gone.txt" });
      await gone.getByText("delete marker").waitFor();
      await gone.getByRole("button", { name: /^Restore/ }).click();
      // The first restore's message is still shown above: wait for this one's.
      await page.getByRole("status").filter({
        hasText: `Version ${goneVersion} restored`,
      }).waitFor();
      const back = await s3.send(
        new GetObjectCommand({ Bucket: "archive", Key: "gone.txt" }),
      );
      assertEquals(await back.Body!.transformToString(), "was here");
    } finally {
      s3.destroy();
    }
  },
);
