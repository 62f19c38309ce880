/**
 * Bucket versioning as AWS documents it, through the AWS SDK: versions with ids while Enabled,
 * the "null" version while Suspended or before, delete markers, reads and deletes by id, and
 * ListObjectVersions.
 */
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  type ListObjectVersionsCommandOutput,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { assert, assertEquals, assertMatch, assertRejects } from "../assert.ts";
import { sha256Hex, signHeaders } from "../sigv4.ts";
import { assertS3Error, bodyBytes, errorOf, s3Fixture } from "./client.ts";

const text = async (b: { transformToString(): Promise<string> } | undefined) =>
  b ? await b.transformToString() : "";

async function versioned(s3: S3Client, bucket: string, status = "Enabled") {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(
    new PutBucketVersioningCommand({
      Bucket: bucket,
      VersioningConfiguration: { Status: status as "Enabled" },
    }),
  );
}

/** Every version and marker of a listing as [key, id, latest, marker?]. */
function rows(r: ListObjectVersionsCommandOutput): Array<[string, string, boolean, string]> {
  const all = [
    ...(r.Versions ?? []).map((v) => ({ ...v, kind: "version" })),
    ...(r.DeleteMarkers ?? []).map((m) => ({ ...m, kind: "marker" })),
  ];
  return all
    .map((v) => [v.Key!, v.VersionId!, v.IsLatest!, v.kind] as [string, string, boolean, string])
    .sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
}

Deno.test("versioning: a bucket goes from unversioned to Enabled and Suspended, never back", async () => {
  await using f = await s3Fixture();
  const { s3 } = f;
  await s3.send(new CreateBucketCommand({ Bucket: "states" }));
  assertEquals(
    (await s3.send(new GetBucketVersioningCommand({ Bucket: "states" }))).Status,
    undefined,
  );
  for (const status of ["Enabled", "Suspended", "Enabled"] as const) {
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: "states",
        VersioningConfiguration: { Status: status },
      }),
    );
    assertEquals(
      (await s3.send(new GetBucketVersioningCommand({ Bucket: "states" }))).Status,
      status,
    );
  }
  await assertS3Error(
    () =>
      s3.send(
        new PutBucketVersioningCommand({
          Bucket: "states",
          VersioningConfiguration: { Status: "Disabled" as "Enabled" },
        }),
      ),
    "MalformedXML",
    400,
  );
  await assertS3Error(
    () =>
      s3.send(
        new PutBucketVersioningCommand({
          Bucket: "states",
          VersioningConfiguration: { Status: "Enabled", MFADelete: "Enabled" },
        }),
      ),
    "NotImplemented",
    501,
  );
  assertEquals(
    (await s3.send(new GetBucketVersioningCommand({ Bucket: "states" }))).Status,
    "Enabled",
  );
});

Deno.test("versioning: each write is a version; a delete adds a marker; ids read and delete", async () => {
  await using f = await s3Fixture();
  const { s3 } = f;
  const B = "vers";
  await s3.send(new CreateBucketCommand({ Bucket: B }));
  // Written before versioning: the "null" version, kept once versioning is on.
  await s3.send(new PutObjectCommand({ Bucket: B, Key: "k", Body: "v0 (null)" }));
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: B, VersioningConfiguration: { Status: "Enabled" } }),
  );
  const ids: string[] = [];
  for (const body of ["v1", "v2 is longer", "v3 inline or not"]) {
    const r = await s3.send(new PutObjectCommand({ Bucket: B, Key: "k", Body: body }));
    assert(r.VersionId && r.VersionId !== "null", `a version id: ${r.VersionId}`);
    ids.push(r.VersionId!);
  }
  assertEquals(new Set(ids).size, 3);
  assertEquals(
    await text((await s3.send(new GetObjectCommand({ Bucket: B, Key: "k" }))).Body),
    "v3 inline or not",
  );
  const head = await s3.send(new HeadObjectCommand({ Bucket: B, Key: "k" }));
  assertEquals(head.VersionId, ids[2]);
  for (const [i, body] of ["v1", "v2 is longer"].entries()) {
    const r = await s3.send(new GetObjectCommand({ Bucket: B, Key: "k", VersionId: ids[i] }));
    assertEquals(await text(r.Body), body);
    assertEquals(r.VersionId, ids[i]);
  }
  const old = await s3.send(new GetObjectCommand({ Bucket: B, Key: "k", VersionId: "null" }));
  assertEquals(await text(old.Body), "v0 (null)");

  // A delete without an id hides the key behind a marker; nothing is removed.
  const del = await s3.send(new DeleteObjectCommand({ Bucket: B, Key: "k" }));
  assertEquals(del.DeleteMarker, true);
  assert(del.VersionId && del.VersionId !== "null");
  const gone = await assertS3Error(
    () => s3.send(new GetObjectCommand({ Bucket: B, Key: "k" })),
    "NoSuchKey",
    404,
  );
  assertEquals(gone.$response?.headers["x-amz-delete-marker"], "true");
  await assertS3Error(
    () => s3.send(new GetObjectCommand({ Bucket: B, Key: "k", VersionId: del.VersionId })),
    "MethodNotAllowed",
    405,
  );
  assertEquals((await s3.send(new ListObjectsV2Command({ Bucket: B }))).KeyCount, 0);
  assertEquals(
    rows(await s3.send(new ListObjectVersionsCommand({ Bucket: B }))).map((r) => r[1]).sort(),
    [del.VersionId!, ...ids, "null"].sort(),
  );

  // Deleting the marker by id brings the newest version back.
  const undo = await s3.send(
    new DeleteObjectCommand({ Bucket: B, Key: "k", VersionId: del.VersionId }),
  );
  assertEquals(undo.DeleteMarker, true);
  assertEquals(
    await text((await s3.send(new GetObjectCommand({ Bucket: B, Key: "k" }))).Body),
    "v3 inline or not",
  );

  // Deleting the current version by id makes the one before it current; an old one goes quietly.
  await s3.send(new DeleteObjectCommand({ Bucket: B, Key: "k", VersionId: ids[2] }));
  assertEquals(
    await text((await s3.send(new GetObjectCommand({ Bucket: B, Key: "k" }))).Body),
    "v2 is longer",
  );
  await s3.send(new DeleteObjectCommand({ Bucket: B, Key: "k", VersionId: ids[0] }));
  await assertS3Error(
    () => s3.send(new GetObjectCommand({ Bucket: B, Key: "k", VersionId: ids[0] })),
    "NoSuchVersion",
    404,
  );
  const listed = rows(await s3.send(new ListObjectVersionsCommand({ Bucket: B })));
  assertEquals(listed.find((r) => r[2])?.[1], ids[1], "the current version is the latest");
  assertEquals(listed.map((r) => r[1]).sort(), [ids[1], "null"].sort());
});

Deno.test("versioning: Suspended writes replace the null version and keep the others", async () => {
  await using f = await s3Fixture();
  const { s3 } = f;
  const B = "susp";
  await versioned(s3, B);
  const v1 = (await s3.send(new PutObjectCommand({ Bucket: B, Key: "k", Body: "kept" })))
    .VersionId!;
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: B, VersioningConfiguration: { Status: "Suspended" } }),
  );
  const n1 = await s3.send(new PutObjectCommand({ Bucket: B, Key: "k", Body: "null one" }));
  // A "null" version is not announced on a write, as S3 does not.
  assertEquals(n1.VersionId, undefined);
  await s3.send(new PutObjectCommand({ Bucket: B, Key: "k", Body: "null two" }));
  const listed = rows(await s3.send(new ListObjectVersionsCommand({ Bucket: B })));
  assertEquals(listed.map((r) => [r[1], r[2]]), [["null", true], [v1, false]]);
  assertEquals(
    await text(
      (await s3.send(new GetObjectCommand({ Bucket: B, Key: "k", VersionId: "null" }))).Body,
    ),
    "null two",
  );
  assertEquals(
    await text((await s3.send(new GetObjectCommand({ Bucket: B, Key: "k", VersionId: v1 }))).Body),
    "kept",
  );
});

Deno.test("versioning: copies and multi-deletes name versions; bad ids are refused", async () => {
  await using f = await s3Fixture();
  const { s3 } = f;
  const B = "copies";
  await versioned(s3, B);
  const first = (await s3.send(new PutObjectCommand({ Bucket: B, Key: "src", Body: "first" })))
    .VersionId!;
  await s3.send(new PutObjectCommand({ Bucket: B, Key: "src", Body: "second" }));
  // Restoring an old version: copy it over its own key.
  const restored = await s3.send(
    new CopyObjectCommand({ Bucket: B, Key: "src", CopySource: `${B}/src?versionId=${first}` }),
  );
  assertEquals(restored.CopySourceVersionId, first);
  assert(restored.VersionId && restored.VersionId !== first);
  assertEquals(
    await text((await s3.send(new GetObjectCommand({ Bucket: B, Key: "src" }))).Body),
    "first",
  );

  const r = await s3.send(
    new DeleteObjectsCommand({
      Bucket: B,
      Delete: { Objects: [{ Key: "src", VersionId: first }, { Key: "other" }] },
    }),
  );
  assertEquals(r.Errors ?? [], []);
  const byKey = Object.fromEntries((r.Deleted ?? []).map((d) => [d.Key, d]));
  assertEquals(byKey.src.VersionId, first);
  assertEquals(byKey.other.DeleteMarker, true);
  assert(byKey.other.DeleteMarkerVersionId);

  await assertS3Error(
    () => s3.send(new GetObjectCommand({ Bucket: B, Key: "src", VersionId: "not-an-id" })),
    "InvalidArgument",
    400,
  );
  await assertS3Error(
    () => s3.send(new GetObjectCommand({ Bucket: B, Key: "src", VersionId: "0".repeat(32) })),
    "NoSuchVersion",
    404,
  );
  const bytes = await bodyBytes(
    (await s3.send(new GetObjectCommand({ Bucket: B, Key: "src", VersionId: restored.VersionId })))
      .Body,
  );
  assertEquals(new TextDecoder().decode(bytes), "first");
});

Deno.test("versioning: ListObjectVersions pages by key and version markers, with prefixes", async () => {
  await using f = await s3Fixture();
  const { s3 } = f;
  const B = "pages";
  await versioned(s3, B);
  const written: Array<[string, string]> = [];
  for (const key of ["a", "b/1", "b/2", "c"]) {
    for (let i = 0; i < 3; i++) {
      const r = await s3.send(new PutObjectCommand({ Bucket: B, Key: key, Body: `${key}${i}` }));
      written.push([key, r.VersionId!]);
    }
  }
  const seen: Array<[string, string]> = [];
  let keyMarker: string | undefined;
  let idMarker: string | undefined;
  for (let pages = 0;; pages++) {
    assert(pages < 20);
    const r = await s3.send(
      new ListObjectVersionsCommand({
        Bucket: B,
        MaxKeys: 2,
        KeyMarker: keyMarker,
        VersionIdMarker: idMarker,
      }),
    );
    for (const v of r.Versions ?? []) seen.push([v.Key!, v.VersionId!]);
    if (!r.IsTruncated) break;
    keyMarker = r.NextKeyMarker;
    idMarker = r.NextVersionIdMarker;
  }
  // Each key's versions newest first.
  const expected = ["a", "b/1", "b/2", "c"].flatMap((k) =>
    written.filter(([key]) => key === k).reverse()
  );
  assertEquals(seen, expected);
  const folded = await s3.send(new ListObjectVersionsCommand({ Bucket: B, Delimiter: "/" }));
  assertEquals(folded.CommonPrefixes?.map((p) => p.Prefix), ["b/"]);
  assertEquals(folded.Versions?.map((v) => v.Key), ["a", "a", "a", "c", "c", "c"]);
  const latest = (folded.Versions ?? []).filter((v) => v.IsLatest).map((v) => v.VersionId);
  assertEquals(latest, [written[2][1], written[11][1]]);
});

Deno.test("versioning: a bucket holding only old versions and markers is not empty", async () => {
  await using f = await s3Fixture();
  const { s3 } = f;
  const B = "not-empty";
  await versioned(s3, B);
  const v = (await s3.send(new PutObjectCommand({ Bucket: B, Key: "k", Body: "x" }))).VersionId!;
  const m = (await s3.send(new DeleteObjectCommand({ Bucket: B, Key: "k" }))).VersionId!;
  assertEquals((await s3.send(new ListObjectsV2Command({ Bucket: B }))).KeyCount, 0);
  await assertS3Error(() => s3.send(new DeleteBucketCommand({ Bucket: B })), "BucketNotEmpty", 409);
  await s3.send(new DeleteObjectCommand({ Bucket: B, Key: "k", VersionId: v }));
  await assertS3Error(() => s3.send(new DeleteBucketCommand({ Bucket: B })), "BucketNotEmpty", 409);
  await s3.send(new DeleteObjectCommand({ Bucket: B, Key: "k", VersionId: m }));
  await s3.send(new DeleteBucketCommand({ Bucket: B }));
});

Deno.test("versioning: quotas and bucket counters count every stored version", async () => {
  await using f = await s3Fixture();
  const { s3, node } = f;
  const B = "counted";
  await versioned(s3, B);
  const info = await node.api<{ id: string }>("GET", `/v2/GetBucketInfo?globalAlias=${B}`);
  await node.api("POST", `/v2/UpdateBucket?id=${info.id}`, {
    quotas: { maxSize: null, maxObjects: 2 },
  });
  await s3.send(new PutObjectCommand({ Bucket: B, Key: "k", Body: "12345" }));
  await s3.send(new PutObjectCommand({ Bucket: B, Key: "k", Body: "1234567" }));
  const stats = await node.api<{ objects: number; bytes: number }>(
    "GET",
    `/v2/GetBucketInfo?id=${info.id}`,
  );
  assertEquals([stats.objects, stats.bytes], [2, 12]);
  // A third version of the same key would be a third stored object.
  await assertS3Error(
    () => s3.send(new PutObjectCommand({ Bucket: B, Key: "k", Body: "x" })),
    "AccessDenied",
    403,
  );
});

Deno.test("versioning: malformed version listings, tag sets, conditional deletes and admin settings are refused", async () => {
  await using f = await s3Fixture();
  const { s3, node, key } = f;
  const B = "refused";
  await versioned(s3, B);
  await s3.send(new PutObjectCommand({ Bucket: B, Key: "k", Body: "kept" }));
  await assertS3Error(
    () => s3.send(new ListObjectVersionsCommand({ Bucket: B, VersionIdMarker: "null" })),
    "InvalidArgument",
    400,
  );
  const raw = async (method: string, path: string, body: string) => {
    const url = `${node.s3}${path}`;
    const res = await fetch(url, {
      method,
      body,
      headers: signHeaders(method, url, key, node.region, sha256Hex(body)),
    });
    return await errorOf(res);
  };
  assertEquals(
    await raw(
      "PUT",
      `/${B}/k?tagging`,
      "<Tagging><TagSet><Tag><Value>v</Value></Tag></TagSet></Tagging>",
    ),
    { status: 400, code: "MalformedXML" },
  );
  assertEquals(
    await raw(
      "POST",
      `/${B}?delete`,
      "<Delete><Object><Key>k</Key><LastModifiedTime>yesterday</LastModifiedTime></Object></Delete>",
    ),
    { status: 400, code: "InvalidArgument" },
  );
  const info = await node.api<{ id: string }>("GET", `/v2/GetBucketInfo?globalAlias=${B}`);
  for (
    const body of [{ versioning: "Off" }, {
      objectLock: { defaultRetention: { mode: "FOREVER", days: 1 } },
    }]
  ) {
    const e = await assertRejects(() => node.api("POST", `/v2/UpdateBucket?id=${info.id}`, body));
    assertMatch(String(e), /: 400 /);
  }
  // Nothing above changed the object, its tags or the bucket's settings.
  const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: "k" }));
  assertEquals([await text(got.Body), got.TagCount], ["kept", undefined]);
  const after = await node.api<{ versioning: string; objectLock: unknown }>(
    "GET",
    `/v2/GetBucketInfo?id=${info.id}`,
  );
  assertEquals([after.versioning, after.objectLock], ["Enabled", null]);
});
