/**
 * Layout history, as in Garage: after a change, the versions before it stay live while the data
 * moves. Writes go to the nodes of every live version; reads use the newest version every one of
 * whose storage nodes has pulled its data in; older versions are dropped once none is read.
 */
import {
  type ClusterLayout,
  LayoutError,
  type LayoutVersion,
  nodesOfPartition,
  PARTITIONS,
} from "./layout.ts";

export function liveVersions(l: ClusterLayout): LayoutVersion[] {
  return [...(l.history ?? []), l.current];
}

function storageNodes(v: LayoutVersion): string[] {
  return Object.entries(v.roles).filter(([, r]) => r.capacity !== null).map(([id]) => id);
}

/** The version reads use: the newest whose storage nodes have all synced it. */
export function readVersion(l: ClusterLayout): LayoutVersion {
  if (!l.history?.length) return l.current;
  const live = liveVersions(l);
  for (let i = live.length - 1; i > 0; i--) {
    const v = live[i];
    if (storageNodes(v).every((n) => (l.sync?.[n] ?? 0) >= v.version)) return v;
  }
  return live[0];
}

/** Drops the versions older than the one reads use: nothing reads or needs them any more. */
export function pruned(l: ClusterLayout): ClusterLayout {
  const r = readVersion(l);
  const history = (l.history ?? []).filter((v) => v.version >= r.version && v !== l.current);
  return history.length === (l.history ?? []).length ? l : { ...l, history };
}

/** The replica sets of a partition in every live version (one set per distinct assignment). */
export function writeSets(l: ClusterLayout, partition: number): string[][] {
  // Outside a layout change (nearly always), one version: no bookkeeping on the request path.
  if (!l.history?.length) return [nodesOfPartition(l.current, partition)];
  const sets = new Map<string, string[]>();
  for (const v of liveVersions(l)) {
    const nodes = nodesOfPartition(v, partition);
    if (nodes.length) sets.set([...nodes].sort().join(","), nodes);
  }
  return [...sets.values()];
}

/** Every node holding a partition in some live version. */
export function allHolders(l: ClusterLayout, partition: number): string[] {
  return [...new Set(writeSets(l, partition).flat())];
}

export function markSynced(l: ClusterLayout, node: string, version: number): ClusterLayout {
  if ((l.sync?.[node] ?? 0) >= version) return l;
  return pruned({ ...l, sync: { ...l.sync, [node]: version } });
}

export interface SkipResult {
  layout: ClusterLayout;
  /** The nodes that were down and are no longer waited for. */
  skipped: string[];
  /** The nodes whose sync tracker moved to the version. */
  synced: string[];
}

/**
 * Lets a layout change finish without nodes that are gone (ClusterLayoutSkipDeadNodes): the
 * nodes down count as having synced `version`, so reads can move to it and older versions go.
 * Refused when a partition of `version` would keep fewer copies on nodes that are up than reads
 * need, unless `allowMissingData`, which counts every node as synced (what only the old copies
 * held and no up node has pulled yet is then given up).
 */
export function skipDeadNodes(
  l: ClusterLayout,
  version: number,
  isUp: (node: string) => boolean,
  o: { allowMissingData: boolean; readQuorum: number },
): SkipResult {
  const live = liveVersions(l);
  if (live.length === 1) {
    throw new LayoutError(
      "No layout change is in progress (one live version): there are no nodes to skip.",
    );
  }
  const v = live.slice(1).find((x) => x.version === version);
  if (!v) {
    throw new LayoutError(
      `Invalid version ${version}: give one of ${
        live.slice(1).map((x) => x.version).join(", ")
      } (a live version newer than the oldest, ${live[0].version}).`,
    );
  }
  const all = [...new Set(live.flatMap((x) => Object.keys(x.roles)))].sort();
  const dead = all.filter((n) => !isUp(n));
  if (!o.allowMissingData) {
    for (let p = 0; p < PARTITIONS; p++) {
      const holders = nodesOfPartition(v, p);
      const up = holders.filter(isUp).length;
      if (up < o.readQuorum) {
        throw new LayoutError(
          `Unsafe: partition ${p} keeps ${up} of its ${holders.length} copies in version ${version} on nodes that are up, and reads need ${o.readQuorum}. Bring a node back, or give the dead nodes' roles to others (a new layout version), or allow missing data to accept losing what only the dead nodes hold.`,
        );
      }
    }
  }
  const targets = o.allowMissingData ? all : dead;
  let next = l;
  const synced: string[] = [];
  for (const n of targets) {
    if ((next.sync?.[n] ?? 0) >= version) continue;
    next = { ...next, sync: { ...next.sync, [n]: version } };
    synced.push(n);
  }
  return { layout: pruned(next), skipped: dead, synced };
}
