/**
 * The console's object browser in Chromium on a 3-node cluster: uploads by button and by drag
 * and drop (a large file in parts, with its progress bar), folders, download, a presigned link
 * and deletion, each checked through S3 on another node.
 */
import { Buffer } from "node:buffer";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import type { GetBucketInfoResponse, ListBucketObjectsResponse } from "../../shared/admin.ts";
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { content, s3Client } from "../cluster.ts";
import { consoleTest } from "./session.ts";

const MiB = 1024 * 1024;

consoleTest(
  "console objects: upload, browse folders, download, link and delete",
  async (s) => {
    const { page, node, nodes } = s;
    const bucket = await node.api<GetBucketInfoResponse>(
      "POST",
      "/v2/CreateBucket",
      {
        globalAlias: "media",
      },
    );
    const key = await node.createKey("media-rw");
    await node.api("POST", "/v2/AllowBucketKey", {
      bucketId: bucket.id,
      accessKeyId: key.accessKeyId,
      permissions: { read: true, write: true },
    });
    // Read through another node than the one the console talks to.
    const s3 = s3Client(nodes[1], key);
    try {
      await s3.send(
        new PutObjectCommand({ Bucket: "media", Key: "docs/a.txt", Body: "a" }),
      );

      // From the bucket's page to its objects.
      await s.open(`#/buckets/${bucket.id}`);
      await page.getByRole("link", { name: "Browse objects" }).click();
      await page.getByRole("heading", { level: 1, name: "Objects of “media”" })
        .waitFor();
      await page.getByRole("link", { name: "docs/" }).waitFor();

      // Two files by the file chooser: a small one, and a large one that goes in 3 parts. The
      // 20 MiB cross to the browser as base64 over the DevTools protocol: slow on a busy machine.
      const big = content("big", 20 * MiB + 5);
      await page.getByLabel("Files to upload").setInputFiles([
        {
          name: "hello.txt",
          mimeType: "text/plain",
          buffer: Buffer.from("hi"),
        },
        {
          name: "big.bin",
          mimeType: "application/octet-stream",
          buffer: Buffer.from(big),
        },
      ], { timeout: 60_000 });
      const bigRow = page.locator(".upload", { hasText: "big.bin" });
      await bigRow.getByText(/uploaded/).waitFor({ timeout: 60_000 });
      assertEquals(
        await bigRow.getByRole("progressbar").getAttribute("value"),
        "100",
      );
      await page.getByRole("cell", { name: "big.bin", exact: true }).waitFor();
      const head = await s3.send(
        new HeadObjectCommand({ Bucket: "media", Key: "big.bin" }),
      );
      assertEquals(head.ContentLength, big.length);
      assertMatch(head.ETag!, /-3"$/);
      const back = await s3.send(
        new GetObjectCommand({ Bucket: "media", Key: "big.bin" }),
      );
      assertEquals(await back.Body!.transformToByteArray(), big);

      // Into a folder, and a file dropped there lands in it.
      await page.getByRole("link", { name: "docs/" }).click();
      await page.getByRole("heading", { level: 1, name: "docs/" }).waitFor();
      await page.getByRole("cell", { name: "a.txt", exact: true }).waitFor();
      const drop = await page.evaluateHandle(() => {
        const dt = new DataTransfer();
        dt.items.add(
          new File(["dropped!"], "dropped.txt", { type: "text/plain" }),
        );
        return dt;
      });
      await page.dispatchEvent("main section", "dragover", {
        dataTransfer: drop,
      });
      await page.dispatchEvent("main section", "drop", { dataTransfer: drop });
      await page.getByRole("cell", { name: "dropped.txt", exact: true })
        .waitFor();
      const dropped = await s3.send(
        new GetObjectCommand({ Bucket: "media", Key: "docs/dropped.txt" }),
      );
      assertEquals(await dropped.Body!.transformToString(), "dropped!");
      assertEquals(dropped.ContentType, "text/plain");

      // A refused upload says why, where it happened, and the listing stays as it was.
      await page.getByLabel("Files to upload").setInputFiles([
        {
          name: "k".repeat(1100),
          mimeType: "text/plain",
          buffer: Buffer.from("x"),
        },
      ]);
      await page.getByRole("alert").filter({
        hasText: /Uploading docs\/k+ failed.*KeyTooLongError/,
      })
        .waitFor();

      // Back up through the crumbs; download the small file.
      await page.getByRole("navigation", { name: "Folders" }).getByRole(
        "link",
        {
          name: "objects",
        },
      ).click();
      await page.getByRole("cell", { name: "hello.txt", exact: true })
        .waitFor();
      // The uploads outlive the folder they were started from.
      await page.locator(".upload", { hasText: "big.bin" }).getByText(
        /uploaded/,
      ).waitFor();
      const row = page.getByRole("row", { name: /hello\.txt/ });
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        row.getByRole("button", { name: /^Download/ }).click(),
      ]);
      assertEquals(download.suggestedFilename(), "hello.txt");
      assertEquals(await Deno.readTextFile((await download.path())!), "hi");

      // A presigned link, fetched by someone with no key.
      await row.getByRole("button", { name: /^Link/ }).click();
      await page.getByLabel("Signed with key").selectOption(key.accessKeyId);
      await page.getByLabel("Valid for").selectOption("86400");
      await page.getByRole("button", { name: "Create link" }).click();
      const link = await page.getByRole("textbox", { name: "Presigned link" })
        .inputValue();
      assert(link.startsWith(`${node.s3}/media/hello.txt?`), link);
      assertMatch(link, /X-Amz-Expires=86400/);
      const fetched = await fetch(link);
      assertEquals([fetched.status, await fetched.text()], [200, "hi"]);
      await s.shots("console-objects");

      // Delete the two top-level objects selected together.
      await page.getByLabel("Select hello.txt").check();
      await page.getByLabel("Select big.bin").check();
      await page.getByRole("button", { name: "Delete 2 objects" }).click();
      await page.getByRole("button", { name: "Yes, delete them" }).click();
      await page.getByRole("cell", { name: "hello.txt", exact: true }).waitFor({
        state: "detached",
      });
      const left = await node.api<ListBucketObjectsResponse>(
        "GET",
        `/v2/ListBucketObjects?bucketId=${bucket.id}`,
      );
      assertEquals(left.objects.map((o) => o.key), [
        "docs/a.txt",
        "docs/dropped.txt",
      ]);
    } finally {
      s3.destroy();
    }
  },
);
