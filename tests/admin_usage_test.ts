/**
 * A node's usage over time and its recent errors, from the admin API: sampled counters that grow
 * with the traffic, bucket counts, and the last errors answered (S3 and admin), without the
 * query string a presigned URL would leave there.
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import type {
  GetBucketInfoResponse,
  GetNodeUsageResponse,
  ListRecentErrorsResponse,
} from "../shared/admin.ts";
import { assert, assertEquals } from "./assert.ts";
import { eventually } from "./cluster.ts";
import { assertS3Error, s3Fixture } from "./s3/client.ts";

Deno.test("usage history and recent errors of a node", async () => {
  await using f = await s3Fixture({ env: { REMISE_USAGE_SAMPLE_MS: "100" } });
  const { node, s3 } = f;
  await s3.send(new CreateBucketCommand({ Bucket: "stats" }));
  for (const Key of ["a", "b", "c"]) {
    await s3.send(new PutObjectCommand({ Bucket: "stats", Key, Body: "12345" }));
  }
  await assertS3Error(
    () => s3.send(new GetObjectCommand({ Bucket: "stats", Key: "missing" })),
    "NoSuchKey",
    404,
  );
  const missingKey = await fetch(`${node.admin}/v2/GetKeyInfo?id=GKffffffffffffffffffffffff`, {
    headers: { authorization: `Bearer ${node.adminToken}` },
  });
  await missingKey.body?.cancel();
  const trafficEnded = Date.now();
  const bucket = await node.api<GetBucketInfoResponse>(
    "GET",
    "/v2/GetBucketInfo?globalAlias=stats",
  );

  // A sample taken while the traffic ran may already count the three objects, not the refusal.
  const usage = await eventually(
    "a sample after the traffic",
    async () =>
      Object.values(
        (await node.api<GetNodeUsageResponse>("GET", "/v2/GetNodeUsage?node=self")).success,
      )[0],
    (u) => (u.samples.at(-1)?.at ?? 0) > trafficEnded,
  );
  assertEquals(usage.intervalMs, 100);
  const last = usage.samples.at(-1)!;
  assertEquals(last.buckets[bucket.id], { objects: 3, bytes: 15 });
  assert(last.requests >= 5 && last.errors >= 1, JSON.stringify(last));
  assertEquals(last.bytesIn, 15);
  // CreateBucket, three puts and the refused get, counted for the bucket.
  assertEquals(last.bucketRequests[bucket.id], { requests: 4, errors: 1 });
  for (let i = 1; i < usage.samples.length; i++) {
    assert(usage.samples[i].at > usage.samples[i - 1].at);
    assert(usage.samples[i].requests >= usage.samples[i - 1].requests);
  }

  const recent = Object.values(
    (await node.api<ListRecentErrorsResponse>("GET", "/v2/ListRecentErrors?node=self")).success,
  )[0];
  const s3Error = recent.find((e) => e.api === "s3")!;
  assertEquals(
    [s3Error.operation, s3Error.method, s3Error.path, s3Error.status, s3Error.code],
    ["GetObject", "GET", "/stats/missing", 404, "NoSuchKey"],
  );
  const adminError = recent.find((e) => e.api === "admin")!;
  assertEquals([adminError.operation, adminError.status], ["GetKeyInfo", 404]);
});
