import {
  CreateBucketCommand,
  DeleteBucketCommand,
  GetBucketAclCommand,
  GetBucketLocationCommand,
  GetBucketVersioningCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { assert, assertEquals } from "../assert.ts";
import { assertS3Error, s3Fixture } from "./client.ts";

Deno.test("bucket lifecycle through the S3 API", async (t) => {
  await using f = await s3Fixture();
  const { s3 } = f;

  await t.step("CreateBucket makes a bucket the key owns and lists", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "photos" }));
    await s3.send(new HeadBucketCommand({ Bucket: "photos" }));
    const list = await s3.send(new ListBucketsCommand({}));
    assertEquals(list.Buckets?.map((b) => b.Name), ["photos"]);
    assert(list.Buckets?.[0].CreationDate instanceof Date);
  });

  await t.step("creating it again says the key already owns it", async () => {
    await assertS3Error(
      () => s3.send(new CreateBucketCommand({ Bucket: "photos" })),
      "BucketAlreadyOwnedByYou",
      409,
    );
  });

  await t.step("another key cannot take the name, nor see the bucket", async () => {
    const other = await f.node.createKey("other");
    const s3b = f.client(other);
    await assertS3Error(
      () => s3b.send(new CreateBucketCommand({ Bucket: "photos" })),
      "BucketAlreadyExists",
      409,
    );
    await assertS3Error(() => s3b.send(new HeadBucketCommand({ Bucket: "photos" })), null, 403);
    assertEquals((await s3b.send(new ListBucketsCommand({}))).Buckets ?? [], []);
  });

  await t.step("invalid names are refused", async () => {
    for (
      const name of ["ab", "Upper", "under_score", "-dash", "a..b", "192.168.1.1", "x".repeat(64)]
    ) {
      await assertS3Error(
        () => s3.send(new CreateBucketCommand({ Bucket: name })),
        "InvalidBucketName",
        400,
      );
    }
  });

  await t.step("location, versioning and ACL describe the bucket", async () => {
    const loc = await s3.send(new GetBucketLocationCommand({ Bucket: "photos" }));
    assertEquals(loc.LocationConstraint, "garage");
    const v = await s3.send(new GetBucketVersioningCommand({ Bucket: "photos" }));
    assertEquals(v.Status, undefined);
    const acl = await s3.send(new GetBucketAclCommand({ Bucket: "photos" }));
    assertEquals(acl.Grants?.map((g) => [g.Grantee?.ID, g.Permission]), [[
      f.key.accessKeyId,
      "FULL_CONTROL",
    ]]);
  });

  await t.step("a wrong location constraint is refused", async () => {
    await assertS3Error(
      () =>
        s3.send(
          new CreateBucketCommand({
            Bucket: "elsewhere",
            CreateBucketConfiguration: { LocationConstraint: "eu-west-3" },
          }),
        ),
      "InvalidLocationConstraint",
      400,
    );
  });

  await t.step("a bucket with objects cannot be deleted; an empty one can", async () => {
    await s3.send(new PutObjectCommand({ Bucket: "photos", Key: "a.jpg", Body: "x" }));
    await assertS3Error(
      () => s3.send(new DeleteBucketCommand({ Bucket: "photos" })),
      "BucketNotEmpty",
      409,
    );
    await s3.send(new CreateBucketCommand({ Bucket: "empty" }));
    await s3.send(new DeleteBucketCommand({ Bucket: "empty" }));
    await assertS3Error(() => s3.send(new HeadBucketCommand({ Bucket: "empty" })), null, 404);
    await assertS3Error(
      () => s3.send(new DeleteBucketCommand({ Bucket: "empty" })),
      "NoSuchBucket",
      404,
    );
  });

  await t.step("a key without the create-bucket right cannot create buckets", async () => {
    const k = await f.node.api<{ accessKeyId: string; secretAccessKey: string }>(
      "POST",
      "/v2/CreateKey",
      { name: "plain" },
    );
    await assertS3Error(
      () =>
        f.client({ accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey }).send(
          new CreateBucketCommand({ Bucket: "mine" }),
        ),
      "AccessDenied",
      403,
    );
  });
});
