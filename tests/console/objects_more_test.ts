/**
 * The object browser's day-to-day tools, in Chromium on a 3-node cluster: search by prefix,
 * select all, delete from a row with a message saying so, a new folder, and an upload into a
 * typed path; each checked through S3 on another node.
 */
import { Buffer } from "node:buffer";
import { HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import type { GetBucketInfoResponse } from "../../shared/admin.ts";
import { assertEquals } from "../assert.ts";
import { s3Client } from "../cluster.ts";
import { assertS3Error } from "../s3/client.ts";
import { consoleTest } from "./session.ts";

consoleTest(
  "console objects: search, select all, row delete, new folder, typed path",
  async (s) => {
    const { page, node, nodes } = s;
    const bucket = await node.api<GetBucketInfoResponse>("POST", "/v2/CreateBucket", {
      globalAlias: "shelf",
    });
    const key = await node.createKey("shelf-rw");
    await node.api("POST", "/v2/AllowBucketKey", {
      bucketId: bucket.id,
      accessKeyId: key.accessKeyId,
      permissions: { read: true, write: true },
    });
    const s3 = s3Client(nodes[1], key);
    const head = (Key: string) => s3.send(new HeadObjectCommand({ Bucket: "shelf", Key }));
    try {
      for (const Key of ["2025-a.txt", "2026-b.txt", "2026-c.txt"]) {
        await s3.send(new PutObjectCommand({ Bucket: "shelf", Key, Body: Key }));
      }
      await s.open(`#/buckets/${bucket.id}/objects`);
      await page.getByRole("cell", { name: "2025-a.txt", exact: true }).waitFor();

      // Search narrows the folder to the keys that start with what is typed.
      await page.getByLabel("Search this folder by prefix").fill("2026-");
      await page.getByRole("heading", { name: "0 folders, 2 objects" }).waitFor();
      await page.getByLabel("Select all").check();
      await page.getByRole("button", { name: "Delete 2 objects" }).waitFor();
      await page.getByLabel("Select all").uncheck();
      assertEquals(await page.getByRole("button", { name: "Delete 2 objects" }).count(), 0);

      // Delete one object from its row; the page says it was done.
      const row = page.getByRole("row", { name: /2026-b\.txt/ });
      await row.getByRole("button", { name: /^Delete/ }).click();
      await page.getByRole("button", { name: "Yes, delete it" }).click();
      await page.getByRole("status").filter({ hasText: "Deleted 2026-b.txt." }).waitFor();
      await assertS3Error(() => head("2026-b.txt"), null, 404);
      await page.getByLabel("Search this folder by prefix").fill("");

      // A new folder: an empty "reports/" object, and the browser goes into it.
      await page.getByLabel("New folder").fill("reports");
      await page.getByRole("button", { name: "Create folder" }).click();
      await page.getByRole("heading", { level: 1, name: "reports/" }).waitFor();
      assertEquals((await head("reports/")).ContentLength, 0);

      // Upload into a typed path, from the top of the bucket.
      await s.open(`#/buckets/${bucket.id}/objects`);
      await page.getByLabel("Upload into the folder").fill("/inbox/2026/");
      await page.getByText("upload them to inbox/2026/").waitFor();
      await page.getByLabel("Files to upload").setInputFiles([
        { name: "note.txt", mimeType: "text/plain", buffer: Buffer.from("typed") },
      ]);
      await page.locator(".upload", { hasText: "note.txt" }).getByText(/uploaded/).waitFor();
      assertEquals((await head("inbox/2026/note.txt")).ContentLength, 5);
      await s.shots("console-objects-tools");
    } finally {
      s3.destroy();
    }
  },
);
