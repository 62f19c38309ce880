/**
 * Garage v2.0.0's admin API, all 48 operations, on a 3-node cluster: each called once as a
 * client would (answered 200 with the expected shape) and once wrongly (answered with the
 * status and code that say why, never a 5xx). The list is checked against ADMIN_ENDPOINTS so
 * an operation cannot be dropped unnoticed.
 */
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import {
  ADMIN_ENDPOINTS,
  type ApiError,
  type CreateAdminTokenResponse,
  type GetBucketInfoResponse,
  type GetKeyInfoResponse,
  type InspectObjectResponse,
  type MultiResponse,
} from "../shared/admin.ts";
import { assert, assertEquals } from "./assert.ts";
import {
  type ClusterNode,
  content,
  eventually,
  s3Client,
  startCluster,
  startClusterNode,
  stopAll,
} from "./cluster.ts";

/** The operationIds of Garage v2.0.0's doc/api/garage-admin-v2.json. */
const GARAGE_V2 = [
  "CheckDomain",
  "Health",
  "Metrics",
  "AddBucketAlias",
  "AllowBucketKey",
  "ApplyClusterLayout",
  "CleanupIncompleteUploads",
  "ClusterLayoutSkipDeadNodes",
  "ConnectClusterNodes",
  "CreateAdminToken",
  "CreateBucket",
  "CreateKey",
  "CreateMetadataSnapshot",
  "DeleteAdminToken",
  "DeleteBucket",
  "DeleteKey",
  "DenyBucketKey",
  "GetAdminTokenInfo",
  "GetBlockInfo",
  "GetBucketInfo",
  "GetClusterHealth",
  "GetClusterLayout",
  "GetClusterLayoutHistory",
  "GetClusterStatistics",
  "GetClusterStatus",
  "GetKeyInfo",
  "GetNodeInfo",
  "GetNodeStatistics",
  "GetWorkerInfo",
  "GetWorkerVariable",
  "ImportKey",
  "InspectObject",
  "LaunchRepairOperation",
  "ListAdminTokens",
  "ListBlockErrors",
  "ListBuckets",
  "ListKeys",
  "ListWorkers",
  "PreviewClusterLayoutChanges",
  "PurgeBlocks",
  "RemoveBucketAlias",
  "RetryBlockResync",
  "RevertClusterLayout",
  "SetWorkerVariable",
  "UpdateAdminToken",
  "UpdateBucket",
  "UpdateClusterLayout",
  "UpdateKey",
];

interface Answer {
  status: number;
  json: unknown;
  text: string;
}

/** One call as any HTTP client makes it; `token: null` sends none. */
async function call(
  n: ClusterNode,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = n.adminToken,
): Promise<Answer> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${n.admin}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // /health and /metrics answer plain text.
  }
  return { status: res.status, json, text };
}

function ok<T>(a: Answer, what: string): T {
  assertEquals(a.status, 200, `${what}: ${a.text}`);
  return a.json as T;
}

function refused(a: Answer, status: number, code: string, what: string): void {
  assertEquals([a.status, (a.json as ApiError | null)?.code], [status, code], `${what}: ${a.text}`);
}

/** A per-node answer with this node's success. */
function oneNode<T>(a: Answer, id: string, what: string): T {
  const r = ok<MultiResponse<T>>(a, what);
  assertEquals(Object.keys(r.error), [], `${what}: ${JSON.stringify(r.error)}`);
  assert(id in r.success, `${what}: no answer from ${id}`);
  return r.success[id];
}

Deno.test("admin API: each of Garage's 48 operations, called right and called wrong", async (t) => {
  const extra = "block_size = 16384";
  const nodes = await startCluster({
    zones: ["a", "b", "c"],
    replicationFactor: 3,
    node: { extraToml: extra },
  });
  const all: ClusterNode[] = [...nodes];
  const clients: S3Client[] = [];
  const n = nodes[0];
  const self = n.id;
  const done = new Set<string>();
  const op = (name: string, fn: () => Promise<void>) =>
    t.step(name, async () => {
      await fn();
      done.add(name);
    });
  try {
    const listed = [...Object.keys(ADMIN_ENDPOINTS), "CheckDomain", "Health", "Metrics"];
    assertEquals(GARAGE_V2.filter((o) => !listed.includes(o)), [], "operations without a route");

    await op("Health", async () => {
      assertEquals((await call(n, "GET", "/health", undefined, null)).status, 200);
      refused(await call(n, "POST", "/health"), 405, "MethodNotAllowed", "POST /health");
    });
    await op("Metrics", async () => {
      const m = await call(n, "GET", "/metrics");
      assertEquals(m.status, 200);
      assert(m.text.includes("# TYPE"), "Prometheus text");
      refused(await call(n, "GET", "/metrics", undefined, null), 401, "AccessDenied", "no token");
    });
    await op("GetClusterStatus", async () => {
      const s = ok<{ nodes: unknown[] }>(await call(n, "GET", "/v2/GetClusterStatus"), "status");
      assertEquals(s.nodes.length, 3);
      refused(await call(n, "GET", "/v2/GetClusterStatus?x=1"), 400, "InvalidRequest", "query");
    });
    await op("GetClusterHealth", async () => {
      const h = ok<{ status: string }>(await call(n, "GET", "/v2/GetClusterHealth"), "health");
      assertEquals(h.status, "healthy");
      refused(await call(n, "POST", "/v2/GetClusterHealth", {}), 405, "MethodNotAllowed", "POST");
    });
    await op("GetClusterStatistics", async () => {
      ok(await call(n, "GET", "/v2/GetClusterStatistics"), "statistics");
      refused(
        await call(n, "GET", "/v2/GetClusterStatistics", undefined, "nope"),
        401,
        "AccessDenied",
        "bad token",
      );
    });
    await op("ConnectClusterNodes", async () => {
      const r = ok<{ success: boolean }[]>(
        await call(n, "POST", "/v2/ConnectClusterNodes", [nodes[1].peerAddress]),
        "connect",
      );
      assertEquals(r.map((x) => x.success), [true]);
      refused(
        await call(n, "POST", "/v2/ConnectClusterNodes", { peers: 1 }),
        400,
        "InvalidRequest",
        "not a list",
      );
    });
    await op("GetNodeInfo", async () => {
      oneNode(await call(n, "GET", "/v2/GetNodeInfo?node=self"), self, "node info");
      refused(
        await call(n, "GET", "/v2/GetNodeInfo?node=ffffffffff"),
        400,
        "InvalidRequest",
        "no such node",
      );
    });
    await op("GetNodeStatistics", async () => {
      oneNode(await call(n, "GET", "/v2/GetNodeStatistics?node=self"), self, "node stats");
      refused(await call(n, "GET", "/v2/GetNodeStatistics"), 400, "InvalidRequest", "no node");
    });

    // Keys and buckets.
    let keyId = "";
    await op("CreateKey", async () => {
      const k = ok<GetKeyInfoResponse>(
        await call(n, "POST", "/v2/CreateKey", { name: "app" }),
        "create key",
      );
      keyId = k.accessKeyId;
      assert(k.secretAccessKey);
      refused(await call(n, "POST", "/v2/CreateKey", { name: 3 }), 400, "InvalidRequest", "name");
    });
    await op("ImportKey", async () => {
      ok(
        await call(n, "POST", "/v2/ImportKey", {
          accessKeyId: "GK0123456789abcdef01234567",
          secretAccessKey: "0".repeat(64),
          name: "imported",
        }),
        "import",
      );
      refused(
        await call(n, "POST", "/v2/ImportKey", { accessKeyId: "AK1", secretAccessKey: "x" }),
        400,
        "InvalidRequest",
        "bad id",
      );
    });
    await op("ListKeys", async () => {
      const ks = ok<{ id: string }[]>(await call(n, "GET", "/v2/ListKeys"), "keys");
      assert(ks.some((k) => k.id === keyId));
      refused(await call(n, "POST", "/v2/ListKeys", {}), 405, "MethodNotAllowed", "POST");
    });
    await op("GetKeyInfo", async () => {
      ok(await call(n, "GET", `/v2/GetKeyInfo?id=${keyId}`), "key info");
      refused(
        await call(n, "GET", "/v2/GetKeyInfo?id=GKffffffffffffffffffffffff"),
        404,
        "NoSuchAccessKey",
        "unknown",
      );
    });
    await op("UpdateKey", async () => {
      ok(
        await call(n, "POST", `/v2/UpdateKey?id=${keyId}`, { allow: { createBucket: true } }),
        "update key",
      );
      refused(
        await call(n, "POST", `/v2/UpdateKey?id=${keyId}`, {
          allow: { createBucket: true },
          deny: { createBucket: true },
        }),
        400,
        "InvalidRequest",
        "allow and deny",
      );
    });
    let bucketId = "";
    await op("CreateBucket", async () => {
      const b = ok<GetBucketInfoResponse>(
        await call(n, "POST", "/v2/CreateBucket", { globalAlias: "photos" }),
        "create bucket",
      );
      bucketId = b.id;
      refused(
        await call(n, "POST", "/v2/CreateBucket", { globalAlias: "Bad_Name" }),
        400,
        "InvalidBucketName",
        "name",
      );
    });
    await op("ListBuckets", async () => {
      const bs = ok<{ id: string }[]>(await call(n, "GET", "/v2/ListBuckets"), "buckets");
      assertEquals(bs.map((b) => b.id), [bucketId]);
      refused(await call(n, "GET", "/v2/ListBuckets?page=2"), 400, "InvalidRequest", "query");
    });
    await op("GetBucketInfo", async () => {
      ok(await call(n, "GET", "/v2/GetBucketInfo?globalAlias=photos"), "bucket info");
      refused(
        await call(n, "GET", "/v2/GetBucketInfo?globalAlias=nothing"),
        404,
        "NoSuchBucket",
        "unknown",
      );
    });
    await op("UpdateBucket", async () => {
      ok(
        await call(n, "POST", `/v2/UpdateBucket?id=${bucketId}`, {
          quotas: { maxObjects: 1000, maxSize: null },
        }),
        "quotas",
      );
      refused(
        await call(n, "POST", `/v2/UpdateBucket?id=${bucketId}`, { quotas: { maxObjects: -1 } }),
        400,
        "InvalidRequest",
        "quota",
      );
    });
    await op("AllowBucketKey", async () => {
      const perms = { read: true, write: true, owner: true };
      ok(
        await call(n, "POST", "/v2/AllowBucketKey", {
          bucketId,
          accessKeyId: keyId,
          permissions: perms,
        }),
        "allow",
      );
      refused(
        await call(n, "POST", "/v2/AllowBucketKey", {
          bucketId,
          accessKeyId: keyId,
          permissions: { read: "yes" },
        }),
        400,
        "InvalidRequest",
        "permission",
      );
    });
    await op("DenyBucketKey", async () => {
      ok(
        await call(n, "POST", "/v2/DenyBucketKey", {
          bucketId,
          accessKeyId: "GK0123456789abcdef01234567",
          permissions: { read: true, write: true, owner: true },
        }),
        "deny",
      );
      refused(
        await call(n, "POST", "/v2/DenyBucketKey", {
          bucketId: "0".repeat(64),
          accessKeyId: keyId,
          permissions: { read: true },
        }),
        404,
        "NoSuchBucket",
        "unknown bucket",
      );
    });
    await op("AddBucketAlias", async () => {
      ok(
        await call(n, "POST", "/v2/AddBucketAlias", { bucketId, globalAlias: "pictures" }),
        "alias",
      );
      refused(
        await call(n, "POST", "/v2/AddBucketAlias", { bucketId, globalAlias: "photos!" }),
        400,
        "InvalidBucketName",
        "name",
      );
    });
    await op("RemoveBucketAlias", async () => {
      ok(
        await call(n, "POST", "/v2/RemoveBucketAlias", { bucketId, globalAlias: "pictures" }),
        "unalias",
      );
      refused(
        await call(n, "POST", "/v2/RemoveBucketAlias", { bucketId }),
        400,
        "InvalidRequest",
        "no alias",
      );
    });
    await op("CheckDomain", async () => {
      await call(n, "POST", `/v2/UpdateBucket?id=${bucketId}`, {
        websiteAccess: { enabled: true, indexDocument: "index.html" },
      });
      assertEquals((await call(n, "GET", "/check?domain=photos", undefined, null)).status, 200);
      refused(
        await call(n, "GET", "/check?domain=elsewhere.example", undefined, null),
        400,
        "InvalidRequest",
        "not served",
      );
    });

    // Objects and blocks: a 40 KB object is three 16 KiB blocks.
    const creds = ok<GetKeyInfoResponse>(
      await call(n, "GET", `/v2/GetKeyInfo?id=${keyId}&showSecretKey=true`),
      "secret",
    );
    const s3 = s3Client(nodes[1], { accessKeyId: keyId, secretAccessKey: creds.secretAccessKey! });
    clients.push(s3);
    await s3.send(
      new PutObjectCommand({ Bucket: "photos", Key: "big.bin", Body: content("big", 40_000) }),
    );
    let hashes: string[] = [];
    await op("InspectObject", async () => {
      const o = ok<InspectObjectResponse>(
        await call(n, "GET", `/v2/InspectObject?bucketId=${bucketId}&key=big.bin`),
        "inspect",
      );
      hashes = o.versions[0].blocks!.map((b) => b.hash);
      assertEquals(hashes.length, 3);
      refused(
        await call(n, "GET", `/v2/InspectObject?bucketId=${bucketId}&key=none`),
        404,
        "NoSuchKey",
        "missing",
      );
    });
    await op("GetBlockInfo", async () => {
      const b = oneNode<{ refcount: number; versions: { backlink: unknown }[] }>(
        await call(n, "POST", "/v2/GetBlockInfo?node=self", { blockHash: hashes[0] }),
        self,
        "block info",
      );
      assertEquals(b.refcount, 1);
      assertEquals(b.versions[0].backlink, { object: { bucketId, key: "big.bin" } });
      refused(
        await call(n, "POST", "/v2/GetBlockInfo?node=self", { blockHash: "xyz" }),
        400,
        "InvalidRequest",
        "hash",
      );
    });
    await op("ListBlockErrors", async () => {
      assertEquals(
        oneNode(await call(n, "GET", "/v2/ListBlockErrors?node=self"), self, "errors"),
        [],
      );
      refused(await call(n, "GET", "/v2/ListBlockErrors"), 400, "InvalidRequest", "no node");
    });
    await op("RetryBlockResync", async () => {
      oneNode(
        await call(n, "POST", "/v2/RetryBlockResync?node=self", { all: true }),
        self,
        "retry",
      );
      refused(
        await call(n, "POST", "/v2/RetryBlockResync?node=self", { blockHashes: ["zz"] }),
        400,
        "InvalidRequest",
        "hash",
      );
    });
    await op("PurgeBlocks", async () => {
      const p = oneNode<{ versionsDeleted: number; blockRefsPurged: number }>(
        await call(n, "POST", "/v2/PurgeBlocks?node=self", [hashes[1]]),
        self,
        "purge",
      );
      assertEquals([p.versionsDeleted, p.blockRefsPurged], [1, 1]);
      refused(
        await call(n, "POST", "/v2/PurgeBlocks?node=self", []),
        400,
        "InvalidRequest",
        "empty",
      );
    });
    await op("CleanupIncompleteUploads", async () => {
      const r = ok<{ uploadsDeleted: number }>(
        await call(n, "POST", "/v2/CleanupIncompleteUploads", { bucketId, olderThanSecs: 0 }),
        "cleanup",
      );
      assertEquals(r.uploadsDeleted, 0);
      refused(
        await call(n, "POST", "/v2/CleanupIncompleteUploads", { bucketId, olderThanSecs: -1 }),
        400,
        "InvalidRequest",
        "age",
      );
    });

    // Workers, repairs, snapshots.
    await op("ListWorkers", async () => {
      const ws = oneNode<{ id: number; name: string }[]>(
        await call(n, "POST", "/v2/ListWorkers?node=self", {}),
        self,
        "workers",
      );
      assert(ws.some((w) => w.name === "block resync"));
      refused(await call(n, "GET", "/v2/ListWorkers?node=self"), 405, "MethodNotAllowed", "GET");
    });
    await op("GetWorkerInfo", async () => {
      const ws = oneNode<{ id: number; name: string }[]>(
        await call(n, "POST", "/v2/ListWorkers?node=self", {}),
        self,
        "workers",
      );
      const w = oneNode<{ name: string }>(
        await call(n, "POST", "/v2/GetWorkerInfo?node=self", { id: ws[0].id }),
        self,
        "worker",
      );
      assertEquals(w.name, ws[0].name);
      refused(
        await call(n, "POST", "/v2/GetWorkerInfo?node=self", { id: "one" }),
        400,
        "InvalidRequest",
        "id",
      );
    });
    await op("GetWorkerVariable", async () => {
      const v = oneNode<Record<string, string>>(
        await call(n, "POST", "/v2/GetWorkerVariable?node=self", {}),
        self,
        "vars",
      );
      assertEquals(v["resync-worker-count"], "8");
      refused(
        await call(n, "POST", "/v2/GetWorkerVariable?node=self", { variable: "nope" }),
        400,
        "InvalidRequest",
        "unknown",
      );
    });
    await op("SetWorkerVariable", async () => {
      const v = oneNode<{ value: string }>(
        await call(n, "POST", "/v2/SetWorkerVariable?node=*", {
          variable: "scrub-tranquility",
          value: "5",
        }),
        self,
        "set",
      );
      assertEquals(v.value, "5");
      refused(
        await call(n, "POST", "/v2/SetWorkerVariable?node=self", {
          variable: "lifecycle-hour",
          value: "24",
        }),
        400,
        "InvalidRequest",
        "range",
      );
    });
    await op("LaunchRepairOperation", async () => {
      oneNode(
        await call(n, "POST", "/v2/LaunchRepairOperation?node=self", { repairType: "tables" }),
        self,
        "repair",
      );
      refused(
        await call(n, "POST", "/v2/LaunchRepairOperation?node=self", { repairType: "everything" }),
        400,
        "InvalidRequest",
        "type",
      );
    });
    await op("CreateMetadataSnapshot", async () => {
      const s = oneNode<{ path: string }>(
        await call(n, "POST", "/v2/CreateMetadataSnapshot?node=self"),
        self,
        "snapshot",
      );
      assert(s.path.includes("/snapshots/"));
      refused(
        await call(n, "POST", "/v2/CreateMetadataSnapshot"),
        400,
        "InvalidRequest",
        "no node",
      );
    });

    // Admin tokens.
    let tokenId = "";
    await op("CreateAdminToken", async () => {
      const tok = ok<CreateAdminTokenResponse>(
        await call(n, "POST", "/v2/CreateAdminToken", { name: "ops", scope: ["ListBuckets"] }),
        "token",
      );
      tokenId = tok.id!;
      assertEquals(
        (await call(n, "GET", "/v2/ListBuckets", undefined, tok.secretToken)).status,
        200,
      );
      refused(
        await call(n, "POST", "/v2/CreateAdminToken", { scope: ["Everything"] }),
        400,
        "InvalidRequest",
        "scope",
      );
    });
    await op("ListAdminTokens", async () => {
      assertEquals(ok<unknown[]>(await call(n, "GET", "/v2/ListAdminTokens"), "tokens").length, 2);
      refused(await call(n, "POST", "/v2/ListAdminTokens", {}), 405, "MethodNotAllowed", "POST");
    });
    await op("GetAdminTokenInfo", async () => {
      ok(await call(n, "GET", `/v2/GetAdminTokenInfo?id=${tokenId}`), "token info");
      refused(
        await call(n, "GET", `/v2/GetAdminTokenInfo?id=${tokenId}&search=ops`),
        400,
        "InvalidRequest",
        "both",
      );
    });
    await op("UpdateAdminToken", async () => {
      ok(
        await call(n, "POST", `/v2/UpdateAdminToken?id=${tokenId}`, { name: "ops2" }),
        "update token",
      );
      refused(
        await call(n, "POST", `/v2/UpdateAdminToken?id=${tokenId}`, { expiration: "soon" }),
        400,
        "InvalidRequest",
        "date",
      );
    });
    await op("DeleteAdminToken", async () => {
      ok(await call(n, "POST", `/v2/DeleteAdminToken?id=${tokenId}`), "delete token");
      refused(
        await call(n, "POST", `/v2/DeleteAdminToken?id=${tokenId}`),
        404,
        "NoSuchAdminToken",
        "again",
      );
    });

    // The layout: a fourth node staged, then gone before it synced; skipped.
    const d = await startClusterNode({ dir: undefined, replicationFactor: 3, extraToml: extra });
    all.push(d);
    await call(n, "POST", "/v2/ConnectClusterNodes", [d.peerAddress]);
    await op("GetClusterLayout", async () => {
      const l = ok<{ version: number }>(await call(n, "GET", "/v2/GetClusterLayout"), "layout");
      assertEquals(l.version, 1);
      refused(
        await call(n, "GET", "/v2/GetClusterLayout?version=1"),
        400,
        "InvalidRequest",
        "query",
      );
    });
    await op("UpdateClusterLayout", async () => {
      ok(
        await call(n, "POST", "/v2/UpdateClusterLayout", {
          roles: [{ id: d.id, zone: "d", capacity: 1e9, tags: [] }],
        }),
        "stage",
      );
      refused(
        await call(n, "POST", "/v2/UpdateClusterLayout", {
          roles: [{ id: d.id, zone: "d", capacity: -5, tags: [] }],
        }),
        400,
        "InvalidRequest",
        "capacity",
      );
    });
    await op("PreviewClusterLayoutChanges", async () => {
      ok(await call(n, "POST", "/v2/PreviewClusterLayoutChanges"), "preview");
      refused(
        await call(n, "GET", "/v2/PreviewClusterLayoutChanges"),
        405,
        "MethodNotAllowed",
        "GET",
      );
    });
    await op("RevertClusterLayout", async () => {
      ok(await call(n, "POST", "/v2/RevertClusterLayout"), "revert");
      refused(await call(n, "GET", "/v2/RevertClusterLayout"), 405, "MethodNotAllowed", "GET");
    });
    await op("ApplyClusterLayout", async () => {
      ok(
        await call(n, "POST", "/v2/UpdateClusterLayout", {
          roles: [{ id: d.id, zone: "d", capacity: 1e9, tags: [] }],
        }),
        "stage again",
      );
      refused(
        await call(n, "POST", "/v2/ApplyClusterLayout", { version: 5 }),
        400,
        "InvalidRequest",
        "version",
      );
      await d.kill();
      await d.stop();
      ok(await call(n, "POST", "/v2/ApplyClusterLayout", { version: 2 }), "apply");
    });
    await op("GetClusterLayoutHistory", async () => {
      const h = await eventually(
        "v1 and v2 live, the others synced",
        async () =>
          ok<{ versions: unknown[]; syncTrackers: Record<string, number> }>(
            await call(n, "GET", "/v2/GetClusterLayoutHistory"),
            "history",
          ),
        (h) => nodes.every((x) => h.syncTrackers[x.id] === 2),
      );
      assertEquals(h.versions.length, 2, "the dead node holds v1 live");
      refused(
        await call(n, "POST", "/v2/GetClusterLayoutHistory", {}),
        405,
        "MethodNotAllowed",
        "POST",
      );
    });
    await op("ClusterLayoutSkipDeadNodes", async () => {
      refused(
        await call(n, "POST", "/v2/ClusterLayoutSkipDeadNodes", {
          version: 1,
          allowMissingData: false,
        }),
        400,
        "InvalidRequest",
        "the oldest version",
      );
      const r = ok<{ ackUpdated: string[]; syncUpdated: string[] }>(
        await call(n, "POST", "/v2/ClusterLayoutSkipDeadNodes", {
          version: 2,
          allowMissingData: false,
        }),
        "skip",
      );
      assertEquals([r.ackUpdated, r.syncUpdated], [[d.id], [d.id]]);
      const h = ok<{ versions: unknown[] }>(
        await call(n, "GET", "/v2/GetClusterLayoutHistory"),
        "history",
      );
      assertEquals(h.versions.length, 1);
    });

    // Deletions last.
    await op("DeleteBucket", async () => {
      // The purge above took big.bin's only version: the bucket holds this object alone.
      await s3.send(new PutObjectCommand({ Bucket: "photos", Key: "keep.txt", Body: "k" }));
      refused(
        await call(n, "POST", `/v2/DeleteBucket?id=${bucketId}`),
        409,
        "BucketNotEmpty",
        "not empty",
      );
      const empty = ok<GetBucketInfoResponse>(
        await call(n, "POST", "/v2/CreateBucket", { globalAlias: "empty" }),
        "bucket",
      );
      ok(await call(n, "POST", `/v2/DeleteBucket?id=${empty.id}`), "delete bucket");
    });
    await op("DeleteKey", async () => {
      ok(await call(n, "POST", "/v2/DeleteKey?id=GK0123456789abcdef01234567"), "delete key");
      refused(
        await call(n, "POST", "/v2/DeleteKey?id=GK0123456789abcdef01234567"),
        404,
        "NoSuchAccessKey",
        "again",
      );
    });

    assertEquals(GARAGE_V2.filter((o) => !done.has(o)), [], "operations not exercised");
  } finally {
    for (const c of clients) c.destroy();
    await stopAll(all);
  }
});
