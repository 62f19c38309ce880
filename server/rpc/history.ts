/**
 * Layout history, as in Garage: after a change, the versions before it stay live while the data
 * moves. Writes go to the nodes of every live version; reads use the newest version every one of
 * whose storage nodes has pulled its data in; older versions are dropped once none is read.
 */
import { type ClusterLayout, type LayoutVersion, nodesOfPartition } from "./layout.ts";

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
