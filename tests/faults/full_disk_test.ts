/**
 * A disk in its reserve (min_free_space) refuses new data with 507 StorageFull, which clients do
 * not retry as they retry a 503, while deletes and aborts keep working so that space can be
 * freed; /health, /metrics, GetNodeInfo and GetClusterStatus say so. A reserve of 100% puts a
 * disk in it at once, however much space it has.
 */
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import type {
  GetClusterStatusResponse,
  GetNodeInfoResponse,
  UpdateClusterLayoutRequest,
} from "../../shared/admin.ts";
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { allUp, CLUSTER_TOML, layoutVersion, nodeIdentity, s3Client } from "../cluster.ts";
import { startNode } from "../harness.ts";
import { sha256Hex, signHeaders } from "../sigv4.ts";
import { assertS3Error, randomBytes } from "../s3/client.ts";

const FULL = `min_free_space = "100%"`;

Deno.test("a node whose disk is in its reserve refuses new data and still frees space", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "remise-test-" });
  let node = await startNode({ dir });
  const key = await node.createKey();
  let s3 = s3Client(node, key);
  await s3.send(new CreateBucketCommand({ Bucket: "full" }));
  for (const k of ["a", "b", "c", "big"]) {
    await s3.send(
      new PutObjectCommand({
        Bucket: "full",
        Key: k,
        Body: k === "big" ? randomBytes(2 * 1024 * 1024) : k,
      }),
    );
  }
  const { UploadId } = await s3.send(
    new CreateMultipartUploadCommand({ Bucket: "full", Key: "mpu" }),
  );
  s3.destroy();
  await node.stop();
  node = await startNode({ dir, extraToml: FULL });
  s3 = s3Client(node, key);
  try {
    await t.step("new objects are refused with 507 StorageFull, sent once", async () => {
      const url = `${node.s3}/full/new`;
      const res = await fetch(url, {
        method: "PUT",
        headers: signHeaders("PUT", url, key, node.region, sha256Hex("x")),
        body: "x",
      });
      assertEquals(res.status, 507);
      assertMatch(await res.text(), /<Code>StorageFull<\/Code>.*deletes still work/);
      await assertS3Error(
        () =>
          s3.send(new PutObjectCommand({ Bucket: "full", Key: "new", Body: randomBytes(5000) })),
        "StorageFull",
        507,
      );
      await assertS3Error(
        () => s3.send(new CreateMultipartUploadCommand({ Bucket: "full", Key: "new" })),
        "StorageFull",
        507,
      );
      const metrics = await (await fetch(`${node.admin}/metrics`, {
        headers: { authorization: `Bearer ${node.adminToken}` },
      })).text();
      assertMatch(metrics, /s3_error_total\{api_endpoint="PutObject",status_code="507"\} 2\b/);
    });

    await t.step("reads, deletes and aborts still work", async () => {
      const got = await s3.send(new GetObjectCommand({ Bucket: "full", Key: "a" }));
      assertEquals(await got.Body?.transformToString(), "a");
      await s3.send(new DeleteObjectCommand({ Bucket: "full", Key: "a" }));
      const r = await s3.send(
        new DeleteObjectsCommand({
          Bucket: "full",
          Delete: { Objects: [{ Key: "b" }, { Key: "big" }] },
        }),
      );
      assertEquals(r.Deleted?.length, 2);
      await s3.send(new AbortMultipartUploadCommand({ Bucket: "full", Key: "mpu", UploadId }));
    });

    await t.step("/health, GetNodeInfo, GetClusterStatus and /metrics show the state", async () => {
      const health = await fetch(`${node.admin}/health`);
      assertEquals(health.status, 503);
      assertMatch(await health.text(), /data disk has .* free, less than its reserve/);
      const info = await node.api<GetNodeInfoResponse>("GET", "/v2/GetNodeInfo?node=self");
      const self = Object.values(info.success)[0];
      assertEquals(self.diskFull, "data");
      assert(self.dataPartition!.available < self.dataPartition!.reserve!);
      const status = await node.api<GetClusterStatusResponse>("GET", "/v2/GetClusterStatus");
      assertEquals(status.nodes[0].dataPartition?.reserve, status.nodes[0].dataPartition?.total);
      const metrics = await (await fetch(`${node.admin}/metrics`, {
        headers: { authorization: `Bearer ${node.adminToken}` },
      })).text();
      assertMatch(metrics, /disk_full\{disk="data"\} 1/);
    });
  } finally {
    s3.destroy();
    await node.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a write whose replicas are in their reserve is 507, not a retried 503", async () => {
  const dirs = [await Deno.makeTempDir(), await Deno.makeTempDir()];
  const ports = dirs.map(() => {
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const p = (l.addr as Deno.NetAddr).port;
    l.close();
    return p;
  });
  const start = (i: number, extra = "") =>
    startNode({
      dir: dirs[i],
      rpcPort: ports[i],
      autoLayout: false,
      replicationFactor: 2,
      extraToml: [CLUSTER_TOML, extra].join("\n"),
    }).then(nodeIdentity);
  const nodes = [await start(0), await start(1)];
  try {
    await nodes[0].api("POST", "/v2/ConnectClusterNodes", [nodes[1].peerAddress]);
    await allUp(nodes[0], 2);
    const roles: UpdateClusterLayoutRequest["roles"] = nodes.map((n, i) => ({
      id: n.id,
      zone: `z${i}`,
      capacity: 1e9,
      tags: [],
    }));
    await nodes[0].api("POST", "/v2/UpdateClusterLayout", { roles });
    await nodes[0].api("POST", "/v2/ApplyClusterLayout", { version: 1 });
    await layoutVersion(nodes[1], 1);
    const key = await nodes[0].createKey();
    const s3 = s3Client(nodes[0], key);
    await s3.send(new CreateBucketCommand({ Bucket: "half" }));
    s3.destroy();
    await nodes[1].stop();
    nodes[1] = await start(1, FULL);
    await allUp(nodes[0], 2);
    const writer = s3Client(nodes[0], key);
    await assertS3Error(
      () =>
        writer.send(
          new PutObjectCommand({ Bucket: "half", Key: "big", Body: randomBytes(200_000) }),
        ),
      "StorageFull",
      507,
    );
    // Refused means not written, on either node, however long one waits: the node that had
    // room kept nothing of it, and nothing is left to spread once the other has room again.
    const absent = () =>
      assertS3Error(
        () => writer.send(new GetObjectCommand({ Bucket: "half", Key: "big" })),
        "NoSuchKey",
        404,
      );
    await absent();
    await nodes[1].stop();
    nodes[1] = await start(1);
    await allUp(nodes[0], 2);
    await nodes[0].api("POST", "/v2/LaunchRepairOperation?node=*", { repairType: "tables" });
    await new Promise((r) => setTimeout(r, 1500));
    await absent();
    writer.destroy();
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    for (const d of dirs) await Deno.remove(d, { recursive: true }).catch(() => {});
  }
});
