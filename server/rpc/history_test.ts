import { assert, assertEquals } from "../../tests/assert.ts";
import {
  allHolders,
  liveVersions,
  markSynced,
  pruned,
  readVersion,
  skipDeadNodes,
  writeSets,
} from "./history.ts";
import {
  applyStaged,
  type ClusterLayout,
  emptyLayout,
  type LayoutVersion,
  type NodeRole,
  PARTITIONS,
} from "./layout.ts";

const storage: NodeRole = { zone: "z", capacity: 100, tags: [] };
const gateway: NodeRole = { zone: "z", capacity: null, tags: [] };

/** A version with the given roles; `assign` says which nodes hold each partition. */
function version(
  n: number,
  roles: Record<string, NodeRole>,
  assign: (p: number) => string[],
): LayoutVersion {
  return {
    version: n,
    replicationFactor: 2,
    zoneRedundancy: "maximum",
    roles,
    partitions: Array.from({ length: PARTITIONS }, (_, p) => assign(p)),
    partitionSize: 1,
  };
}

/** The replica sets of a partition; the order of nodes within a set does not matter here. */
function sets(l: ClusterLayout, partition: number): string[][] {
  return writeSets(l, partition).map((set) => [...set].sort());
}

function changing(versions: LayoutVersion[], sync: Record<string, number> = {}): ClusterLayout {
  return {
    current: versions[versions.length - 1],
    history: versions.slice(0, -1),
    sync,
    staged: { roles: {} },
  };
}

// Adding c: partition 0 moves from b to c; every other one stays on a and b, listed in
// another order, which must not count as another replica set.
const v1 = version(1, { a: storage, b: storage }, () => ["a", "b"]);
const v2 = version(
  2,
  { a: storage, b: storage, c: storage, g: gateway },
  (p) => p === 0 ? ["a", "c"] : ["b", "a"],
);

Deno.test("the first applied version has no history; the next keeps it live with the sync map", () => {
  const first = applyStaged(
    { ...emptyLayout(2), staged: { roles: { a: storage, b: storage } } },
    1,
  );
  assertEquals(first.history, []);
  const second = applyStaged({ ...first, sync: { a: 1 }, staged: { roles: { c: storage } } }, 2);
  assertEquals(second.current.version, 2);
  assertEquals(second.history, [first.current]);
  assertEquals(second.sync, { a: 1 });
  const third = applyStaged({ ...second, staged: { roles: { c: null } } }, 3);
  assertEquals(liveVersions(third), [first.current, second.current, third.current]);
});

Deno.test("outside a layout change, the one version serves reads and writes", () => {
  const l = changing([v1]);
  assert(readVersion(l) === v1);
  assertEquals(writeSets(l, 0), [["a", "b"]]);
  assert(pruned(l) === l);
});

Deno.test("during a change, writes reach each distinct replica set of the live versions", () => {
  const l = changing([v1, v2]);
  assertEquals(sets(l, 0), [["a", "b"], ["a", "c"]]);
  assertEquals(sets(l, 1), [["a", "b"]]);
});

Deno.test("the holders of a partition are every node of its live replica sets, once each", () => {
  const l = changing([v1, v2]);
  assertEquals(allHolders(l, 0).sort(), ["a", "b", "c"]);
  assertEquals(allHolders(l, 1).sort(), ["a", "b"]);
});

Deno.test("reads stay on the old version until every storage node of the new one synced it", () => {
  let l = changing([v1, v2]);
  assert(readVersion(l) === v1);
  l = markSynced(l, "a", 2);
  l = markSynced(l, "b", 2);
  assert(readVersion(l) === v1, "c has not pulled its new partition in yet");
  assertEquals(l.history, [v1]);
  // A gateway stores nothing, so there is nothing for it to sync.
  l = markSynced(l, "c", 2);
  assert(readVersion(l) === v2);
  assertEquals(l.history, [], "nothing reads v1 any more: markSynced prunes it");
  assertEquals(writeSets(l, 0), [["a", "c"]]);
});

Deno.test("pruning drops the old version exactly when reads leave it", () => {
  const partly = changing([v1, v2], { a: 2, b: 2 });
  assert(pruned(partly) === partly);
  const synced = changing([v1, v2], { a: 2, b: 2, c: 2 });
  assertEquals(pruned(synced), { ...synced, history: [] });
});

Deno.test("a new node that is down keeps reads on the old version, and writes still reach it", () => {
  // Having synced an older version says nothing about the data of the new one.
  const l = changing([v1, v2], { a: 2, b: 2, c: 1 });
  assert(readVersion(l) === v1);
  assert(pruned(l) === l);
  assert(writeSets(l, 0).some((set) => set.includes("c")));
});

Deno.test("a node removed by the new version does not hold it back by never syncing", () => {
  const before = version(
    2,
    { a: storage, b: storage, c: storage },
    (p) => [["a", "b"], ["b", "c"]][p % 2],
  );
  const after = version(3, { a: storage, b: storage }, () => ["a", "b"]);
  const l = changing([before, after], { a: 3, b: 3 });
  assert(readVersion(l) === after);
  assertEquals(pruned(l).history, []);
});

Deno.test("with three live versions, reads use the newest synced one and older ones go", () => {
  const v3 = version(
    3,
    { a: storage, b: storage, c: storage, d: storage },
    (p) => p === 0 ? ["d", "c"] : ["b", "a"],
  );
  // Both newer versions synced: reads skip v2 altogether.
  const done = changing([v1, v2, v3], { a: 3, b: 3, c: 3, d: 3 });
  assert(readVersion(done) === v3);
  assertEquals(pruned(done).history, []);
  let l = changing([v1, v2, v3], { a: 2, b: 2, c: 2 });
  assert(readVersion(l) === v2);
  l = pruned(l);
  assertEquals(l.history, [v2]);
  assertEquals(sets(l, 0), [["a", "c"], ["c", "d"]]);
  for (const n of ["a", "b", "c", "d"]) l = markSynced(l, n, 3);
  assert(readVersion(l) === v3);
  assertEquals(l.history, []);
});

Deno.test("sync progress never goes back", () => {
  const l = changing([v1, v2], { a: 2 });
  assert(markSynced(l, "a", 1) === l);
  assert(markSynced(l, "a", 2) === l);
  assertEquals(markSynced(l, "b", 2).sync, { a: 2, b: 2 });
});

Deno.test("skipping dead nodes: a change waits on a node that is gone until the operator skips it", () => {
  // c joined in v2 and died before syncing: reads stay on v1 and v1 stays live.
  const l = changing([v1, v2], { a: 2, b: 2 });
  assertEquals(readVersion(l).version, 1);
  const up = (n: string) => n !== "c";
  const r = skipDeadNodes(l, 2, up, { allowMissingData: false, readQuorum: 1 });
  assertEquals(r.skipped, ["c"]);
  assertEquals(r.synced, ["c"]);
  assertEquals(liveVersions(r.layout).map((v) => v.version), [2]);
});

Deno.test("skipping dead nodes is refused when reads would lose their quorum, unless told", () => {
  const l = changing([v1, v2], { a: 2 });
  const up = (n: string) => n === "a";
  // Partition 0 is on a and c in v2: with c down only one copy is up, and reads need two.
  let error = "";
  try {
    skipDeadNodes(l, 2, up, { allowMissingData: false, readQuorum: 2 });
  } catch (e) {
    error = (e as Error).message;
  }
  assert(/Unsafe: partition 0 keeps 1 of its 2 copies in version 2/.test(error), error);
  const r = skipDeadNodes(l, 2, up, { allowMissingData: true, readQuorum: 2 });
  assertEquals(r.skipped, ["b", "c", "g"]);
  assertEquals(r.synced, ["b", "c", "g"]);
  assertEquals(liveVersions(r.layout).map((v) => v.version), [2]);
});

Deno.test("skipping dead nodes needs a change in progress and one of its versions", () => {
  const up = () => true;
  const o = { allowMissingData: false, readQuorum: 1 };
  const messages: string[] = [];
  for (const [l, v] of [[changing([v2]), 2], [changing([v1, v2]), 1], [changing([v1, v2]), 3]]) {
    try {
      skipDeadNodes(l as ClusterLayout, v as number, up, o);
    } catch (e) {
      messages.push((e as Error).message);
    }
  }
  assertEquals(messages.length, 3);
  assert(messages[0].startsWith("No layout change is in progress"), messages[0]);
  assert(messages[1].startsWith("Invalid version 1: give one of 2"), messages[1]);
});
