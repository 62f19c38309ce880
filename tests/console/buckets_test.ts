/**
 * Keys and buckets in Chromium on a 3-node cluster: a key imported (and a bad one explained),
 * renamed and allowed on a bucket from its own page; a bucket's aliases, quotas and website
 * set from its page, each checked through the admin API and S3 on another node.
 */
import { HeadBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import type { GetBucketInfoResponse, GetKeyInfoResponse } from "../../shared/admin.ts";
import { assertEquals } from "../assert.ts";
import { s3Client } from "../cluster.ts";
import { assertS3Error } from "../s3/client.ts";
import { consoleTest } from "./session.ts";

const IMPORTED = {
  accessKeyId: "GK0123456789abcdef01234567",
  secretAccessKey: "89abcdef".repeat(8),
};

consoleTest(
  "console keys and buckets: import, rename, rights, aliases, quotas, website",
  async (s) => {
    const { page, node, nodes } = s;
    const bucket = await node.api<GetBucketInfoResponse>(
      "POST",
      "/v2/CreateBucket",
      {
        globalAlias: "photos",
      },
    );

    // Import: a malformed ID is explained, a good one lands on the key's page.
    await s.open("#/keys");
    await page.getByText("Import an existing key").click();
    await page.getByLabel("Access key ID to import").fill("AKIA-not-ours");
    await page.getByLabel("Secret access key to import").fill(
      IMPORTED.secretAccessKey,
    );
    await page.getByRole("button", { name: "Import key" }).click();
    await page.getByRole("alert").filter({
      hasText: "Importing the key failed",
    }).waitFor();
    await page.getByLabel("Access key ID to import").fill(IMPORTED.accessKeyId);
    await page.getByLabel("Name of the imported key").fill("old-laptop");
    await page.getByRole("button", { name: "Import key" }).click();
    await page.getByRole("heading", { level: 1, name: "Key “old-laptop”" })
      .waitFor();
    await s.shots("console-keys");

    // Rename, then allow it on the bucket from the key's side.
    await page.getByLabel("Name", { exact: true }).fill("backup-laptop");
    await page.getByRole("button", { name: "Rename" }).click();
    await page.getByRole("heading", { level: 1, name: "Key “backup-laptop”" })
      .waitFor();
    await page.getByLabel("Bucket", { exact: true }).selectOption(bucket.id);
    await page.getByRole("button", { name: "Allow on bucket" }).click();
    const owner = page.getByLabel("owner on bucket photos");
    await owner.waitFor();
    assertEquals(
      await page.getByLabel("write on bucket photos").isChecked(),
      true,
    );
    await owner.check();
    await page.waitForFunction(() =>
      document.querySelector<HTMLInputElement>(
        'input[aria-label="owner on bucket photos"]',
      )
        ?.disabled === false
    );
    const key = await node.api<GetKeyInfoResponse>(
      "GET",
      `/v2/GetKeyInfo?id=${IMPORTED.accessKeyId}`,
    );
    assertEquals(key.name, "backup-laptop");
    assertEquals(key.buckets[0]?.permissions, {
      read: true,
      write: true,
      owner: true,
    });

    // The bucket: a second global alias and one local to the key.
    await s.open(`#/buckets/${bucket.id}`);
    await page.getByLabel("New alias").fill("pictures");
    await page.getByRole("button", { name: "Add alias" }).click();
    await page.getByRole("button", { name: "Remove the alias pictures" })
      .waitFor();
    await page.getByLabel("New alias").fill("my-photos");
    await page.getByLabel("Seen by").selectOption(IMPORTED.accessKeyId);
    await page.getByRole("button", { name: "Add alias" }).click();
    await page.getByText("local to key backup-laptop").waitFor();
    const withAliases = await node.api<GetBucketInfoResponse>(
      "GET",
      `/v2/GetBucketInfo?id=${bucket.id}`,
    );
    assertEquals(withAliases.globalAliases.sort(), ["photos", "pictures"]);
    assertEquals(withAliases.keys[0].bucketLocalAliases, ["my-photos"]);

    // A quota of one object, held by S3 on another node; a bad size is explained first.
    await page.getByLabel("Maximum size").fill("a lot");
    await page.getByRole("button", { name: "Save quotas" }).click();
    await page.getByRole("alert").filter({ hasText: "“a lot” is not a size" })
      .waitFor();
    await page.getByLabel("Maximum size").fill("");
    await page.getByLabel("Maximum objects").fill("1");
    await page.getByRole("button", { name: "Save quotas" }).click();
    await page.locator(".stats").getByText("1 object", { exact: true })
      .waitFor();
    const s3 = s3Client(nodes[2], IMPORTED);
    try {
      await s3.send(new HeadBucketCommand({ Bucket: "my-photos" }));
      await s3.send(
        new PutObjectCommand({ Bucket: "photos", Key: "one.jpg", Body: "1" }),
      );
      await assertS3Error(
        () =>
          s3.send(
            new PutObjectCommand({
              Bucket: "photos",
              Key: "two.jpg",
              Body: "2",
            }),
          ),
        "AccessDenied",
        403,
      );
    } finally {
      s3.destroy();
    }

    // Website access with index and error documents.
    await page.getByLabel("Serve this bucket as a website").check();
    await page.getByLabel("Error document (optional)").fill("404.html");
    await page.getByRole("button", { name: "Save website settings" }).click();
    await page.locator(".facts").getByText(
      "on (index index.html, error 404.html)",
    ).waitFor();
    const web = await node.api<GetBucketInfoResponse>(
      "GET",
      `/v2/GetBucketInfo?id=${bucket.id}`,
    );
    assertEquals(web.websiteConfig, {
      indexDocument: "index.html",
      errorDocument: "404.html",
    });
    assertEquals(web.quotas, { maxSize: null, maxObjects: 1 });

    // The counts follow the object written through S3.
    await page.reload();
    await page.locator(".stats").getByText("Objects", { exact: true })
      .waitFor();
    assertEquals(await page.locator(".stats dd").first().innerText(), "1");
    await s.shots("console-bucket-settings");
  },
);
