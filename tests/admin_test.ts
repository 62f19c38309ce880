/** The admin API of a real node, endpoint by endpoint, with its error cases. */
import { CreateMultipartUploadCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type {
  ApiError,
  ApplyClusterLayoutResponse,
  ConnectClusterNodesResponse,
  GetBucketInfoResponse,
  GetClusterHealthResponse,
  GetClusterLayoutResponse,
  GetClusterStatusResponse,
  GetKeyInfoResponse,
  GetNodeInfoResponse,
  LaunchRepairOperationResponse,
  ListBlockErrorsResponse,
  ListBucketsResponse,
  ListKeysResponse,
  ListWorkersResponse,
  PreviewClusterLayoutChangesResponse,
} from "../shared/admin.ts";
import { assert, assertEquals, assertMatch } from "./assert.ts";
import { startNode, type TestNode } from "./harness.ts";

interface Answer<T> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

/** A raw call: any method, token and body, so error cases can be sent as they are. */
async function call<T = unknown>(
  node: TestNode,
  method: string,
  path: string,
  opts: { body?: unknown; raw?: string; token?: string | null } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = {};
  const token = opts.token === undefined ? node.adminToken : opts.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const body = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${node.admin}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // plain text (health, metrics)
  }
  return { status: res.status, body: parsed as T, text, headers: res.headers };
}

/** Asserts an error answer: status, Garage-style JSON code, and a message matching `re`. */
async function expectError(
  p: Promise<Answer<unknown>>,
  status: number,
  code: string,
  re?: RegExp,
): Promise<ApiError> {
  const a = await p;
  assertEquals(a.status, status, `expected ${status} ${code}, got ${a.status}: ${a.text}`);
  const e = a.body as ApiError;
  assertEquals(e.code, code, a.text);
  assert(typeof e.message === "string" && e.message.length > 0, "error without a message");
  if (re) assertMatch(e.message, re);
  return e;
}

Deno.test("admin API on a node with a role", async (t) => {
  const node = await startNode();
  try {
    let nodeId = "";

    await t.step("/health answers 200 without a token", async () => {
      const a = await call(node, "GET", "/health", { token: null });
      assertEquals(a.status, 200);
      assertMatch(a.text, /fully operational/);
    });

    await t.step("a missing or wrong token is refused with 401 JSON", async () => {
      await expectError(
        call(node, "GET", "/v2/ListKeys", { token: null }),
        401,
        "AccessDenied",
        /Bearer/,
      );
      await expectError(
        call(node, "GET", "/v2/ListKeys", { token: "wrong" }),
        401,
        "AccessDenied",
        /Invalid bearer token/,
      );
      const a = await call(node, "GET", "/v2/ListKeys", { token: "wrong" });
      assertMatch(a.headers.get("www-authenticate") ?? "", /Bearer/);
      // The metrics token is not an admin token.
      await expectError(
        call(node, "GET", "/v2/ListKeys", { token: "test-metrics-token" }),
        401,
        "AccessDenied",
      );
    });

    await t.step("unknown endpoints are 404 naming them, wrong methods 405", async () => {
      await expectError(call(node, "GET", "/v2/NoSuchThing"), 404, "NoSuchEndpoint", /NoSuchThing/);
      await expectError(
        call(node, "GET", "/v2/listkeys"),
        404,
        "NoSuchEndpoint",
        /did you mean \/v2\/ListKeys/,
      );
      await expectError(call(node, "GET", "/elsewhere"), 404, "NoSuchEndpoint", /\/elsewhere/);
      const a = await call(node, "GET", "/v2/CreateKey");
      assertEquals(a.status, 405);
      assertEquals(a.headers.get("allow"), "POST");
      assertMatch((a.body as ApiError).message, /CreateKey must be called with POST, not GET/);
      await expectError(call(node, "POST", "/v2/ListKeys", { body: {} }), 405, "MethodNotAllowed");
    });

    await t.step("malformed bodies and parameters are 400 naming the problem", async () => {
      await expectError(
        call(node, "POST", "/v2/CreateKey", { raw: "{name:" }),
        400,
        "InvalidRequest",
        /not valid JSON/,
      );
      await expectError(
        call(node, "POST", "/v2/CreateKey", { body: [1] }),
        400,
        "InvalidRequest",
        /must be a JSON object/,
      );
      await expectError(
        call(node, "POST", "/v2/CreateKey", { body: { name: 12 } }),
        400,
        "InvalidRequest",
        /`name` must be a string, got 12/,
      );
      await expectError(
        call(node, "POST", "/v2/CreateKey", { body: { nmae: "x" } }),
        400,
        "InvalidRequest",
        /unknown field `nmae`/,
      );
      await expectError(
        call(node, "POST", "/v2/CreateKey", { body: { allow: { createBucket: "yes" } } }),
        400,
        "InvalidRequest",
        /`allow.createBucket` must be true or false/,
      );
      await expectError(
        call(node, "GET", "/v2/ListKeys?foo=1"),
        400,
        "InvalidRequest",
        /Unknown query parameter `foo`/,
      );
      await expectError(call(node, "GET", "/v2/GetKeyInfo"), 400, "InvalidRequest", /id or search/);
    });

    await t.step(
      "GetClusterStatus, GetClusterHealth and GetNodeInfo describe this node",
      async () => {
        const s = (await call<GetClusterStatusResponse>(node, "GET", "/v2/GetClusterStatus")).body;
        assertEquals(s.layoutVersion, 1);
        assertEquals(s.nodes.length, 1);
        nodeId = s.nodes[0].id;
        assertMatch(nodeId, /^[0-9a-f]{64}$/);
        assertEquals(s.nodes[0].isUp, true);
        assertEquals(s.nodes[0].role, { zone: "dc1", tags: [], capacity: 100e9 });
        const h = (await call<GetClusterHealthResponse>(node, "GET", "/v2/GetClusterHealth")).body;
        assertEquals(h, {
          status: "healthy",
          knownNodes: 1,
          connectedNodes: 1,
          storageNodes: 1,
          storageNodesOk: 1,
          partitions: 256,
          partitionsQuorum: 256,
          partitionsAllOk: 256,
        });
        const info =
          (await call<GetNodeInfoResponse>(node, "GET", "/v2/GetNodeInfo?node=self")).body;
        assertEquals(Object.keys(info.success), [nodeId]);
        assertEquals(info.success[nodeId].nodeId, nodeId);
        const byPrefix = (await call<GetNodeInfoResponse>(
          node,
          "GET",
          `/v2/GetNodeInfo?node=${nodeId.slice(0, 8)}`,
        )).body;
        assertEquals(Object.keys(byPrefix.success), [nodeId]);
        await expectError(call(node, "GET", "/v2/GetNodeInfo"), 400, "InvalidRequest", /node/);
        await expectError(
          call(node, "GET", "/v2/GetNodeInfo?node=ffff"),
          400,
          "InvalidRequest",
          /No node matches/,
        );
      },
    );

    await t.step(
      "cluster operations refuse bad requests in words, and answer good ones",
      async () => {
        await expectError(
          call(node, "POST", "/v2/ConnectClusterNodes", { body: { peer: "x" } }),
          400,
          "InvalidRequest",
          /JSON array of "<node id>@<host:port>"/,
        );
        const [bad] = (await call<ConnectClusterNodesResponse>(
          node,
          "POST",
          "/v2/ConnectClusterNodes",
          { body: ["not-a-node"] },
        )).body;
        assertEquals(bad.success, false);
        assertMatch(bad.error!, /<node id>@<host:port>/);
        await expectError(
          call(node, "POST", "/v2/LaunchRepairOperation?node=self", {
            body: { repairType: "everything" },
          }),
          400,
          "InvalidRequest",
          /repairType must be one of "tables"/,
        );
        await expectError(
          call(node, "POST", "/v2/LaunchRepairOperation?node=self", {
            body: { repairType: { scrub: "faster" } },
          }),
          400,
          "InvalidRequest",
          /scrub/,
        );
        await expectError(
          call(node, "POST", "/v2/LaunchRepairOperation", { body: { repairType: "tables" } }),
          400,
          "InvalidRequest",
          /node/,
        );
        await expectError(
          call(node, "POST", "/v2/RetryBlockResync?node=self", { body: { blockHashes: ["xyz"] } }),
          400,
          "InvalidRequest",
          /blockHashes/,
        );
        const launched = (await call<LaunchRepairOperationResponse>(
          node,
          "POST",
          "/v2/LaunchRepairOperation?node=self",
          { body: { repairType: "blockRefs" } },
        )).body;
        assertEquals(launched, { success: { [nodeId]: null }, error: {} });
        const workers = (await call<ListWorkersResponse>(
          node,
          "POST",
          "/v2/ListWorkers?node=*",
          { body: {} },
        )).body;
        const names = workers.success[nodeId].map((w) => w.name);
        for (const n of ["block resync", "block scrub", "table sync", "repair block refs"]) {
          assert(names.includes(n), `${n} not in ${names}`);
        }
        const errors = (await call<ListBlockErrorsResponse>(
          node,
          "GET",
          "/v2/ListBlockErrors?node=self",
        )).body;
        assertEquals(errors, { success: { [nodeId]: [] }, error: {} });
      },
    );

    let keyId = "";
    let secret = "";
    await t.step("keys: create, list, info, update, import", async () => {
      const created =
        (await call<GetKeyInfoResponse>(node, "POST", "/v2/CreateKey", { body: { name: "alice" } }))
          .body;
      assertMatch(created.accessKeyId, /^GK[0-9a-f]{24}$/);
      assertMatch(created.secretAccessKey ?? "", /^[0-9a-f]{64}$/);
      assertEquals(created.name, "alice");
      assertEquals(created.permissions, { createBucket: false });
      assertEquals(created.expired, false);
      keyId = created.accessKeyId;
      secret = created.secretAccessKey!;

      const unnamed =
        (await call<GetKeyInfoResponse>(node, "POST", "/v2/CreateKey", { raw: "" })).body;
      assertEquals(unnamed.name, "Unnamed key");

      const list = (await call<ListKeysResponse>(node, "GET", "/v2/ListKeys")).body;
      assertEquals(list.map((k) => k.id).sort(), [keyId, unnamed.accessKeyId].sort());
      assertEquals(list.find((k) => k.id === keyId)?.name, "alice");

      const byId = (await call<GetKeyInfoResponse>(node, "GET", `/v2/GetKeyInfo?id=${keyId}`)).body;
      assertEquals(byId.secretAccessKey, undefined, "the secret is shown only on request");
      const withSecret = (await call<GetKeyInfoResponse>(
        node,
        "GET",
        `/v2/GetKeyInfo?search=alice&showSecretKey=true`,
      )).body;
      assertEquals(withSecret.accessKeyId, keyId);
      assertEquals(withSecret.secretAccessKey, secret);
      const byPrefix =
        (await call<GetKeyInfoResponse>(node, "GET", `/v2/GetKeyInfo?search=${keyId.slice(0, 10)}`))
          .body;
      assertEquals(byPrefix.accessKeyId, keyId);

      const updated = (await call<GetKeyInfoResponse>(node, "POST", `/v2/UpdateKey?id=${keyId}`, {
        body: { name: "alice2", allow: { createBucket: true }, expiration: "2099-01-01T00:00:00Z" },
      })).body;
      assertEquals(updated.name, "alice2");
      assertEquals(updated.permissions.createBucket, true);
      assertEquals(updated.expiration, "2099-01-01T00:00:00.000Z");
      const never = (await call<GetKeyInfoResponse>(node, "POST", `/v2/UpdateKey?id=${keyId}`, {
        body: { neverExpires: true, deny: { createBucket: true } },
      })).body;
      assertEquals(never.expiration, null);
      assertEquals(never.permissions.createBucket, false);
      await expectError(
        call(node, "POST", `/v2/UpdateKey?id=${keyId}`, { body: { expiration: "tomorrow" } }),
        400,
        "InvalidRequest",
        /RFC 3339/,
      );

      const imported = (await call<GetKeyInfoResponse>(node, "POST", "/v2/ImportKey", {
        body: {
          accessKeyId: "GK" + "ab".repeat(12),
          secretAccessKey: "cd".repeat(32),
          name: "legacy",
        },
      })).body;
      assertEquals(imported.accessKeyId, "GK" + "ab".repeat(12));
      assertEquals(imported.name, "legacy");
      await expectError(
        call(node, "POST", "/v2/ImportKey", {
          body: { accessKeyId: "GK" + "ab".repeat(12), secretAccessKey: "cd".repeat(32) },
        }),
        409,
        "KeyAlreadyExists",
      );
      await expectError(
        call(node, "POST", "/v2/ImportKey", {
          body: { accessKeyId: "AKIA123", secretAccessKey: "cd".repeat(32) },
        }),
        400,
        "InvalidRequest",
        /GK followed by 24 hex digits/,
      );
      await expectError(
        call(node, "POST", "/v2/ImportKey", { body: { accessKeyId: "GK" + "ef".repeat(12) } }),
        400,
        "InvalidRequest",
        /`secretAccessKey` is required/,
      );
    });

    await t.step("unknown keys are 404 NoSuchAccessKey", async () => {
      const missing = "GK" + "00".repeat(12);
      await expectError(
        call(node, "GET", `/v2/GetKeyInfo?id=${missing}`),
        404,
        "NoSuchAccessKey",
        new RegExp(missing),
      );
      await expectError(
        call(node, "GET", `/v2/GetKeyInfo?search=nobody`),
        404,
        "NoSuchAccessKey",
        /nobody/,
      );
      await expectError(
        call(node, "POST", `/v2/UpdateKey?id=${missing}`, { body: { name: "x" } }),
        404,
        "NoSuchAccessKey",
      );
      await expectError(call(node, "POST", `/v2/DeleteKey?id=${missing}`), 404, "NoSuchAccessKey");
      await expectError(call(node, "POST", `/v2/DeleteKey`), 400, "InvalidRequest", /`id`/);
    });

    let bucketId = "";
    await t.step(
      "buckets: create, invalid names, duplicates, info by id/alias/search",
      async () => {
        const b = (await call<GetBucketInfoResponse>(node, "POST", "/v2/CreateBucket", {
          body: { globalAlias: "photos" },
        })).body;
        assertMatch(b.id, /^[0-9a-f]{64}$/);
        assertEquals(b.globalAliases, ["photos"]);
        assertEquals([b.objects, b.bytes, b.unfinishedUploads], [0, 0, 0]);
        assertEquals(b.websiteAccess, false);
        assertEquals(b.quotas, { maxSize: null, maxObjects: null });
        bucketId = b.id;

        await expectError(
          call(node, "POST", "/v2/CreateBucket", { body: { globalAlias: "Bad_Name" } }),
          400,
          "InvalidBucketName",
          /Bad_Name/,
        );
        await expectError(
          call(node, "POST", "/v2/CreateBucket", { body: { globalAlias: "photos" } }),
          409,
          "BucketAlreadyExists",
        );
        await expectError(
          call(node, "POST", "/v2/CreateBucket", { body: { globalAlias: 5 } }),
          400,
          "InvalidRequest",
          /`globalAlias` must be a string/,
        );

        const local = (await call<GetBucketInfoResponse>(node, "POST", "/v2/CreateBucket", {
          body: { localAlias: { accessKeyId: keyId, alias: "private", allow: { read: true } } },
        })).body;
        assertEquals(local.globalAliases, []);
        assertEquals(local.keys.map((k) => [k.accessKeyId, k.permissions, k.bucketLocalAliases]), [
          [keyId, { read: true, write: false, owner: false }, ["private"]],
        ]);
        await expectError(
          call(node, "POST", "/v2/CreateBucket", {
            body: { localAlias: { accessKeyId: "GK" + "00".repeat(12), alias: "zzz" } },
          }),
          404,
          "NoSuchAccessKey",
        );

        for (
          const q of [
            `id=${bucketId}`,
            "globalAlias=photos",
            "search=photos",
            `search=${bucketId.slice(0, 6)}`,
          ]
        ) {
          const got = await call<GetBucketInfoResponse>(node, "GET", `/v2/GetBucketInfo?${q}`);
          assertEquals(got.status, 200, got.text);
          assertEquals(got.body.id, bucketId, q);
        }
        await expectError(
          call(node, "GET", `/v2/GetBucketInfo?id=${"0".repeat(64)}`),
          404,
          "NoSuchBucket",
        );
        await expectError(
          call(node, "GET", `/v2/GetBucketInfo?globalAlias=nothere`),
          404,
          "NoSuchBucket",
        );
        await expectError(
          call(node, "GET", `/v2/GetBucketInfo?id=xyz`),
          400,
          "InvalidRequest",
          /Invalid bucket id/,
        );
        await expectError(
          call(node, "GET", `/v2/GetBucketInfo?id=${bucketId}&search=photos`),
          400,
          "InvalidRequest",
          /not several/,
        );

        const list = (await call<ListBucketsResponse>(node, "GET", "/v2/ListBuckets")).body;
        assertEquals(list.length, 2);
        const listed = list.find((x) => x.id === local.id)!;
        assertEquals(listed.localAliases, [{ accessKeyId: keyId, alias: "private" }]);
      },
    );

    await t.step("UpdateBucket sets website access and quotas, field by field", async () => {
      const b =
        (await call<GetBucketInfoResponse>(node, "POST", `/v2/UpdateBucket?id=${bucketId}`, {
          body: {
            websiteAccess: {
              enabled: true,
              indexDocument: "index.html",
              errorDocument: "err.html",
            },
            quotas: { maxSize: 1_000_000, maxObjects: null },
          },
        })).body;
      assertEquals(b.websiteAccess, true);
      assertEquals(b.websiteConfig, { indexDocument: "index.html", errorDocument: "err.html" });
      assertEquals(b.quotas, { maxSize: 1_000_000, maxObjects: null });
      const off =
        (await call<GetBucketInfoResponse>(node, "POST", `/v2/UpdateBucket?id=${bucketId}`, {
          body: { websiteAccess: { enabled: false } },
        })).body;
      assertEquals([off.websiteAccess, off.websiteConfig], [false, null]);
      assertEquals(off.quotas.maxSize, 1_000_000, "quotas are kept when only the website changes");
      await expectError(
        call(node, "POST", `/v2/UpdateBucket?id=${bucketId}`, {
          body: { websiteAccess: { enabled: true } },
        }),
        400,
        "InvalidRequest",
        /indexDocument/,
      );
      await expectError(
        call(node, "POST", `/v2/UpdateBucket?id=${bucketId}`, {
          body: { quotas: { maxSize: -1 } },
        }),
        400,
        "InvalidRequest",
        /`quotas.maxSize` must be an integer of at least 0, got -1/,
      );
      await expectError(
        call(node, "POST", `/v2/UpdateBucket?id=${"0".repeat(64)}`, { body: {} }),
        404,
        "NoSuchBucket",
      );
    });

    await t.step("aliases: global and local, add and remove", async () => {
      const added = (await call<GetBucketInfoResponse>(node, "POST", "/v2/AddBucketAlias", {
        body: { bucketId, globalAlias: "pictures" },
      })).body;
      assertEquals(added.globalAliases, ["photos", "pictures"]);
      const local = (await call<GetBucketInfoResponse>(node, "POST", "/v2/AddBucketAlias", {
        body: { bucketId, localAlias: "my-photos", accessKeyId: keyId },
      })).body;
      assertEquals(local.keys.find((k) => k.accessKeyId === keyId)?.bucketLocalAliases, [
        "my-photos",
      ]);
      await expectError(
        call(node, "POST", "/v2/AddBucketAlias", {
          body: { bucketId, globalAlias: "pictures", localAlias: "x", accessKeyId: keyId },
        }),
        400,
        "InvalidRequest",
        /either `globalAlias`/,
      );
      await expectError(
        call(node, "POST", "/v2/AddBucketAlias", { body: { bucketId, globalAlias: "NO" } }),
        400,
        "InvalidBucketName",
      );
      await expectError(
        call(node, "POST", "/v2/AddBucketAlias", { body: { bucketId, localAlias: "abc" } }),
        400,
        "InvalidRequest",
        /`accessKeyId` is required/,
      );
      const other = (await call<GetBucketInfoResponse>(node, "POST", "/v2/CreateBucket", {
        body: { globalAlias: "other" },
      })).body;
      await expectError(
        call(node, "POST", "/v2/AddBucketAlias", {
          body: { bucketId: other.id, globalAlias: "photos" },
        }),
        409,
        "BucketAlreadyExists",
      );

      const removed = (await call<GetBucketInfoResponse>(node, "POST", "/v2/RemoveBucketAlias", {
        body: { bucketId, globalAlias: "pictures" },
      })).body;
      assertEquals(removed.globalAliases, ["photos"]);
      const noLocal = (await call<GetBucketInfoResponse>(node, "POST", "/v2/RemoveBucketAlias", {
        body: { bucketId, localAlias: "my-photos", accessKeyId: keyId },
      })).body;
      assertEquals(noLocal.keys.find((k) => k.accessKeyId === keyId)?.bucketLocalAliases ?? [], []);
      await expectError(
        call(node, "POST", "/v2/RemoveBucketAlias", {
          body: { bucketId, globalAlias: "pictures" },
        }),
        400,
        "InvalidRequest",
        /no global alias/,
      );
      await expectError(
        call(node, "POST", "/v2/RemoveBucketAlias", { body: { bucketId, globalAlias: "photos" } }),
        400,
        "InvalidRequest",
        /doesn't have other aliases/,
      );
      await call(node, "POST", `/v2/DeleteBucket?id=${other.id}`);
    });

    await t.step("AllowBucketKey / DenyBucketKey change rights on both sides", async () => {
      const allowed = (await call<GetBucketInfoResponse>(node, "POST", "/v2/AllowBucketKey", {
        body: {
          bucketId,
          accessKeyId: keyId,
          permissions: { read: true, write: true, owner: true },
        },
      })).body;
      assertEquals(allowed.keys.find((k) => k.accessKeyId === keyId)?.permissions, {
        read: true,
        write: true,
        owner: true,
      });
      const denied = (await call<GetBucketInfoResponse>(node, "POST", "/v2/DenyBucketKey", {
        body: { bucketId, accessKeyId: keyId, permissions: { owner: true } },
      })).body;
      assertEquals(denied.keys.find((k) => k.accessKeyId === keyId)?.permissions, {
        read: true,
        write: true,
        owner: false,
      });
      const key = (await call<GetKeyInfoResponse>(node, "GET", `/v2/GetKeyInfo?id=${keyId}`)).body;
      const entry = key.buckets.find((b) => b.id === bucketId);
      assertEquals(entry?.permissions, { read: true, write: true, owner: false });
      assertEquals(entry?.globalAliases, ["photos"]);
      await expectError(
        call(node, "POST", "/v2/AllowBucketKey", {
          body: { bucketId, accessKeyId: "GK" + "00".repeat(12), permissions: { read: true } },
        }),
        404,
        "NoSuchAccessKey",
      );
      await expectError(
        call(node, "POST", "/v2/AllowBucketKey", {
          body: { bucketId: "0".repeat(64), accessKeyId: keyId, permissions: { read: true } },
        }),
        404,
        "NoSuchBucket",
      );
      await expectError(
        call(node, "POST", "/v2/AllowBucketKey", { body: { bucketId, accessKeyId: keyId } }),
        400,
        "InvalidRequest",
        /`permissions` is required/,
      );
    });

    await t.step(
      "objects and uploads are counted; a non-empty bucket cannot be deleted",
      async () => {
        const s3 = new S3Client({
          endpoint: node.s3,
          region: node.region,
          credentials: { accessKeyId: keyId, secretAccessKey: secret },
          forcePathStyle: true,
        });
        try {
          await s3.send(new PutObjectCommand({ Bucket: "photos", Key: "a.txt", Body: "hello" }));
          await s3.send(new PutObjectCommand({ Bucket: "photos", Key: "b.txt", Body: "world!" }));
          await s3.send(new CreateMultipartUploadCommand({ Bucket: "photos", Key: "big" }));
        } finally {
          s3.destroy();
        }
        const b =
          (await call<GetBucketInfoResponse>(node, "GET", `/v2/GetBucketInfo?id=${bucketId}`)).body;
        assertEquals([b.objects, b.bytes], [2, 11]);
        assertEquals([b.unfinishedUploads, b.unfinishedMultipartUploads], [1, 1]);
        await expectError(
          call(node, "POST", `/v2/DeleteBucket?id=${bucketId}`),
          409,
          "BucketNotEmpty",
          /not empty/,
        );

        const m = await call(node, "GET", "/metrics", { token: "test-metrics-token" });
        assertEquals(m.status, 200);
        assertMatch(
          m.text,
          new RegExp(`bucket_objects\\{bucket_id="${bucketId}",bucket="photos"\\} 2`),
        );
        assertMatch(
          m.text,
          new RegExp(`bucket_bytes\\{bucket_id="${bucketId}",bucket="photos"\\} 11`),
        );
        assertMatch(m.text, /admin_request_total\{api_endpoint="GetBucketInfo"\} \d+/);
        const rss = Number(/process_memory_bytes\{kind="rss"\} (\d+)/.exec(m.text)?.[1]);
        assert(rss > 10 * 2 ** 20 && rss < 2 ** 32, `process RSS ${rss}`);
        await expectError(call(node, "GET", "/metrics", { token: null }), 401, "AccessDenied");
        await expectError(call(node, "GET", "/metrics", { token: "nope" }), 401, "AccessDenied");
      },
    );

    await t.step("deleting an empty bucket and a key", async () => {
      const empty = (await call<GetBucketInfoResponse>(node, "POST", "/v2/CreateBucket", {
        body: { globalAlias: "scratch" },
      })).body;
      await call(node, "POST", "/v2/AllowBucketKey", {
        body: { bucketId: empty.id, accessKeyId: keyId, permissions: { read: true } },
      });
      const del = await call(node, "POST", `/v2/DeleteBucket?id=${empty.id}`);
      assertEquals(del.status, 200, del.text);
      await expectError(call(node, "GET", `/v2/GetBucketInfo?id=${empty.id}`), 404, "NoSuchBucket");
      await expectError(
        call(node, "GET", `/v2/GetBucketInfo?globalAlias=scratch`),
        404,
        "NoSuchBucket",
      );
      const key = (await call<GetKeyInfoResponse>(node, "GET", `/v2/GetKeyInfo?id=${keyId}`)).body;
      assert(!key.buckets.some((b) => b.id === empty.id), "a deleted bucket is gone from its keys");

      const victim = (await call<GetKeyInfoResponse>(node, "POST", "/v2/CreateKey", {
        body: { name: "victim" },
      })).body;
      const d = await call(node, "POST", `/v2/DeleteKey?id=${victim.accessKeyId}`);
      assertEquals(d.status, 200, d.text);
      await expectError(
        call(node, "GET", `/v2/GetKeyInfo?id=${victim.accessKeyId}`),
        404,
        "NoSuchAccessKey",
      );
      const list = (await call<ListKeysResponse>(node, "GET", "/v2/ListKeys")).body;
      assert(!list.some((k) => k.id === victim.accessKeyId));
    });

    await t.step("layout: update, preview, revert, apply, and their errors", async () => {
      const before =
        (await call<GetClusterLayoutResponse>(node, "GET", "/v2/GetClusterLayout")).body;
      assertEquals(before.version, 1);
      assertEquals(before.roles.map((r) => [r.id, r.zone, r.capacity, r.storedPartitions]), [[
        nodeId,
        "dc1",
        100e9,
        256,
      ]]);
      assertEquals(before.parameters, { zoneRedundancy: "maximum" });
      assertEquals(before.stagedRoleChanges, []);
      assertEquals(before.stagedParameters, null);
      assert(before.partitionSize > 0);

      const staged =
        (await call<GetClusterLayoutResponse>(node, "POST", "/v2/UpdateClusterLayout", {
          body: {
            roles: [{ id: nodeId, zone: "dc2", capacity: 50e9, tags: ["ssd"] }],
            parameters: { zoneRedundancy: { atLeast: 1 } },
          },
        })).body;
      assertEquals(staged.version, 1);
      assertEquals(staged.stagedRoleChanges, [{
        id: nodeId,
        zone: "dc2",
        capacity: 50e9,
        tags: ["ssd"],
      }]);
      assertEquals(staged.stagedParameters, { zoneRedundancy: { atLeast: 1 } });
      const preview = (await call<PreviewClusterLayoutChangesResponse>(
        node,
        "POST",
        "/v2/PreviewClusterLayoutChanges",
      )).body;
      assert("newLayout" in preview, JSON.stringify(preview));
      assertEquals(preview.newLayout.version, 2);
      // One node keeps every copy whatever its zone: nothing moves.
      assertEquals(preview.changes, [
        { id: nodeId, before: 256, after: 256, incoming: 0, outgoing: 0 },
      ]);
      assertEquals([preview.copiesMoved, preview.copiesTotal], [0, 256]);

      const reverted =
        (await call<GetClusterLayoutResponse>(node, "POST", "/v2/RevertClusterLayout")).body;
      assertEquals([reverted.stagedRoleChanges, reverted.stagedParameters], [[], null]);

      await expectError(
        call(node, "POST", "/v2/UpdateClusterLayout", {
          body: { roles: [{ id: "abc", zone: "z", capacity: 1e9 }] },
        }),
        400,
        "InvalidRequest",
        /`roles\[0\].id` must be a full node id/,
      );
      await expectError(
        call(node, "POST", "/v2/UpdateClusterLayout", {
          body: { roles: [{ id: nodeId, zone: "z", capacity: 100 }] },
        }),
        400,
        "InvalidRequest",
        /at least 1K/,
      );
      await expectError(
        call(node, "POST", "/v2/UpdateClusterLayout", {
          body: { roles: [{ id: nodeId, zone: "z" }] },
        }),
        400,
        "InvalidRequest",
        /capacity` is required/,
      );
      await expectError(
        call(node, "POST", "/v2/UpdateClusterLayout", {
          body: { roles: [{ id: nodeId, remove: false }] },
        }),
        400,
        "InvalidRequest",
        /remove` must be true/,
      );
      await expectError(
        call(node, "POST", "/v2/UpdateClusterLayout", {
          body: { parameters: { zoneRedundancy: { atLeast: 2 } } },
        }),
        400,
        "InvalidRequest",
        /replication factor \(1\)/,
      );
      await expectError(
        call(node, "POST", "/v2/UpdateClusterLayout", {
          body: { roles: [{ id: "ab".repeat(32), remove: true }] },
        }),
        400,
        "InvalidRequest",
        /no role to remove/,
      );
      const still =
        (await call<GetClusterLayoutResponse>(node, "GET", "/v2/GetClusterLayout")).body;
      assertEquals(still.stagedRoleChanges, [], "a refused update stages nothing");

      await call(node, "POST", "/v2/UpdateClusterLayout", {
        body: { roles: [{ id: nodeId, zone: "dc2", capacity: 50e9, tags: [] }] },
      });
      await expectError(
        call(node, "POST", "/v2/ApplyClusterLayout", { body: { version: 5 } }),
        400,
        "InvalidRequest",
        /apply version 2/,
      );
      await expectError(
        call(node, "POST", "/v2/ApplyClusterLayout", { body: {} }),
        400,
        "InvalidRequest",
        /`version` is required/,
      );
      const applied =
        (await call<ApplyClusterLayoutResponse>(node, "POST", "/v2/ApplyClusterLayout", {
          body: { version: 2 },
        })).body;
      assertEquals(applied.layout.version, 2);
      assertEquals(applied.layout.roles.map((r) => [r.zone, r.capacity]), [["dc2", 50e9]]);
      assertEquals(applied.layout.stagedRoleChanges, []);
      assert(applied.message.length > 0 && applied.message.every((l) => typeof l === "string"));
      const s = (await call<GetClusterStatusResponse>(node, "GET", "/v2/GetClusterStatus")).body;
      assertEquals(s.layoutVersion, 2);

      // A gateway role (null capacity) is accepted; with no storage node left, apply refuses.
      await call(node, "POST", "/v2/UpdateClusterLayout", {
        body: { roles: [{ id: nodeId, zone: "dc2", capacity: null }] },
      });
      const gw = (await call<GetClusterLayoutResponse>(node, "GET", "/v2/GetClusterLayout")).body;
      assertEquals(gw.stagedRoleChanges, [{ id: nodeId, zone: "dc2", capacity: null, tags: [] }]);
      const bad = (await call<PreviewClusterLayoutChangesResponse>(
        node,
        "POST",
        "/v2/PreviewClusterLayoutChanges",
      )).body;
      assert("error" in bad && /storage node/.test(bad.error), JSON.stringify(bad));
      await expectError(
        call(node, "POST", "/v2/ApplyClusterLayout", { body: { version: 3 } }),
        400,
        "InvalidRequest",
        /storage node/,
      );
      await call(node, "POST", "/v2/RevertClusterLayout");
    });
  } finally {
    await node.stop();
  }
});

Deno.test("a node without a role is unhealthy until its layout is applied", async () => {
  const node = await startNode({ autoLayout: false });
  try {
    const health = await call(node, "GET", "/health", { token: null });
    assertEquals(health.status, 503);
    assertMatch(health.text, /no role/);
    const h = (await call<GetClusterHealthResponse>(node, "GET", "/v2/GetClusterHealth")).body;
    assertEquals([h.status, h.storageNodes, h.partitionsQuorum], ["unavailable", 0, 0]);
    const s = (await call<GetClusterStatusResponse>(node, "GET", "/v2/GetClusterStatus")).body;
    assertEquals(s.layoutVersion, 0);
    assertEquals(s.nodes.map((n) => n.role), [null]);
    const id = s.nodes[0].id;

    await expectError(
      call(node, "POST", "/v2/CreateKey", { body: { name: "early" } }),
      503,
      "ServiceUnavailable",
      /layout assign/,
    );
    const s3 = await fetch(`${node.s3}/any-bucket`);
    const s3Text = await s3.text();
    assertEquals(s3.status, 503, s3Text);
    assertMatch(s3Text, /<Code>ServiceUnavailable<\/Code>.*no role in the cluster layout/);

    const staged = (await call<GetClusterLayoutResponse>(node, "POST", "/v2/UpdateClusterLayout", {
      body: { roles: [{ id, zone: "paris", capacity: 10e9, tags: ["a"] }] },
    })).body;
    assertEquals(staged.version, 0);
    assertEquals(staged.stagedRoleChanges.length, 1);
    const applied =
      (await call<ApplyClusterLayoutResponse>(node, "POST", "/v2/ApplyClusterLayout", {
        body: { version: 1 },
      })).body;
    assertEquals(applied.layout.version, 1);
    assertEquals(applied.layout.roles.map((r) => [r.id, r.zone, r.capacity, r.tags]), [[
      id,
      "paris",
      10e9,
      ["a"],
    ]]);

    assertEquals((await call(node, "GET", "/health", { token: null })).status, 200);
    const after = (await call<GetClusterHealthResponse>(node, "GET", "/v2/GetClusterHealth")).body;
    assertEquals([after.status, after.storageNodes, after.partitionsQuorum], ["healthy", 1, 256]);
    const k = await call<GetKeyInfoResponse>(node, "POST", "/v2/CreateKey", {
      body: { name: "late" },
    });
    assertEquals(k.status, 200, k.text);
  } finally {
    await node.stop();
  }
});
