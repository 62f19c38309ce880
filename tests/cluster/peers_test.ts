/** Who may join a cluster, and how nodes find each other again. */
import type { ConnectClusterNodesResponse, GetClusterStatusResponse } from "../../shared/admin.ts";
import { assert, assertEquals } from "../assert.ts";
import { generateKeyPairSync } from "node:crypto";
import { clusterCa, nodeCertificate, pem } from "../../server/net/cert.ts";
import {
  allUp,
  CLUSTER_TOML,
  type ClusterNode,
  nodeIdentity,
  startCluster,
  startClusterNode,
  stopAll,
} from "../cluster.ts";
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
    const again = await startClusterNode({ dir: nodes[1].dir, replicationFactor: 3 });
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

/** An operator's own CA and a certificate for one node, written where its config names them. */
async function ownCertificates(dir: string, ca: ReturnType<typeof clusterCa>): Promise<string> {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const spki = publicKey.export({ format: "der", type: "spki" });
  const id = Array.from(spki.subarray(spki.length - 32), (b) => b.toString(16).padStart(2, "0"))
    .join("");
  const keyPem = privateKey.export({ format: "pem", type: "pkcs8" }) as string;
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(`${dir}/ca.pem`, pem("CERTIFICATE", ca.der));
  await Deno.writeTextFile(`${dir}/node.pem`, pem("CERTIFICATE", nodeCertificate(ca, keyPem, id)));
  await Deno.writeTextFile(`${dir}/node.key`, keyPem);
  return [
    `rpc_tls_ca_file = "${dir}/ca.pem"`,
    `rpc_tls_cert_file = "${dir}/node.pem"`,
    `rpc_tls_key_file = "${dir}/node.key"`,
  ].join("\n");
}

Deno.test("operators may bring their own CA: its nodes join each other, and only them", async () => {
  const certs = await Deno.makeTempDir({ prefix: "remise-own-ca-" });
  const operatorCa = clusterCa("ef".repeat(32));
  const nodes: ClusterNode[] = [];
  try {
    for (const name of ["a", "b"]) {
      const tls = await ownCertificates(`${certs}/${name}`, operatorCa);
      nodes.push(
        await nodeIdentity(
          await startNode({ autoLayout: false, extraToml: `${CLUSTER_TOML}\n${tls}` }),
        ),
      );
    }
    const [joined] = await nodes[0].api<ConnectClusterNodesResponse>(
      "POST",
      "/v2/ConnectClusterNodes",
      [nodes[1].peerAddress],
    );
    assertEquals(joined, { success: true, error: null });
    await allUp(nodes[1], 2);
    // A node with certificates made from rpc_secret alone is not signed by that CA.
    const plain = await nodeIdentity(
      await startNode({ autoLayout: false, extraToml: CLUSTER_TOML }),
    );
    nodes.push(plain);
    const [refused] = await plain.api<ConnectClusterNodesResponse>(
      "POST",
      "/v2/ConnectClusterNodes",
      [nodes[0].peerAddress],
    );
    assertEquals(refused.success, false);
  } finally {
    await stopAll(nodes);
    await Deno.remove(certs, { recursive: true });
  }
});
