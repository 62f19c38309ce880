/**
 * The usage screen in Chromium on a 3-node cluster sampling every 200 ms: request and error
 * rates per node and objects per bucket drawn from the nodes' own history, and the errors they
 * answered listed newest first.
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { assertMatch } from "../assert.ts";
import { s3Client } from "../cluster.ts";
import { assertS3Error } from "../s3/client.ts";
import { consoleTest } from "./session.ts";

consoleTest(
  "console usage: rates, bucket counts and recent errors from the nodes' history",
  async (s) => {
    const { page, node, nodes } = s;
    const key = await node.createKey("writer");
    await node.api("POST", `/v2/UpdateKey?id=${key.accessKeyId}`, {
      allow: { createBucket: true },
    });
    const s3 = s3Client(nodes[1], key);
    try {
      await s3.send(new CreateBucketCommand({ Bucket: "photos" }));
      for (let i = 0; i < 12; i++) {
        await s3.send(
          new PutObjectCommand({ Bucket: "photos", Key: `p${i}`, Body: "x".repeat(100) }),
        );
      }
      await assertS3Error(
        () => s3.send(new GetObjectCommand({ Bucket: "photos", Key: "nope.jpg" })),
        "NoSuchKey",
        404,
      );
      await new Promise((r) => setTimeout(r, 700));

      await s.open("#/usage");
      const requests = page.getByRole("img", { name: /^S3 requests per second,/ });
      await requests.waitFor();
      assertMatch((await requests.getAttribute("aria-label"))!, /peak \d/);
      const objects = page.getByRole("img", { name: /^Objects per bucket/ });
      assertMatch((await objects.getAttribute("aria-label"))!, /photos: now 12, peak 12/);
      const perBucket = page.getByRole("img", { name: /^S3 requests per second per bucket/ });
      assertMatch(
        (await perBucket.getAttribute("aria-label"))!,
        /photos: now [\d.]+\/s, peak [1-9]/,
      );
      const row = page.getByRole("row", { name: /NoSuchKey/ });
      await row.getByText("GET /photos/nope.jpg").waitFor();
      await s.shots("console-usage");
    } finally {
      s3.destroy();
    }
  },
  { node: { env: { REMISE_USAGE_SAMPLE_MS: "200" } } },
);
