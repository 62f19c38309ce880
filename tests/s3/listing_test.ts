import {
  CreateBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { assertEquals } from "../assert.ts";
import { presign } from "../sigv4.ts";
import { assertS3Error, s3Fixture } from "./client.ts";

const B = "listing";
const KEYS = [
  "a/1",
  "a/2",
  "a/b/3",
  "a/b/4",
  "a/c/5",
  "b",
  "c/x--y/1",
  "c/x--z",
  "d e+f%g",
  "é/ü",
  "日本",
  "🎉",
];

Deno.test("listing objects", async (t) => {
  await using f = await s3Fixture();
  const { s3 } = f;
  await s3.send(new CreateBucketCommand({ Bucket: B }));
  for (const Key of KEYS) await s3.send(new PutObjectCommand({ Bucket: B, Key, Body: Key }));

  await t.step("V2 lists every key in UTF-8 byte order", async () => {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: B }));
    assertEquals(r.Contents?.map((c) => c.Key), KEYS);
    assertEquals(r.KeyCount, KEYS.length);
    assertEquals(r.IsTruncated, false);
    assertEquals(r.Contents?.[0].Size, 3);
  });

  await t.step("a delimiter folds keys into common prefixes", async () => {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: B, Delimiter: "/" }));
    assertEquals(r.Contents?.map((c) => c.Key), ["b", "d e+f%g", "日本", "🎉"]);
    assertEquals(r.CommonPrefixes?.map((p) => p.Prefix), ["a/", "c/", "é/"]);
    const r2 = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: "a/", Delimiter: "/" }));
    assertEquals(r2.Contents?.map((c) => c.Key), ["a/1", "a/2"]);
    assertEquals(r2.CommonPrefixes?.map((p) => p.Prefix), ["a/b/", "a/c/"]);
  });

  await t.step("a multi-character delimiter works like a single one", async () => {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: "c/", Delimiter: "--" }));
    assertEquals(r.CommonPrefixes?.map((p) => p.Prefix), ["c/x--"]);
    assertEquals(r.Contents ?? [], []);
  });

  await t.step(
    "pages of max-keys chain with continuation tokens, prefixes counted as keys",
    async () => {
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const r = await s3.send(
          new ListObjectsV2Command({
            Bucket: B,
            Delimiter: "/",
            MaxKeys: 2,
            ContinuationToken: token,
          }),
        );
        seen.push(
          ...(r.Contents ?? []).map((c) => c.Key!),
          ...(r.CommonPrefixes ?? []).map((p) => p.Prefix!),
        );
        token = r.NextContinuationToken;
        pages++;
        assertEquals(r.IsTruncated, token !== undefined);
      } while (token);
      assertEquals(seen.sort(), ["a/", "b", "c/", "d e+f%g", "é/", "日本", "🎉"].sort());
      assertEquals(pages, 4);
    },
  );

  await t.step(
    "start-after skips, even past the last key; max-keys 0 returns nothing",
    async () => {
      const r = await s3.send(new ListObjectsV2Command({ Bucket: B, StartAfter: "c/x--z" }));
      assertEquals(r.Contents?.map((c) => c.Key), ["d e+f%g", "é/ü", "日本", "🎉"]);
      const r2 = await s3.send(
        new ListObjectsV2Command({ Bucket: B, StartAfter: "\u{10ffff}" }),
      );
      assertEquals([r2.Contents ?? [], r2.IsTruncated], [[], false]);
      const r3 = await s3.send(new ListObjectsV2Command({ Bucket: B, MaxKeys: 0 }));
      assertEquals([r3.Contents ?? [], r3.KeyCount], [[], 0]);
    },
  );

  await t.step("a prefix or marker longer than any key is answered, not refused", async () => {
    const long = "a/" + "z".repeat(3000);
    const r = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: long }));
    assertEquals([r.Contents ?? [], r.KeyCount, r.IsTruncated], [[], 0, false]);
    const after = KEYS.slice(KEYS.indexOf("b"));
    const r2 = await s3.send(new ListObjectsV2Command({ Bucket: B, StartAfter: long }));
    assertEquals(r2.Contents?.map((c) => c.Key), after);
    const r3 = await s3.send(new ListObjectsCommand({ Bucket: B, Marker: long, MaxKeys: 2 }));
    assertEquals([r3.Contents?.map((c) => c.Key), r3.IsTruncated], [after.slice(0, 2), true]);
    const r4 = await s3.send(new ListObjectVersionsCommand({ Bucket: B, KeyMarker: long }));
    assertEquals(r4.Versions?.map((v) => v.Key), after);
    const r5 = await s3.send(
      new ListMultipartUploadsCommand({ Bucket: B, KeyMarker: long, Prefix: long }),
    );
    assertEquals(r5.Uploads ?? [], []);
  });

  await t.step("encoding-type=url encodes keys and prefixes", async () => {
    const res = await fetch(presignList(f, "?list-type=2&encoding-type=url&delimiter=%2F"));
    const xml = await res.text();
    assertEquals(res.status, 200, xml);
    for (const enc of ["d%20e%2Bf%25g", "%C3%A9/", "%E6%97%A5%E6%9C%AC"]) {
      if (!xml.includes(enc)) throw new Error(`${enc} missing from ${xml}`);
    }
  });

  await t.step("V1 uses markers, and NextMarker with a delimiter", async () => {
    const r = await s3.send(new ListObjectsCommand({ Bucket: B, Marker: "a/c/5", MaxKeys: 2 }));
    assertEquals(r.Contents?.map((c) => c.Key), ["b", "c/x--y/1"]);
    assertEquals(r.IsTruncated, true);
    const r2 = await s3.send(new ListObjectsCommand({ Bucket: B, Delimiter: "/", MaxKeys: 1 }));
    assertEquals([r2.CommonPrefixes?.[0].Prefix, r2.NextMarker], ["a/", "a/"]);
    assertEquals(r.Contents?.[0].Owner?.ID, f.key.accessKeyId);
  });

  await t.step("fetch-owner adds owners to V2 entries", async () => {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: B, FetchOwner: true, MaxKeys: 1 }));
    assertEquals(r.Contents?.[0].Owner?.ID, f.key.accessKeyId);
    const r2 = await s3.send(new ListObjectsV2Command({ Bucket: B, MaxKeys: 1 }));
    assertEquals(r2.Contents?.[0].Owner, undefined);
  });

  await t.step("ListObjectVersions lists each object once, as version null", async () => {
    const r = await s3.send(new ListObjectVersionsCommand({ Bucket: B, Prefix: "a/" }));
    assertEquals(r.Versions?.map((v) => [v.Key, v.VersionId, v.IsLatest]), [
      ["a/1", "null", true],
      ["a/2", "null", true],
      ["a/b/3", "null", true],
      ["a/b/4", "null", true],
      ["a/c/5", "null", true],
    ]);
  });

  await t.step("an invalid max-keys is refused", async () => {
    const res = await fetch(presignList(f, "?list-type=2&max-keys=abc"));
    assertEquals(res.status, 400);
    await res.body?.cancel();
  });

  await t.step("listing a bucket the key cannot read is AccessDenied", async () => {
    const other = f.client(await f.node.createKey("nope"));
    await assertS3Error(
      () => other.send(new ListObjectsV2Command({ Bucket: B })),
      "AccessDenied",
      403,
    );
  });
});

/** A presigned GET on the bucket with a raw query, to test encodings the SDK would hide. */
function presignList(f: Awaited<ReturnType<typeof s3Fixture>>, query: string): string {
  return presign("GET", `${f.node.s3}/${B}${query}`, f.key, f.node.region);
}
