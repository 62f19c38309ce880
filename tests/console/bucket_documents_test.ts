/**
 * A bucket's CORS, lifecycle and website rules edited in the console, in Chromium on a 3-node
 * cluster: refusals are the S3 API's own words, templates save, and what was saved is what an
 * S3 client reads back from another node.
 */
import {
  GetBucketCorsCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketWebsiteCommand,
} from "@aws-sdk/client-s3";
import type { GetBucketInfoResponse } from "../../shared/admin.ts";
import { assertEquals } from "../assert.ts";
import { s3Client } from "../cluster.ts";
import { assertS3Error } from "../s3/client.ts";
import { consoleTest } from "./session.ts";

consoleTest("console bucket rules: CORS, lifecycle and website documents", async (s) => {
  const { page, node, nodes } = s;
  const bucket = await node.api<GetBucketInfoResponse>("POST", "/v2/CreateBucket", {
    globalAlias: "site",
  });
  const key = await node.createKey("site-owner");
  await node.api("POST", "/v2/AllowBucketKey", {
    bucketId: bucket.id,
    accessKeyId: key.accessKeyId,
    permissions: { read: true, write: true, owner: true },
  });
  const s3 = s3Client(nodes[1], key);
  try {
    await s.open(`#/buckets/${bucket.id}`);
    const cors = page.getByRole("form", { name: "CORS rules" });
    await cors.getByLabel("CORS rules (XML)").fill(
      "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod></CORSRule></CORSConfiguration>",
    );
    await cors.getByRole("button", { name: "Save cors rules" }).click();
    await cors.getByRole("alert").filter({
      hasText: "Unsupported method is PATCH (InvalidRequest, HTTP 400)",
    }).waitFor();
    await cors.getByRole("button", { name: "Template: Any site may read" }).click();
    await cors.getByRole("button", { name: "Save cors rules" }).click();
    await page.getByRole("status").filter({ hasText: "CORS rules: saved." }).waitFor();
    const got = await s3.send(new GetBucketCorsCommand({ Bucket: "site" }));
    assertEquals(got.CORSRules?.[0].AllowedMethods, ["GET", "HEAD"]);

    const lifecycle = page.getByRole("form", { name: "Lifecycle rules" });
    await lifecycle.getByLabel("Lifecycle rules (XML)").fill(
      "<LifecycleConfiguration><Rule><Filter></Filter><Status>Enabled</Status><Transition><Days>30</Days><StorageClass>GLACIER</StorageClass></Transition></Rule></LifecycleConfiguration>",
    );
    await lifecycle.getByRole("button", { name: "Save lifecycle rules" }).click();
    await lifecycle.getByRole("alert").filter({ hasText: "NotImplemented, HTTP 501" }).waitFor();
    await lifecycle.getByRole("button", { name: "Template: Expire tmp/ after 7 days" }).click();
    await lifecycle.getByRole("button", { name: "Save lifecycle rules" }).click();
    await page.getByRole("status").filter({ hasText: "Lifecycle rules: saved." }).waitFor();
    const rules = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: "site" }));
    assertEquals(rules.Rules?.map((r) => r.ID), ["expire-tmp", "abort-uploads"]);

    const website = page.getByRole("form", { name: "Website configuration" });
    await website.getByRole("button", { name: /^Template: Index, error page/ }).click();
    await website.getByRole("button", { name: "Save website configuration" }).click();
    await page.getByRole("status").filter({ hasText: "Website configuration: saved." })
      .waitFor();
    const web = await s3.send(new GetBucketWebsiteCommand({ Bucket: "site" }));
    assertEquals(web.RoutingRules?.[0].Redirect?.ReplaceKeyPrefixWith, "documentation/");
    await s.shots("console-bucket-rules");

    // Removed: S3 says there is none.
    await cors.getByRole("button", { name: "Remove cors rules" }).click();
    await page.getByRole("button", { name: "Yes, remove" }).click();
    await page.getByRole("status").filter({ hasText: "CORS rules: removed." }).waitFor();
    await assertS3Error(
      () => s3.send(new GetBucketCorsCommand({ Bucket: "site" })),
      "NoSuchCORSConfiguration",
      404,
    );
  } finally {
    s3.destroy();
  }
});
