/**
 * The admin API's object endpoints (what the console's object browser uses), on a real node:
 * upload whole and in parts, list by folder, download, delete, presigned links, and their errors.
 */
import { GetObjectCommand } from "@aws-sdk/client-s3";
import type {
  ApiError,
  CreateBucketUploadResponse,
  DeleteBucketObjectsResponse,
  GetBucketInfoResponse,
  ListBucketObjectsResponse,
  PresignBucketObjectResponse,
  PutBucketObjectResponse,
  PutBucketUploadPartResponse,
} from "../shared/admin.ts";
import { assert, assertEquals, assertMatch } from "./assert.ts";
import { content, s3Client } from "./cluster.ts";
import { startNode, type TestNode } from "./harness.ts";

const MiB = 1024 * 1024;

async function raw(
  node: TestNode,
  method: string,
  endpoint: string,
  query: Record<string, string>,
  body?: BodyInit,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${node.admin}/v2/${endpoint}?${new URLSearchParams(query)}`, {
    method,
    body,
    headers: { authorization: `Bearer ${node.adminToken}`, ...headers },
  });
  return res;
}

async function json<T>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  assertEquals(res.status, status, text);
  return JSON.parse(text) as T;
}

async function setUp(node: TestNode) {
  const bucket = await node.api<GetBucketInfoResponse>("POST", "/v2/CreateBucket", {
    globalAlias: "browse",
  });
  return bucket.id;
}

Deno.test("admin objects: upload, list by folder, download and delete", async () => {
  const node = await startNode();
  try {
    const bucketId = await setUp(node);
    const put = (key: string, body: BodyInit, type = "text/plain") =>
      raw(node, "PUT", "PutBucketObject", { bucketId, key }, body, { "content-type": type });

    const first = await json<PutBucketObjectResponse>(await put("docs/a.txt", "hello"));
    assertEquals(first, { key: "docs/a.txt", etag: "5d41402abc4b2a76b9719d911017c592" });
    const big = content("big", 3 * MiB + 17);
    await json(await put("docs/deep/big.bin", big, "application/octet-stream"));
    await json(await put("été 2026.txt", "sun"));

    const root = await json<ListBucketObjectsResponse>(
      await raw(node, "GET", "ListBucketObjects", { bucketId, delimiter: "/" }),
    );
    assertEquals(root.prefixes, ["docs/"]);
    assertEquals(root.objects.map((o) => [o.key, o.size]), [["été 2026.txt", 3]]);
    assertEquals(root.nextContinuationToken, null);
    const docs = await json<ListBucketObjectsResponse>(
      await raw(node, "GET", "ListBucketObjects", { bucketId, delimiter: "/", prefix: "docs/" }),
    );
    assertEquals(docs.prefixes, ["docs/deep/"]);
    assertEquals(docs.objects.map((o) => o.key), ["docs/a.txt"]);

    // Pages: one key at a time, each page starting after the last.
    const seen: string[] = [];
    let token: string | null = "";
    while (token !== null) {
      const q: Record<string, string> = { bucketId, maxKeys: "1" };
      if (token) q.continuationToken = token;
      const page: ListBucketObjectsResponse = await json(
        await raw(node, "GET", "ListBucketObjects", q),
      );
      seen.push(...page.objects.map((o) => o.key));
      token = page.nextContinuationToken;
    }
    assertEquals(seen, ["docs/a.txt", "docs/deep/big.bin", "été 2026.txt"]);

    const got = await raw(node, "GET", "GetBucketObject", { bucketId, key: "docs/deep/big.bin" });
    assertEquals(got.status, 200);
    assertEquals(got.headers.get("content-type"), "application/octet-stream");
    assertMatch(got.headers.get("content-disposition")!, /^attachment; filename="big\.bin"/);
    assertEquals(new Uint8Array(await got.arrayBuffer()), big);
    const utf = await raw(node, "GET", "GetBucketObject", { bucketId, key: "été 2026.txt" });
    assertMatch(utf.headers.get("content-disposition")!, /filename\*=UTF-8''%C3%A9t%C3%A9/);
    assertEquals(await utf.text(), "sun");

    const del = await node.api<DeleteBucketObjectsResponse>("POST", "/v2/DeleteBucketObjects", {
      bucketId,
      keys: ["docs/a.txt", "never-there"],
    });
    assertEquals(del, { deleted: ["docs/a.txt", "never-there"], errors: [] });
    // A key no object can have is reported on its own; the others are still deleted, in order.
    const mixed = await node.api<DeleteBucketObjectsResponse>("POST", "/v2/DeleteBucketObjects", {
      bucketId,
      keys: ["", "été 2026.txt", "k".repeat(1025)],
    });
    assertEquals(mixed.deleted, ["été 2026.txt"]);
    assertEquals(mixed.errors.map((e) => [e.key.length, e.message]), [
      [0, "Object keys must not be empty."],
      [1025, "Your key is too long"],
    ]);
    const missing = await raw(node, "GET", "GetBucketObject", { bucketId, key: "docs/a.txt" });
    assertEquals([missing.status, (await json<ApiError>(missing, 404)).code], [404, "NoSuchKey"]);
  } finally {
    await node.stop();
  }
});

Deno.test("admin objects: a multipart upload, with its errors", async () => {
  const node = await startNode();
  try {
    const bucketId = await setUp(node);
    const key = "videos/clip.mp4";
    const { uploadId } = await node.api<CreateBucketUploadResponse>(
      "POST",
      "/v2/CreateBucketUpload",
      { bucketId, key, contentType: "video/mp4" },
    );
    const parts = [content("p1", 5 * MiB), content("p2", 1234)];
    const sent: PutBucketUploadPartResponse[] = [];
    for (const [i, bytes] of parts.entries()) {
      const q = { bucketId, key, uploadId, partNumber: String(i + 1) };
      sent.push(await json(await raw(node, "PUT", "PutBucketUploadPart", q, bytes)));
    }
    assertEquals(sent.map((p) => p.partNumber), [1, 2]);

    const complete = (body: unknown) =>
      fetch(`${node.admin}/v2/CompleteBucketUpload`, {
        method: "POST",
        headers: { authorization: `Bearer ${node.adminToken}` },
        body: JSON.stringify(body),
      });
    const reversed = await complete({ bucketId, key, uploadId, parts: [...sent].reverse() });
    assertEquals((await json<ApiError>(reversed, 400)).code, "InvalidPartOrder");
    const wrongEtag = await complete({
      bucketId,
      key,
      uploadId,
      parts: [sent[0], { partNumber: 2, etag: "0".repeat(32) }],
    });
    assertEquals((await json<ApiError>(wrongEtag, 400)).code, "InvalidPart");

    const done = await json<PutBucketObjectResponse>(
      await complete({ bucketId, key, uploadId, parts: sent }),
    );
    assertMatch(done.etag, /^[0-9a-f]{32}-2$/);
    const got = await raw(node, "GET", "GetBucketObject", { bucketId, key });
    assertEquals(got.headers.get("content-type"), "video/mp4");
    const bytes = new Uint8Array(await got.arrayBuffer());
    assertEquals(bytes.length, 5 * MiB + 1234);
    assertEquals(bytes.slice(5 * MiB), parts[1]);

    // An aborted upload takes no more parts.
    const second = await node.api<CreateBucketUploadResponse>("POST", "/v2/CreateBucketUpload", {
      bucketId,
      key: "other",
    });
    await node.api("POST", "/v2/AbortBucketUpload", { bucketId, key: "other", ...second });
    const late = await raw(node, "PUT", "PutBucketUploadPart", {
      bucketId,
      key: "other",
      uploadId: second.uploadId,
      partNumber: "1",
    }, "x");
    assertEquals((await json<ApiError>(late, 404)).code, "NoSuchUpload");
  } finally {
    await node.stop();
  }
});

Deno.test("admin objects: a presigned link reads the object over S3 until it expires", async () => {
  const node = await startNode();
  try {
    const bucketId = await setUp(node);
    const reader = await node.createKey("reader");
    await node.api("POST", "/v2/AllowBucketKey", {
      bucketId,
      accessKeyId: reader.accessKeyId,
      permissions: { read: true },
    });
    await raw(node, "PUT", "PutBucketObject", { bucketId, key: "a b/ç.txt" }, "linked")
      .then((r) => r.body?.cancel());
    const link = await node.api<PresignBucketObjectResponse>(
      "POST",
      "/v2/PresignBucketObject",
      { bucketId, key: "a b/ç.txt", accessKeyId: reader.accessKeyId, expiresInSecs: 1 },
    );
    assert(link.url.startsWith(`${node.s3}/browse/`), link.url);
    const now = await fetch(link.url);
    assertEquals([now.status, await now.text()], [200, "linked"]);
    await new Promise((r) => setTimeout(r, 2100));
    const later = await fetch(link.url);
    assertEquals(later.status, 403);
    await later.body?.cancel();

    // A key that cannot read the bucket signs nothing, and says what to do.
    const stranger = await node.createKey("stranger");
    const refused = await fetch(`${node.admin}/v2/PresignBucketObject`, {
      method: "POST",
      headers: { authorization: `Bearer ${node.adminToken}` },
      body: JSON.stringify({ bucketId, key: "a b/ç.txt", accessKeyId: stranger.accessKeyId }),
    });
    assertMatch((await json<ApiError>(refused, 400)).message, /cannot read this bucket: allow/);

    // The same object read through the SDK with the reader's key, for comparison.
    const s3 = s3Client(node, reader);
    const o = await s3.send(new GetObjectCommand({ Bucket: "browse", Key: "a b/ç.txt" }));
    assertEquals(await o.Body!.transformToString(), "linked");
    s3.destroy();
  } finally {
    await node.stop();
  }
});

Deno.test("admin objects: bad input gets S3's code and a message", async () => {
  const node = await startNode();
  try {
    const bucketId = await setUp(node);
    const cases: [string, Record<string, string>, number, string][] = [
      ["ListBucketObjects", { bucketId: "f".repeat(64) }, 404, "NoSuchBucket"],
      ["ListBucketObjects", { bucketId: "nope" }, 400, "InvalidRequest"],
      ["ListBucketObjects", { bucketId, maxKeys: "0" }, 400, "InvalidRequest"],
      ["GetBucketObject", { bucketId }, 400, "InvalidRequest"],
      ["GetBucketObject", { bucketId, key: "k".repeat(1025) }, 400, "KeyTooLongError"],
    ];
    for (const [endpoint, q, status, code] of cases) {
      const err = await json<ApiError>(await raw(node, "GET", endpoint, q), status);
      assertEquals(err.code, code, `${endpoint} ${JSON.stringify(q).slice(0, 80)}`);
    }
    // Uploads refused before and after their bytes are read.
    const puts: [Record<string, string>, number, string][] = [
      [{ bucketId: "f".repeat(64), key: "x" }, 404, "NoSuchBucket"],
      [{ bucketId, key: "k".repeat(1025) }, 400, "KeyTooLongError"],
    ];
    for (const [q, status, code] of puts) {
      const err = await json<ApiError>(await raw(node, "PUT", "PutBucketObject", q, "x"), status);
      assertEquals(err.code, code, JSON.stringify(q).slice(0, 80));
    }
    await node.api("POST", `/v2/UpdateBucket?id=${bucketId}`, {
      quotas: { maxObjects: null, maxSize: 10 },
    });
    const over = await raw(
      node,
      "PUT",
      "PutBucketObject",
      { bucketId, key: "big" },
      "x".repeat(11),
    );
    assertMatch((await json<ApiError>(over, 403)).message, /Size quota is reached/);

    // JSON calls whose fields are out of range.
    const upload = await json<CreateBucketUploadResponse>(
      await raw(node, "POST", "CreateBucketUpload", {}, JSON.stringify({ bucketId, key: "mp" })),
    );
    const reader = await node.createKey("reader");
    await node.api("POST", "/v2/AllowBucketKey", {
      bucketId,
      accessKeyId: reader.accessKeyId,
      permissions: { read: true, write: false, owner: false },
    });
    const bodies: [string, unknown, RegExp][] = [
      [
        "DeleteBucketObjects",
        { bucketId, keys: Array.from({ length: 1001 }, (_, i) => `k${i}`) },
        /At most 1000 keys/,
      ],
      [
        "PresignBucketObject",
        { bucketId, key: "a", accessKeyId: reader.accessKeyId, expiresInSecs: 7 * 86400 + 1 },
        /at most 604800 \(7 days\)/,
      ],
      [
        "CompleteBucketUpload",
        { bucketId, key: "mp", uploadId: upload.uploadId, parts: [] },
        /at least one part/,
      ],
    ];
    for (const [endpoint, body, message] of bodies) {
      const res = await raw(node, "POST", endpoint, {}, JSON.stringify(body));
      const err = await json<ApiError>(res, 400);
      assertEquals(err.code, "InvalidRequest", endpoint);
      assertMatch(err.message, message);
    }

    const post = await raw(node, "POST", "PutBucketObject", { bucketId, key: "x" }, "x");
    assertEquals((await json<ApiError>(post, 405)).code, "MethodNotAllowed");
    const noToken = await fetch(
      `${node.admin}/v2/PutBucketObject?bucketId=${bucketId}&key=x`,
      { method: "PUT", body: "x" },
    );
    assertEquals((await json<ApiError>(noToken, 401)).code, "AccessDenied");
    const list = await json<ListBucketObjectsResponse>(
      await raw(node, "GET", "ListBucketObjects", { bucketId }),
    );
    assertEquals(list.objects, [], "a refused upload left an object");
  } finally {
    await node.stop();
  }
});
