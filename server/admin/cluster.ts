/** GetClusterStatus, GetClusterHealth, ConnectClusterNodes, node info and /health. */
import type {
  ConnectClusterNodesResponse,
  GetClusterHealthResponse,
  GetClusterStatusResponse,
  LocalGetNodeInfoResponse,
  NodeResp,
} from "../../shared/admin.ts";
import { PARTITIONS } from "../rpc/layout.ts";
import { parsePeer } from "../net/peers.ts";
import type { NodeInfo, System } from "../rpc/system.ts";
import { type AdminDeps, type Call, type EndpointDef, REMISE_VERSION } from "./context.ts";
import { badRequest } from "./errors.ts";
import { formatSize } from "../util/size.ts";

export function clusterHealth(sys: System): GetClusterHealthResponse {
  const v = sys.layout.current;
  const roles = Object.entries(v.roles);
  const storage = roles.filter(([, r]) => r.capacity !== null).map(([id]) => id);
  const known = new Set([sys.id, ...roles.map(([id]) => id)]);
  let quorum = 0;
  let allOk = 0;
  for (let p = 0; p < PARTITIONS; p++) {
    const nodes = sys.nodesForPartition(p);
    if (nodes.length === 0) continue;
    const up = nodes.filter((n) => sys.rpc.isUp(n)).length;
    if (up >= sys.writeQuorum) quorum++;
    if (up === nodes.length) allOk++;
  }
  const storageOk = storage.filter((n) => sys.rpc.isUp(n)).length;
  const status = quorum < PARTITIONS
    ? "unavailable"
    : storageOk < storage.length
    ? "degraded"
    : "healthy";
  return {
    status,
    knownNodes: known.size,
    connectedNodes: [...known].filter((n) => sys.rpc.isUp(n)).length,
    storageNodes: storage.length,
    storageNodesOk: storageOk,
    partitions: PARTITIONS,
    partitionsQuorum: quorum,
    partitionsAllOk: allOk,
  };
}

/** GET /health: plain text, 200 while this node has a role and every partition has quorum. */
export function healthResponse(sys: System): Response {
  const h = clusterHealth(sys);
  let status = 200;
  let text: string;
  const full = sys.diskFull();
  if (full) {
    const d = sys.diskUsage()[full]!;
    status = 503;
    text = `This node's ${full} disk has ${
      formatSize(d.available)
    } free, less than its reserve of ${
      formatSize(d.reserve)
    } (min_free_space): it refuses new data. Delete objects or grow the disk; deletes still work`;
  } else if (!sys.role) {
    status = 503;
    text = sys.layout.current.version === 0
      ? "This node has no role: the cluster layout is empty. Assign roles with `layout assign` and `layout apply`."
      : "This node has no role in the current cluster layout.";
  } else if (h.status === "unavailable") {
    status = 503;
    text = "Quorum is not available for some/all partitions, reads and writes will fail";
  } else if (h.status === "degraded") {
    text = "Remise is operational but some storage nodes are unavailable";
  } else {
    text = "Remise is fully operational";
  }
  return new Response(
    `${text}\nConsult the full health check API endpoint at /v2/GetClusterHealth for more details\n`,
    { status, headers: { "content-type": "text/plain; charset=utf-8" } },
  );
}

export function clusterStatus(sys: System): GetClusterStatusResponse {
  const v = sys.layout.current;
  const peers = new Map(sys.peers.status().map((p) => [p.id, p]));
  const ids = new Set([
    sys.id,
    ...Object.keys(v.roles),
    ...Object.keys(sys.layout.staged.roles),
    ...peers.keys(),
  ]);
  const now = Date.now();
  const nodes: NodeResp[] = [...ids].sort().map((id) => {
    const r = v.roles[id];
    const self = id === sys.id;
    const peer = peers.get(id);
    // What a peer last said of itself in answer to a ping.
    const info = self ? sys.info() : peer?.info as NodeInfo | null | undefined;
    const n: NodeResp = {
      id,
      garageVersion: info ? `remise v${info.version}` : null,
      addr: self ? sys.peers.addr : peer?.addr || null,
      hostname: info?.hostname ?? null,
      isUp: sys.rpc.isUp(id),
      lastSeenSecsAgo: self ? 0 : peer?.lastSeen ? Math.floor((now - peer.lastSeen) / 1000) : null,
      role: r ? { zone: r.zone, tags: r.tags, capacity: r.capacity } : null,
      draining: false,
    };
    if (info?.data) n.dataPartition = info.data;
    if (info?.metadata) n.metadataPartition = info.metadata;
    return n;
  });
  return { layoutVersion: v.version, nodes };
}

/** Dials each `<id>@<host:port>` now; every entry gets its own result, in order. */
async function connectNodes({ deps, body }: Call): Promise<ConnectClusterNodesResponse> {
  if (!Array.isArray(body) || !body.every((s) => typeof s === "string")) {
    throw badRequest(
      'The body must be a JSON array of "<node id>@<host:port>" strings, as `node id` prints them',
    );
  }
  return await Promise.all((body as string[]).map(async (s) => {
    try {
      await deps.sys.peers.connect(parsePeer(s));
      return { success: true, error: null };
    } catch (e) {
      return { success: false, error: (e as Error).message };
    }
  }));
}

export function localNodeInfo({ sys, s3Url }: AdminDeps): LocalGetNodeInfoResponse {
  const { data, metadata } = sys.diskUsage();
  return {
    nodeId: sys.id,
    garageVersion: `remise v${REMISE_VERSION}`,
    garageFeatures: ["k2v:no", "metrics", "consistency_mode", "auto_layout"],
    rustVersion: `deno ${Deno.version.deno} (v8 ${Deno.version.v8})`,
    dbEngine: "Deno KV (SQLite)",
    dataPartition: data ?? undefined,
    metadataPartition: metadata ?? undefined,
    diskFull: sys.diskFull() ?? null,
    s3Api: s3Url ? { url: s3Url, region: sys.config.s3Api.s3Region } : null,
  };
}

export const clusterEndpoints: Record<string, EndpointDef> = {
  GetClusterStatus: { query: [], run: ({ deps }) => clusterStatus(deps.sys) },
  GetClusterHealth: { query: [], run: ({ deps }) => clusterHealth(deps.sys) },
  ConnectClusterNodes: { query: [], run: connectNodes },
};
