/** Who may join a cluster, and how nodes find each other again. */
import type { ConnectClusterNodesResponse, GetClusterStatusResponse } from "../../shared/admin.ts";
import { assert, assertEquals } from "../assert.ts";
import { allUp, CLUSTER_TOML, nodeIdentity, startCluster, stopAll } from "../cluster.ts";
import { startNode } from "../harness.ts";

Deno.test("a node with another rpc_secret is refused and learns nothing", async () => {
  const nodes = await startCluster({ zones: ["a", "b"], replicationFactor: 2 });
  const outsider = await nodeIdentity(
    await startNode({ autoLayout: false, rpcSecret: "ab".repeat(32), extraToml: CLUSTER_TOML }),
  );
  try {
    const [result] = await outsider.api<ConnectClusterNodesResponse>(
      "POST",
      "/v2/ConnectClusterNodes",
      [nodes[0].peerAddress],
    );
    assertEquals(result.success, false);
    assert(result.error && /certificate|TLS|handshake|reach/i.test(result.error), result.error!);
    // The cluster does not list it; it knows no layout and no peer up.
    const seen = await nodes[0].api<GetClusterStatusResponse>("GET", "/v2/GetClusterStatus");
    assert(!seen.nodes.some((n) => n.id === outsider.id));
    const its = await outsider.api<GetClusterStatusResponse>("GET", "/v2/GetClusterStatus");
    assertEquals(its.layoutVersion, 0);
    assertEquals(its.nodes.filter((n) => n.isUp).map((n) => n.id), [outsider.id]);
    // The other way round: the cluster cannot pull it in either.
    const [back] = await nodes[0].api<ConnectClusterNodesResponse>(
      "POST",
      "/v2/ConnectClusterNodes",
      [outsider.peerAddress],
    );
    assertEquals(back.success, false);
  } finally {
    await outsider.stop();
    await stopAll(nodes);
  }
});

Deno.test("a restarted node finds its cluster again on its own, on a new port", async () => {
  const nodes = await startCluster({ zones: ["a", "b", "c"], replicationFactor: 3 });
  const dir = nodes[1].dir;
  try {
    await nodes[1].kill();
    const again = await nodeIdentity(
      await startNode({
        dir: nodes[1].dir,
        autoLayout: false,
        replicationFactor: 3,
        extraToml: CLUSTER_TOML,
      }),
    );
    nodes[1] = again;
    await allUp(again, 3);
    await allUp(nodes[0], 3);
    const s = await again.api<GetClusterStatusResponse>("GET", "/v2/GetClusterStatus");
    assertEquals(s.layoutVersion, 1);
  } finally {
    await stopAll(nodes);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
