/**
 * Cluster layout: which node holds which of the 256 partitions.
 * Pure data and functions; persistence and propagation live in system.ts.
 */
import { PartitionNetwork } from "./layout_network.ts";

export const PARTITIONS = 256;

export interface NodeRole {
  zone: string;
  /** Bytes this node offers; null makes it a gateway that stores nothing. */
  capacity: number | null;
  tags: string[];
}

export type ZoneRedundancy = "maximum" | number;

export interface LayoutVersion {
  version: number;
  replicationFactor: number;
  zoneRedundancy: ZoneRedundancy;
  roles: Record<string, NodeRole>;
  /** partitions[p] lists the ids of the nodes storing partition p. */
  partitions: string[][];
  /** Bytes of data each partition can hold given the assignment (Garage's "partition size"). */
  partitionSize: number;
}

export interface StagedChanges {
  /** null stages the removal of the node's role. */
  roles: Record<string, NodeRole | null>;
  zoneRedundancy?: ZoneRedundancy;
  /** When the changes were last staged (ms), so the latest wins as nodes gossip them. */
  at?: number;
}

export interface ClusterLayout {
  /** The newest applied version: where data is going. */
  current: LayoutVersion;
  /**
   * Older versions still live, oldest first: writes reach their nodes too, and reads use them,
   * until every storage node of a newer version has synced it (see history.ts).
   */
  history?: LayoutVersion[];
  /** Per node, the newest version whose data it has finished pulling in. */
  sync?: Record<string, number>;
  staged: StagedChanges;
}

export function emptyLayout(replicationFactor: number): ClusterLayout {
  return {
    current: {
      version: 0,
      replicationFactor,
      zoneRedundancy: "maximum",
      roles: {},
      partitions: [],
      partitionSize: 0,
    },
    staged: { roles: {} },
  };
}

/** A layout change that cannot be applied; the message says why in words. */
export class LayoutError extends Error {}

export function stagedRoles(layout: ClusterLayout): Record<string, NodeRole> {
  const roles = { ...layout.current.roles };
  for (const [id, role] of Object.entries(layout.staged.roles)) {
    if (role === null) delete roles[id];
    else roles[id] = role;
  }
  return roles;
}

/**
 * Assigns every partition to `rf` distinct storage nodes spread over at least the required
 * number of zones, with the largest partition size the capacities allow (Garage's optimal
 * layout); among such assignments, moves the fewest copies away from `previous`, then fills
 * nodes in proportion to their capacity. Throws a LayoutError saying why when none exists.
 */
export function assignPartitions(
  roles: Record<string, NodeRole>,
  rf: number,
  zoneRedundancy: ZoneRedundancy,
  previous?: string[][],
): { partitions: string[][]; partitionSize: number } {
  const storage = Object.keys(roles).filter((id) => roles[id].capacity !== null).sort();
  const bytes = (id: string) => Math.floor(roles[id].capacity!); // the network counts whole bytes
  const usable = storage.filter((id) => bytes(id) > 0);
  const zones = [...new Set(usable.map((id) => roles[id].zone))];
  const zr = checkFeasible(storage.length, usable.length, zones, rf, zoneRedundancy);
  const index = new Map(usable.map((id, n) => [id, n]));
  const network = new PartitionNetwork(
    PARTITIONS,
    usable.map((id) => ({ zone: zones.indexOf(roles[id].zone), capacity: bytes(id) })),
    zones.length,
    rf,
    zr,
    (previous ?? []).map((ids) => ids.flatMap((id) => index.has(id) ? [index.get(id)!] : [])),
  );
  const assignment = network.optimalAssignment();
  const partitions = assignment.partitions.map((nodes, p) => {
    const ids = nodes.map((n) => usable[n]);
    // Copies that stay keep their rank, so a partition's first replica changes only if it moved.
    const kept = (previous?.[p] ?? []).filter((id) => ids.includes(id));
    return [...kept, ...ids.filter((id) => !kept.includes(id))];
  });
  return { partitions, partitionSize: assignment.partitionSize };
}

/** Refuses what no assignment can satisfy, in words; returns the effective zone redundancy. */
function checkFeasible(
  storageNodes: number,
  withCapacity: number,
  zones: string[],
  rf: number,
  zoneRedundancy: ZoneRedundancy,
): number {
  if (storageNodes > 0 && withCapacity === 0) {
    throw new LayoutError(
      `the storage nodes' total capacity is zero: give at least ${rf} node(s) a capacity in bytes`,
    );
  }
  if (withCapacity < rf) {
    const zero = storageNodes - withCapacity;
    throw new LayoutError(
      `the layout needs at least ${rf} storage node(s) for replication factor ${rf}, and has ${withCapacity}${
        zero ? ` with a capacity (${zero} more have a capacity of zero)` : ""
      }; nodes without a capacity are gateways and store nothing`,
    );
  }
  const zr = zoneRedundancy === "maximum" ? Math.min(rf, zones.length) : zoneRedundancy;
  if (!Number.isInteger(zr) || zr < 1) {
    throw new LayoutError(
      `zone redundancy must be "maximum" or a whole number of zones, at least 1; it is ${zr}`,
    );
  }
  if (zr > rf) {
    throw new LayoutError(
      `zone redundancy ${zr} cannot exceed the replication factor ${rf}: a partition has only ${rf} cop${
        rf === 1 ? "y" : "ies"
      } to spread over zones`,
    );
  }
  if (zr > zones.length) {
    throw new LayoutError(
      `zone redundancy ${zr} needs storage nodes in ${zr} zones, and there ${
        zones.length === 1 ? "is 1" : `are ${zones.length}`
      } (${[...zones].sort().join(", ")})`,
    );
  }
  return zr;
}

/** Applies the staged changes as version N+1; refuses a layout that cannot hold the data. */
export function applyStaged(layout: ClusterLayout, version: number): ClusterLayout {
  const expected = layout.current.version + 1;
  if (version !== expected) {
    throw new LayoutError(
      `version ${version} is not the next layout version: the current version is ${layout.current.version}, so apply version ${expected}`,
    );
  }
  const roles = stagedRoles(layout);
  const zoneRedundancy = layout.staged.zoneRedundancy ?? layout.current.zoneRedundancy;
  const rf = layout.current.replicationFactor;
  const { partitions, partitionSize } = assignPartitions(
    roles,
    rf,
    zoneRedundancy,
    layout.current.partitions,
  );
  const kept = layout.current.version > 0 ? [layout.current] : [];
  return {
    current: { version, replicationFactor: rf, zoneRedundancy, roles, partitions, partitionSize },
    history: [...(layout.history ?? []), ...kept],
    sync: layout.sync ?? {},
    staged: { roles: {} },
  };
}

/** What a new assignment changes for one node. */
export interface NodeChange {
  /** Partition copies held before and after. */
  before: number;
  after: number;
  /** Copies to receive: held after and not before. This is what a layout change transfers. */
  incoming: number;
  /** Copies to give up once the new layout is synced. */
  outgoing: number;
}

/** Per node holding a copy before or after, what going from `before` to `after` changes. */
export function partitionChanges(before: string[][], after: string[][]): Map<string, NodeChange> {
  const changes = new Map<string, NodeChange>();
  const of = (id: string) => {
    if (!changes.has(id)) changes.set(id, { before: 0, after: 0, incoming: 0, outgoing: 0 });
    return changes.get(id)!;
  };
  for (let p = 0; p < PARTITIONS; p++) {
    const old = before[p] ?? [];
    const now = after[p] ?? [];
    for (const id of old) {
      of(id).before++;
      if (!now.includes(id)) of(id).outgoing++;
    }
    for (const id of now) {
      of(id).after++;
      if (!old.includes(id)) of(id).incoming++;
    }
  }
  return changes;
}

export function nodesOfPartition(v: LayoutVersion, partition: number): string[] {
  return v.partitions[partition] ?? [];
}

/** Every node with a role, gateways included: the replicas of fully replicated tables. */
export function allNodes(v: LayoutVersion): string[] {
  return Object.keys(v.roles).sort();
}
