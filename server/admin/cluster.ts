/** GetClusterStatus, GetClusterHealth, GetNodeInfo and the /health check. */
import { hostname } from "node:os";
import type {
  GetClusterHealthResponse,
  GetClusterStatusResponse,
  GetNodeInfoResponse,
  LocalGetNodeInfoResponse,
  NodeResp,
} from "../../shared/admin.ts";
import { PARTITIONS, stagedRoles } from "../rpc/layout.ts";
import type { System } from "../rpc/system.ts";
import { type Call, type EndpointDef, REMISE_VERSION } from "./context.ts";
import { badRequest } from "./errors.ts";

const NODE_INFO_RPC = "admin/node_info";

/** What the peer transport may report about connections (not part of rpc.ts's interface yet). */
interface PeerStatus {
  isUp?(node: string): boolean;
}

/**
 * Whether a node currently answers: this node always; a peer if the transport says so. Until
 * the transport reports peer status (an `isUp(node)` method), only this node counts as up.
 */
export function isUp(sys: System, id: string): boolean {
  if (id === sys.id) return true;
  return (sys.rpc.transport as PeerStatus | undefined)?.isUp?.(id) ?? false;
}

function localHostname(): string | null {
  try {
    return hostname();
  } catch {
    return null;
  }
}

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
    const up = nodes.filter((n) => isUp(sys, n)).length;
    if (up >= sys.writeQuorum) quorum++;
    if (up === nodes.length) allOk++;
  }
  const storageOk = storage.filter((n) => isUp(sys, n)).length;
  const status = quorum < PARTITIONS
    ? "unavailable"
    : storageOk < storage.length
    ? "degraded"
    : "healthy";
  return {
    status,
    knownNodes: known.size,
    connectedNodes: [...known].filter((n) => isUp(sys, n)).length,
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
  if (!sys.role) {
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
  const ids = new Set([sys.id, ...Object.keys(v.roles), ...Object.keys(sys.layout.staged.roles)]);
  const disk = sys.diskUsage();
  const nodes: NodeResp[] = [...ids].sort().map((id) => {
    const r = v.roles[id];
    const self = id === sys.id;
    const n: NodeResp = {
      id,
      garageVersion: self ? `remise v${REMISE_VERSION}` : null,
      addr: self ? sys.config.rpcPublicAddr ?? sys.config.rpcBindAddr : null,
      hostname: self ? localHostname() : null,
      isUp: isUp(sys, id),
      lastSeenSecsAgo: null,
      role: r ? { zone: r.zone, tags: r.tags, capacity: r.capacity } : null,
      draining: false,
    };
    if (self && disk.data) n.dataPartition = disk.data;
    if (self && disk.metadata) n.metadataPartition = disk.metadata;
    return n;
  });
  return { layoutVersion: v.version, nodes };
}

export function localNodeInfo(sys: System): LocalGetNodeInfoResponse {
  return {
    nodeId: sys.id,
    garageVersion: `remise v${REMISE_VERSION}`,
    garageFeatures: ["k2v:no", "metrics", "consistency_mode", "auto_layout"],
    rustVersion: `deno ${Deno.version.deno} (v8 ${Deno.version.v8})`,
    dbEngine: "Deno KV (SQLite)",
  };
}

/** Lets other nodes answer GetNodeInfo for themselves. */
export function registerNodeRpc(sys: System): void {
  sys.rpc.register(NODE_INFO_RPC, () => Promise.resolve(localNodeInfo(sys)));
}

/** Resolves `self`, `*` or a node id prefix to node ids, as Garage's `?node=` does. */
export function matchNodes(sys: System, spec: string): string[] {
  const all = [...new Set([sys.id, ...Object.keys(stagedRoles(sys.layout)), ...sys.allNodes()])]
    .sort();
  if (spec === "self") return [sys.id];
  if (spec === "*") return all;
  const found = all.filter((id) => id.startsWith(spec.toLowerCase()));
  if (found.length === 0) {
    throw badRequest(`No node matches "${spec}"; GetClusterStatus lists the node ids`);
  }
  if (found.length > 1) {
    throw badRequest(
      `Several nodes match "${spec}" (${
        found.map((f) => f.slice(0, 16)).join(", ")
      }): give more digits`,
    );
  }
  return found;
}

async function getNodeInfo({ deps, query }: Call): Promise<GetNodeInfoResponse> {
  const { sys } = deps;
  const spec = query.required("node", "self, * or a node id");
  const out: GetNodeInfoResponse = { success: {}, error: {} };
  await Promise.all(
    matchNodes(sys, spec).map(async (id) => {
      try {
        out.success[id] = await sys.rpc.call<LocalGetNodeInfoResponse>(id, NODE_INFO_RPC, null, {
          timeoutMs: 10_000,
        });
      } catch (e) {
        out.error[id] = (e as Error).message;
      }
    }),
  );
  return out;
}

export const clusterEndpoints: Record<string, EndpointDef> = {
  GetClusterStatus: { query: [], run: ({ deps }) => clusterStatus(deps.sys) },
  GetClusterHealth: { query: [], run: ({ deps }) => clusterHealth(deps.sys) },
  GetNodeInfo: { query: ["node"], run: getNodeInfo },
};
