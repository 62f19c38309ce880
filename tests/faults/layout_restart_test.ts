/**
 * A layout change ends within a bound once the cluster is whole again, even when the node it
 * gives a role is killed a second after it is applied and started again: the first sync after a
 * start runs before the peers are connected, and must not count as done.
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import type { GetClusterLayoutHistoryResponse } from "../../shared/admin.ts";
import { assert, assertEquals } from "../assert.ts";
import {
  allUp,
  CLUSTER_TOML,
  type ClusterNode,
  content,
  eventually,
  nodeIdentity,
  s3Client,
  startCluster,
  stopAll,
} from "../cluster.ts";
import { startNode } from "../harness.ts";
import { bodyBytes } from "../s3/client.ts";

/** How long a layout change may take to end once every node is back. */
const BOUND_MS = 60_000;

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

Deno.test("a node killed right after a layout gives it a role finishes the change within a minute", async () => {
  const nodes = await startCluster({ zones: ["a", "b", "c"], replicationFactor: 3 });
  const dir = await Deno.makeTempDir({ prefix: "remise-test-" });
  const rpcPort = freePort();
  const joiner = (): Promise<ClusterNode> =>
    startNode({ dir, rpcPort, autoLayout: false, replicationFactor: 3, extraToml: CLUSTER_TOML })
      .then(nodeIdentity);
  let fourth = await joiner();
  const all = () => [...nodes, fourth];
  try {
    const key = await nodes[0].createKey("writer");
    const s3 = s3Client(nodes[0], key);
    await s3.send(new CreateBucketCommand({ Bucket: "joined" }));
    for (let i = 0; i < 20; i++) {
      await s3.send(
        new PutObjectCommand({ Bucket: "joined", Key: `o${i}`, Body: content(`o${i}`, 5000) }),
      );
    }
    await nodes[0].api("POST", "/v2/ConnectClusterNodes", [fourth.peerAddress]);
    await allUp(nodes[0], 4);
    await nodes[0].api("POST", "/v2/UpdateClusterLayout", {
      roles: [{ id: fourth.id, zone: "d", capacity: 1e9, tags: [] }],
    });
    await nodes[0].api("POST", "/v2/ApplyClusterLayout", { version: 2 });
    await new Promise((r) => setTimeout(r, 1000));
    await fourth.kill();
    fourth = await joiner();
    const restarted = Date.now();
    for (const n of all()) {
      await eventually(
        "the layout change ended",
        () => n.api<GetClusterLayoutHistoryResponse>("GET", "/v2/GetClusterLayoutHistory"),
        (h) => h.currentVersion === 2 && h.versions.length === 1,
        Math.max(1, BOUND_MS - (Date.now() - restarted)),
      );
    }
    const took = Date.now() - restarted;
    assert(took < BOUND_MS, `took ${took} ms`);
    console.log(`layout change ended ${took} ms after the restart`);
    const reader = s3Client(fourth, key);
    for (let i = 0; i < 20; i++) {
      const got = await reader.send(new GetObjectCommand({ Bucket: "joined", Key: `o${i}` }));
      assertEquals(await bodyBytes(got.Body), content(`o${i}`, 5000));
    }
    reader.destroy();
    s3.destroy();
  } finally {
    await stopAll(all());
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
