/**
 * Public access in the console, in Chromium on a 3-node cluster: a policy refused with the
 * server's own words, a template opening a prefix, the public access block shutting it and
 * opening it again, a canned ACL, the "public" badge on the bucket list and the object browser,
 * and an object's ACL in its details with the URL anyone can fetch. Each checked from outside
 * with anonymous requests.
 */
import { PutObjectAclCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import type { GetBucketInfoResponse } from "../../shared/admin.ts";
import { assertEquals } from "../assert.ts";
import { s3Client } from "../cluster.ts";
import { consoleTest } from "./session.ts";

async function status(url: string): Promise<number> {
  const res = await fetch(url);
  await res.body?.cancel();
  return res.status;
}

consoleTest(
  "console access: policy, public access block, ACL and badges",
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
      permissions: { read: true, write: true, owner: true },
    });
    const s3 = s3Client(nodes[1], key);
    const base = `${node.s3}/media`;
    try {
      for (const Key of ["pub/cat.jpg", "notes.txt"]) {
        await s3.send(
          new PutObjectCommand({
            Bucket: "media",
            Key,
            Body: `body of ${Key}`,
          }),
        );
      }

      await s.open(`#/buckets/${bucket.id}`);
      await page.getByRole("link", {
        name: "Policy, public access block and ACL",
      }).click();
      await page.getByRole("heading", { name: "Public access to “media”" })
        .waitFor();
      await page.getByText("Only the keys given access can use this bucket")
        .waitFor();

      // The server judges the policy and the console says what it said.
      const editor = page.getByLabel("Policy (JSON)");
      await editor.fill(JSON.stringify({
        Version: "2012-10-17",
        Statement: [{
          Effect: "Allow",
          Principal: "*",
          Action: "s3:Fly",
          Resource: "*",
        }],
      }));
      await page.getByRole("button", { name: "Save policy" }).click();
      await page.getByRole("alert").filter({ hasText: "s3:Fly" }).filter({
        hasText: "MalformedPolicy, HTTP 400",
      }).waitFor();
      assertEquals(await status(`${base}/pub/cat.jpg`), 403);

      // The prefix template: anyone reads under pub/, nothing else.
      await page.getByLabel("Prefix").fill("pub/");
      await page.getByRole("button", {
        name: "Template: public read of a prefix",
      }).click();
      assertEquals(
        JSON.parse(await editor.inputValue()).Statement[0].Resource,
        "arn:aws:s3:::media/pub/*",
      );
      await page.getByRole("button", { name: "Save policy" }).click();
      await page.getByRole("status").filter({ hasText: "Policy saved." })
        .waitFor();
      await page.getByText("Anyone, without a key, can use this bucket")
        .waitFor();
      assertEquals(await status(`${base}/pub/cat.jpg`), 200);
      assertEquals(await status(`${base}/notes.txt`), 403);
      await s.shots("console-access");

      // Restrict public buckets shuts the policy for callers without a key, and opens it again.
      const restrict = page.getByLabel(/Restrict public buckets/);
      await restrict.check();
      await page.getByRole("button", { name: "Save public access block" })
        .click();
      await page.getByText("Only the keys given access can use this bucket")
        .waitFor();
      assertEquals(await status(`${base}/pub/cat.jpg`), 403);
      await restrict.uncheck();
      await page.getByRole("button", { name: "Save public access block" })
        .click();
      await page.getByText("Anyone, without a key, can use this bucket")
        .waitFor();
      assertEquals(await status(`${base}/pub/cat.jpg`), 200);

      // Removing the policy, then a public-read ACL: listing opens, downloads do not.
      await page.getByRole("button", { name: "Remove policy" }).click();
      await page.getByRole("button", { name: "Yes, remove it" }).click();
      await page.getByRole("status").filter({ hasText: "Policy removed." })
        .waitFor();
      assertEquals(await status(`${base}/pub/cat.jpg`), 403);
      await page.getByRole("radio", { name: /public-read: anyone may list/ })
        .check();
      await page.getByRole("button", { name: "Save ACL" }).click();
      await page.getByText("its ACL lets anyone list its objects").waitFor();
      assertEquals(await status(`${base}?list-type=2`), 200);
      assertEquals(await status(`${base}/notes.txt`), 403);

      // The badge on the bucket list leads back here.
      await s.open("#/buckets");
      const row = page.getByRole("row", { name: /media/ });
      await row.getByRole("link", { name: "public" }).waitFor();

      // The object browser: the badge, and an object's ACL in its details.
      await s.open(`#/buckets/${bucket.id}/objects`);
      await page.getByRole("heading").getByRole("link", { name: "public" })
        .waitFor();
      await s3.send(
        new PutObjectAclCommand({
          Bucket: "media",
          Key: "notes.txt",
          ACL: "public-read",
        }),
      );
      const notes = page.getByRole("row", { name: /notes\.txt/ });
      await notes.getByRole("button", { name: /^Details/ }).click();
      const details = page.getByRole("definition").filter({
        hasText: "its own ACL is public-read",
      });
      await details.waitFor();
      const url = await page.getByRole("textbox", { name: "Public URL" })
        .inputValue();
      assertEquals(url, `${node.s3}/media/notes.txt`);
      const anon = await fetch(url);
      assertEquals([anon.status, await anon.text()], [
        200,
        "body of notes.txt",
      ]);
      await s.shots("console-object-details");
    } finally {
      s3.destroy();
    }
  },
);
