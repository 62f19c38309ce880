/**
 * Cluster layout: which node holds which of the 256 partitions.
 * Pure data and functions; persistence and propagation live in system.ts.
 */
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
}

export interface ClusterLayout {
  current: LayoutVersion;
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

function effectiveZoneRedundancy(zr: ZoneRedundancy, rf: number, zones: number): number {
  return zr === "maximum" ? Math.min(rf, zones) : zr;
}

/**
 * Per-node partition targets proportional to capacity, no node above one copy of each
 * partition (water-filling: nodes that would exceed 256 are capped and the rest re-shared).
 */
function capacityTargets(nodes: Array<[string, number]>, rf: number): Map<string, number> {
  const targets = new Map<string, number>();
  let free = nodes.slice();
  let slots = PARTITIONS * rf;
  for (;;) {
    const total = free.reduce((s, [, c]) => s + c, 0);
    const capped = free.filter(([, c]) => (slots * c) / total >= PARTITIONS);
    if (capped.length === 0) {
      for (const [id, c] of free) targets.set(id, (slots * c) / total);
      return targets;
    }
    for (const [id] of capped) targets.set(id, PARTITIONS);
    slots -= capped.length * PARTITIONS;
    free = free.filter((n) => !capped.includes(n));
    if (free.length === 0) return targets;
  }
}

/**
 * Assigns every partition to `rf` distinct storage nodes spread over at least the required
 * number of zones, in proportion to capacity, keeping the previous holders where it can.
 */
export function assignPartitions(
  roles: Record<string, NodeRole>,
  rf: number,
  zoneRedundancy: ZoneRedundancy,
  previous?: string[][],
): { partitions: string[][]; partitionSize: number } {
  const storage = Object.entries(roles)
    .filter(([, r]) => r.capacity !== null && r.capacity > 0)
    .map(([id, r]) => [id, r.capacity as number] as [string, number])
    .sort(([a], [b]) => a < b ? -1 : 1);
  if (storage.length < rf) {
    throw new LayoutError(
      `the layout needs at least ${rf} storage node(s) for replication factor ${rf}, and has ${storage.length}`,
    );
  }
  const zoneOf = (id: string) => roles[id].zone;
  const zones = new Set(storage.map(([id]) => zoneOf(id)));
  const zr = effectiveZoneRedundancy(zoneRedundancy, rf, zones.size);
  if (zr > zones.size) {
    throw new LayoutError(
      `zone redundancy ${zr} needs storage nodes in ${zr} zones, and there are ${zones.size}`,
    );
  }
  if (zr > rf) {
    throw new LayoutError(`zone redundancy ${zr} cannot exceed the replication factor ${rf}`);
  }
  const targets = capacityTargets(storage, rf);
  const load = new Map(storage.map(([id]) => [id, 0]));
  const partitions: string[][] = [];
  const deficit = (id: string) => (targets.get(id) ?? 0) - (load.get(id) ?? 0);

  for (let p = 0; p < PARTITIONS; p++) {
    const chosen: string[] = [];
    const zonesUsed = () => new Set(chosen.map(zoneOf));
    const canTake = (id: string) => {
      if (chosen.includes(id)) return false;
      const needZones = zr - zonesUsed().size;
      const slotsLeft = rf - chosen.length;
      return needZones < slotsLeft || !zonesUsed().has(zoneOf(id));
    };
    for (const id of previous?.[p] ?? []) {
      if (chosen.length < rf && load.has(id) && deficit(id) > 0 && canTake(id)) {
        chosen.push(id);
        load.set(id, load.get(id)! + 1);
      }
    }
    while (chosen.length < rf) {
      const best = storage
        .map(([id]) => id)
        .filter(canTake)
        .sort((a, b) => deficit(b) - deficit(a) || (a < b ? -1 : 1))[0];
      chosen.push(best);
      load.set(best, load.get(best)! + 1);
    }
    partitions.push(chosen);
  }
  const partitionSize = Math.min(
    ...storage.map(([id, c]) => load.get(id)! > 0 ? Math.floor(c / load.get(id)!) : Infinity),
  );
  return { partitions, partitionSize };
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
  return {
    current: { version, replicationFactor: rf, zoneRedundancy, roles, partitions, partitionSize },
    staged: { roles: {} },
  };
}

export function nodesOfPartition(v: LayoutVersion, partition: number): string[] {
  return v.partitions[partition] ?? [];
}

/** Every node with a role, gateways included: the replicas of fully replicated tables. */
export function allNodes(v: LayoutVersion): string[] {
  return Object.keys(v.roles).sort();
}
