/**
 * A bucket's CORS, lifecycle and website documents through the admin API: refused with the S3
 * API's own codes, all or nothing, read back as S3 documents that S3 clients also see.
 */
import { GetBucketCorsCommand, GetBucketLifecycleConfigurationCommand } from "@aws-sdk/client-s3";
import type {
  ApiError,
  GetBucketDocumentsResponse,
  GetBucketInfoResponse,
} from "../shared/admin.ts";
import { assertEquals, assertMatch } from "./assert.ts";
import { assertS3Error, s3Fixture } from "./s3/client.ts";

const CORS =
  "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>";
const LIFECYCLE =
  "<LifecycleConfiguration><Rule><ID>tmp</ID><Filter><Prefix>tmp/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule></LifecycleConfiguration>";

Deno.test("bucket documents: S3's refusals, all or nothing, read back as S3 sees them", async () => {
  await using f = await s3Fixture();
  const { node, s3, key } = f;
  const b = await node.api<GetBucketInfoResponse>("POST", "/v2/CreateBucket", {
    globalAlias: "docs",
  });
  await node.api("POST", "/v2/AllowBucketKey", {
    bucketId: b.id,
    accessKeyId: key.accessKeyId,
    permissions: { read: true, write: true, owner: true },
  });
  const update = async (body: unknown) => {
    const res = await fetch(`${node.admin}/v2/UpdateBucket?id=${b.id}`, {
      method: "POST",
      headers: { authorization: `Bearer ${node.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: await res.json() };
  };
  const docs = () =>
    node.api<GetBucketDocumentsResponse>("GET", `/v2/GetBucketDocuments?id=${b.id}`);
  assertEquals(await docs(), {
    corsConfiguration: null,
    lifecycleConfiguration: null,
    websiteConfiguration: null,
  });

  // A valid CORS document with a lifecycle rule Remise cannot run: neither is set.
  const refused = await update({
    corsConfiguration: CORS,
    lifecycleConfiguration: LIFECYCLE.replace(
      "<Expiration><Days>3</Days></Expiration>",
      "<Transition><Days>3</Days><StorageClass>GLACIER</StorageClass></Transition>",
    ),
  });
  assertEquals([refused.status, (refused.json as ApiError).code], [501, "NotImplemented"]);
  assertEquals((await docs()).corsConfiguration, null);
  const bad = await update({ corsConfiguration: "<CORSConfiguration>" });
  assertEquals([bad.status, (bad.json as ApiError).code], [400, "MalformedXML"]);
  assertEquals((await update({ corsConfiguration: 5 })).status, 400);

  assertEquals(
    (await update({ corsConfiguration: CORS, lifecycleConfiguration: LIFECYCLE })).status,
    200,
  );
  const got = await docs();
  assertMatch(got.corsConfiguration!, /<AllowedMethod>GET<\/AllowedMethod>/);
  assertMatch(got.lifecycleConfiguration!, /<Prefix>tmp\/<\/Prefix>/);
  const cors = await s3.send(new GetBucketCorsCommand({ Bucket: "docs" }));
  assertEquals(cors.CORSRules?.[0].AllowedOrigins, ["*"]);
  const rules = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: "docs" }));
  assertEquals(rules.Rules?.[0].ID, "tmp");

  // What GetBucketDocuments gives is accepted back as it is.
  assertEquals((await update({ lifecycleConfiguration: got.lifecycleConfiguration })).status, 200);

  assertEquals((await update({ corsConfiguration: null })).status, 200);
  await assertS3Error(
    () => s3.send(new GetBucketCorsCommand({ Bucket: "docs" })),
    "NoSuchCORSConfiguration",
    404,
  );
});
