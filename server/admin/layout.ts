/** GetClusterLayout, UpdateClusterLayout, ApplyClusterLayout, RevertClusterLayout. */
import type {
  ApplyClusterLayoutResponse,
  ClusterLayoutSkipDeadNodesResponse,
  ForgetClusterNodeResponse,
  GetClusterLayoutHistoryResponse,
  GetClusterLayoutResponse,
  LayoutNodeRole,
  NodeRoleChange,
  PreviewClusterLayoutChangesResponse,
  ZoneRedundancy as ApiZoneRedundancy,
} from "../../shared/admin.ts";
import {
  applyStaged,
  type ClusterLayout,
  LayoutError,
  type LayoutVersion,
  type NodeRole,
  partitionChanges,
  PARTITIONS,
  stagedRoles,
  type ZoneRedundancy,
} from "../rpc/layout.ts";
import { liveVersions, readVersion } from "../rpc/history.ts";
import type { System } from "../rpc/system.ts";
import { formatSize } from "../util/size.ts";
import type { Call, EndpointDef } from "./context.ts";
import { AdminError, badRequest } from "./errors.ts";
import { bodyFields, checkHexId, Fields, InvalidRequest } from "./validate.ts";

/** Garage refuses capacities under 1 KiB: almost certainly a unit mistake. */
const MIN_CAPACITY = 1024;

export function toApiZr(zr: ZoneRedundancy): ApiZoneRedundancy {
  return zr === "maximum" ? "maximum" : { atLeast: zr };
}

function sameRole(a: NodeRole | undefined | null, b: NodeRole | undefined | null): boolean {
  if (!a || !b) return !a && !b;
  return a.zone === b.zone && a.capacity === b.capacity &&
    JSON.stringify(a.tags) === JSON.stringify(b.tags);
}

function partitionCounts(v: LayoutVersion): Map<string, number> {
  const counts = new Map<string, number>();
  for (const nodes of v.partitions) for (const n of nodes) counts.set(n, (counts.get(n) ?? 0) + 1);
  return counts;
}

export function formatLayout(layout: ClusterLayout): GetClusterLayoutResponse {
  const v = layout.current;
  const counts = partitionCounts(v);
  const roles: LayoutNodeRole[] = Object.entries(v.roles).sort(([a], [b]) => a < b ? -1 : 1).map(
    ([id, r]) => {
      const stored = r.capacity === null ? null : counts.get(id) ?? 0;
      return {
        id,
        zone: r.zone,
        tags: r.tags,
        capacity: r.capacity,
        storedPartitions: stored,
        usableCapacity: stored === null ? null : stored * v.partitionSize,
      };
    },
  );
  const stagedRoleChanges: NodeRoleChange[] = [];
  for (const [id, r] of Object.entries(layout.staged.roles).sort(([a], [b]) => a < b ? -1 : 1)) {
    if (sameRole(r, v.roles[id])) continue;
    if (r === null) stagedRoleChanges.push({ id, remove: true });
    else stagedRoleChanges.push({ id, zone: r.zone, capacity: r.capacity, tags: r.tags });
  }
  const szr = layout.staged.zoneRedundancy;
  return {
    version: v.version,
    roles,
    parameters: { zoneRedundancy: toApiZr(v.zoneRedundancy) },
    partitionSize: v.partitionSize,
    stagedRoleChanges,
    stagedParameters: szr !== undefined && szr !== v.zoneRedundancy
      ? { zoneRedundancy: toApiZr(szr) }
      : null,
  };
}

export interface LayoutUpdate {
  roles: Record<string, NodeRole | null>;
  zoneRedundancy?: ZoneRedundancy;
}

/** Checks an UpdateClusterLayout body against the layout it would change. */
export function parseLayoutUpdate(body: unknown, layout: ClusterLayout): LayoutUpdate {
  const f = bodyFields(body, ["roles", "parameters"]);
  const out: LayoutUpdate = { roles: {} };
  const rf = layout.current.replicationFactor;
  const list = f.has("roles") ? f.list("roles") : [];
  const known = stagedRoles(layout);
  list.forEach((item, i) => {
    const path = `roles[${i}]`;
    const isRemove = typeof item === "object" && item !== null && "remove" in item;
    const r = Fields.of(
      item,
      path,
      isRemove ? ["id", "remove"] : ["id", "zone", "capacity", "tags"],
    );
    const id = checkHexId(r.str("id").toLowerCase(), "node", r.name("id"));
    if (id in out.roles) throw new InvalidRequest(`\`${path}.id\`: node ${id} appears twice`);
    if (isRemove) {
      if (r.raw("remove") !== true) {
        throw new InvalidRequest(`\`${path}.remove\` must be true (to remove the node's role)`);
      }
      if (!known[id] && !layout.current.roles[id]) {
        throw new InvalidRequest(`\`${path}\`: node ${id} has no role to remove`);
      }
      out.roles[id] = null;
      return;
    }
    const zone = r.str("zone", { nonEmpty: true });
    if (r.raw("capacity") === undefined) {
      throw new InvalidRequest(
        `\`${path}.capacity\` is required: a number of bytes, or null to make the node a gateway`,
      );
    }
    const capacity = r.has("capacity") ? r.int("capacity", 0) : null;
    if (capacity !== null && capacity < MIN_CAPACITY) {
      throw new InvalidRequest(
        `\`${path}.capacity\` is ${capacity} bytes: it should be at least 1K (1024); capacity is in bytes`,
      );
    }
    out.roles[id] = { zone, capacity, tags: r.optStrings("tags") ?? [] };
  });
  const params = f.optObj("parameters", ["zoneRedundancy"]);
  if (params) {
    const zr = params.raw("zoneRedundancy");
    if (zr === "maximum") out.zoneRedundancy = "maximum";
    else {
      const at = Fields.of(zr, "parameters.zoneRedundancy", ["atLeast"]).int("atLeast", 1);
      if (at > rf) {
        throw new InvalidRequest(
          `The zone redundancy must be smaller or equal to the replication factor (${rf}).`,
        );
      }
      out.zoneRedundancy = at;
    }
  }
  return out;
}

/** A role for a node that never answered: most often a mistyped address. */
function neverAnswered(sys: System, id: string): AdminError {
  const addr = sys.peers.status().find((p) => p.id === id)?.addr;
  return new AdminError(
    400,
    "InvalidRequest",
    addr
      ? `Node ${
        id.slice(0, 16)
      } has never answered at ${addr}: check the address (\`node id\` on that machine prints it), connect it again, or forget it (ForgetClusterNode). A role goes only to a node that answered.`
      : `Node ${
        id.slice(0, 16)
      } is not known to this cluster: connect it first (ConnectClusterNodes with <id>@<host:port>).`,
  );
}

async function forgetNode({ deps, query }: Call): Promise<ForgetClusterNodeResponse> {
  const id = checkHexId(query.required("id", "the node's id").toLowerCase(), "node", "id");
  if (id === deps.sys.id) throw badRequest("A node cannot forget itself.");
  const forgottenBy = await deps.sys.forgetNode(id);
  if (forgottenBy.length === 0) {
    throw new AdminError(
      404,
      "NoSuchNode",
      `No node of the cluster knows node ${id.slice(0, 16)}.`,
    );
  }
  return { forgottenBy };
}

async function updateLayout({ deps, body }: Call): Promise<GetClusterLayoutResponse> {
  const { sys } = deps;
  const u = parseLayoutUpdate(body, sys.layout);
  for (const [id, role] of Object.entries(u.roles)) {
    if (role && !sys.inLayout(id) && !sys.hasAnswered(id)) throw neverAnswered(sys, id);
  }
  if (Object.keys(u.roles).length) await sys.stageRoles(u.roles);
  if (u.zoneRedundancy !== undefined) await sys.stageZoneRedundancy(u.zoneRedundancy);
  return formatLayout(sys.layout);
}

/** The plain-text account of an applied layout (Garage: "do not try to parse this"). */
export function layoutMessage(before: LayoutVersion, after: LayoutVersion): string[] {
  const roles = Object.entries(after.roles);
  const storage = roles.filter(([, r]) => r.capacity !== null);
  const zones = new Set(storage.map(([, r]) => r.zone));
  const changes = partitionChanges(before.partitions, after.partitions);
  const moved = [...changes.values()].reduce((s, c) => s + c.incoming, 0);
  const rf = after.replicationFactor;
  const total = storage.reduce((s, [, r]) => s + r.capacity!, 0);
  const usable = after.partitionSize * PARTITIONS * rf;
  const zr = after.zoneRedundancy === "maximum" ? "maximum" : String(after.zoneRedundancy);
  const lines = [
    `==== LAYOUT VERSION ${after.version} ====`,
    `Storage nodes: ${storage.length}, gateway nodes: ${
      roles.length - storage.length
    }, zones: ${zones.size}`,
    `Replication factor: ${rf}, zone redundancy: ${zr}`,
    `Partition size: ${formatSize(after.partitionSize)} (${after.partitionSize} bytes)`,
    // A low share means zones or redundancy leave capacity unused (e.g. one small zone).
    `Usable capacity: ${formatSize(usable)} of ${formatSize(total)} (${
      total ? (100 * usable / total).toFixed(1) : "0.0"
    }%), ${formatSize(usable / rf)} of data with ${rf} cop${rf === 1 ? "y" : "ies"}`,
    `Partition copies assigned to a new node: ${moved} of ${PARTITIONS * rf}`,
    "",
  ];
  const none = { before: 0, after: 0, incoming: 0, outgoing: 0 };
  for (const [id, r] of storage.sort(([a], [b]) => a < b ? -1 : 1)) {
    const c = changes.get(id) ?? none;
    lines.push(
      `  ${
        id.slice(0, 16)
      }  zone ${r.zone}: ${c.after} partitions (${c.incoming} new, ${c.outgoing} given up), usable ${
        formatSize(c.after * after.partitionSize)
      } of ${formatSize(r.capacity!)}`,
    );
  }
  // Nodes that lost their role or became gateways still hold data until the change is synced.
  for (const [id, c] of [...changes].sort(([a], [b]) => a < b ? -1 : 1)) {
    if (after.roles[id]?.capacity == null && c.outgoing > 0) {
      lines.push(`  ${id.slice(0, 16)}  leaving storage: ${c.outgoing} partitions to hand over`);
    }
  }
  return lines;
}

function previewLayout({ deps }: Call): PreviewClusterLayoutChangesResponse {
  const layout = deps.sys.layout;
  try {
    const next = applyStaged(layout, layout.current.version + 1);
    const changes = partitionChanges(layout.current.partitions, next.current.partitions);
    return {
      message: layoutMessage(layout.current, next.current),
      newLayout: formatLayout(next),
      changes: [...changes].sort(([a], [b]) => a < b ? -1 : 1).map(([id, c]) => ({ id, ...c })),
      copiesMoved: [...changes.values()].reduce((s, c) => s + c.incoming, 0),
      copiesTotal: PARTITIONS * next.current.replicationFactor,
    };
  } catch (e) {
    if (e instanceof LayoutError) return { error: e.message };
    throw e;
  }
}

async function applyLayout({ deps, body }: Call): Promise<ApplyClusterLayoutResponse> {
  const { sys } = deps;
  const f = bodyFields(body, ["version"]);
  const version = f.int("version", 1);
  const before = sys.layout.current;
  const after = await sys.applyLayout(version);
  return { message: layoutMessage(before, after.current), layout: formatLayout(after) };
}

async function revertLayout({ deps }: Call): Promise<GetClusterLayoutResponse> {
  return formatLayout(await deps.sys.revertLayout());
}

async function skipDeadNodes({ deps, body }: Call): Promise<ClusterLayoutSkipDeadNodesResponse> {
  const f = bodyFields(body, ["version", "allowMissingData"]);
  const version = f.int("version", 1);
  const allowMissingData = f.bool("allowMissingData");
  const r = await deps.sys.skipDeadNodes(version, allowMissingData);
  // Remise keeps one tracker per node: the dead nodes are "acknowledged" by no longer being
  // waited for, and every node whose tracker moved is listed as synced.
  return { ackUpdated: r.skipped, syncUpdated: r.synced };
}

export function layoutOf(sys: System): GetClusterLayoutResponse {
  return formatLayout(sys.layout);
}

function layoutHistory(sys: System): GetClusterLayoutHistoryResponse {
  const l = sys.layout;
  const read = readVersion(l).version;
  return {
    currentVersion: l.current.version,
    readVersion: read,
    versions: liveVersions(l).filter((v) => v.version > 0).reverse().map((v) => {
      const roles = Object.values(v.roles);
      return {
        version: v.version,
        status: v === l.current ? "current" : "draining",
        storageNodes: roles.filter((r) => r.capacity !== null).length,
        gatewayNodes: roles.filter((r) => r.capacity === null).length,
      };
    }),
    syncTrackers: { ...l.sync },
  };
}

export const layoutEndpoints: Record<string, EndpointDef> = {
  GetClusterLayout: { query: [], run: ({ deps }) => layoutOf(deps.sys) },
  GetClusterLayoutHistory: { query: [], run: ({ deps }) => layoutHistory(deps.sys) },
  UpdateClusterLayout: { query: [], run: updateLayout },
  PreviewClusterLayoutChanges: { query: [], run: previewLayout },
  ApplyClusterLayout: { query: [], run: applyLayout },
  RevertClusterLayout: { query: [], run: revertLayout },
  ClusterLayoutSkipDeadNodes: { query: [], run: skipDeadNodes },
  ForgetClusterNode: { query: ["id"], run: forgetNode },
};
