import { assert, assertEquals } from "../../tests/assert.ts";
import { mergeLayouts } from "./gossip.ts";
import { liveVersions, markSynced } from "./history.ts";
import { applyStaged, type ClusterLayout, emptyLayout, type NodeRole } from "./layout.ts";

const role = (zone: string, capacity = 100): NodeRole => ({ zone, capacity, tags: [] });

function stage(l: ClusterLayout, roles: Record<string, NodeRole | null>, at?: number) {
  return { ...l, staged: { roles, at } };
}

function syncedBy(l: ClusterLayout, nodes: string[], version: number): ClusterLayout {
  return nodes.reduce((acc, n) => markSynced(acc, n, version), l);
}

const versions = (l: ClusterLayout) => liveVersions(l).map((v) => v.version);

// One cluster's history as different nodes may have seen it.
const fresh = emptyLayout(2);
const freshStaging = stage(fresh, { x: role("z2") }, 5);
const v1 = applyStaged(stage(fresh, { a: role("z1"), b: role("z2"), c: role("z1") }), 1);
const v1Staging = stage(v1, { d: role("z2") }, 10);
const v1Restaging = stage(v1, { c: null }, 20);
// Staged elsewhere in the same millisecond.
const v1Racing = stage(v1, { e: role("z1") }, 20);
const v2 = applyStaged(stage(v1, { d: role("z2") }), 2);
const v2PartlySynced = syncedBy(v2, ["a", "b"], 2);
const v2OthersSynced = syncedBy(v2, ["c", "d"], 2);
const v2Pruned = syncedBy(v2, ["a", "b", "c", "d"], 2);
// The same version number applied with other changes on another node.
const v2Rival = applyStaged(stage(v1, { d: role("z2", 300) }), 2);
const v3 = applyStaged(stage(v2, { c: null }), 3);
const v3ReadingV2 = syncedBy(v3, ["a", "b", "c", "d"], 2);

const all: [string, ClusterLayout][] = Object.entries({
  fresh,
  freshStaging,
  v1,
  v1Staging,
  v1Restaging,
  v1Racing,
  v2,
  v2PartlySynced,
  v2OthersSynced,
  v2Pruned,
  v2Rival,
  v3,
  v3ReadingV2,
});

Deno.test("the examples cover what the properties are about", () => {
  assertEquals(versions(fresh), [0]);
  assertEquals(versions(v2), [1, 2]);
  assertEquals(versions(v2Pruned), [2]);
  assertEquals(versions(v3), [1, 2, 3]);
  assertEquals(versions(v3ReadingV2), [2, 3]);
});

Deno.test("merging is commutative", () => {
  for (const [xn, x] of all) {
    for (const [yn, y] of all) {
      assertEquals(mergeLayouts(x, y), mergeLayouts(y, x), `${xn} with ${yn}`);
    }
  }
});

Deno.test("merging is associative", () => {
  for (const [xn, x] of all) {
    for (const [yn, y] of all) {
      const xy = mergeLayouts(x, y);
      for (const [zn, z] of all) {
        assertEquals(
          mergeLayouts(xy, z),
          mergeLayouts(x, mergeLayouts(y, z)),
          `${xn}, ${yn}, ${zn}`,
        );
      }
    }
  }
});

Deno.test("merging is idempotent, and returns the very layout it already has so gossip stops", () => {
  for (const [xn, x] of all) {
    // An empty layout leaves out the history and sync map that a merge writes down as empty.
    assertEquals(mergeLayouts(x, x), { history: [], sync: {}, ...x }, xn);
    for (const [yn, y] of all) {
      const m = mergeLayouts(x, y);
      assert(mergeLayouts(m, x) === m, `${xn} with ${yn}, then ${xn} again`);
      assert(mergeLayouts(m, y) === m, `${xn} with ${yn}, then ${yn} again`);
      assert(mergeLayouts(m, m) === m, `${xn} with ${yn}, then with itself`);
    }
  }
});

Deno.test("the higher version becomes current and the versions before it stay live", () => {
  for (const [a, b] of [[v1, v3], [v3, v1], [fresh, v3]]) {
    const m = mergeLayouts(a, b);
    assertEquals(m.current, v3.current);
    assertEquals(versions(m), [1, 2, 3]);
  }
});

Deno.test("a node that has not joined takes the cluster's layout as it is", () => {
  assertEquals(mergeLayouts(fresh, v2PartlySynced), v2PartlySynced);
  assert(mergeLayouts(v2PartlySynced, fresh) === v2PartlySynced);
});

Deno.test("sync progress keeps the furthest each node reached", () => {
  const m = mergeLayouts(syncedBy(v3, ["a"], 3), syncedBy(v3, ["a", "b"], 2));
  assertEquals(m.sync, { a: 3, b: 2 });
});

Deno.test("a version pruned on one side stays pruned", () => {
  const cases: [ClusterLayout, ClusterLayout, number[]][] = [
    [v2, v2Pruned, [2]],
    [v3, v3ReadingV2, [2, 3]],
    [v1, v3ReadingV2, [2, 3]],
  ];
  for (const [a, b, live] of cases) {
    assertEquals(versions(mergeLayouts(a, b)), live);
    assertEquals(versions(mergeLayouts(b, a)), live);
  }
});

Deno.test("sync progress gathered from both sides completes a version, and the old one goes", () => {
  const m = mergeLayouts(v2PartlySynced, v2OthersSynced);
  assertEquals(m.sync, { a: 2, b: 2, c: 2, d: 2 });
  assertEquals(versions(m), [2]);
});

Deno.test("a version number applied twice resolves to the same one on both sides", () => {
  const here = mergeLayouts(v2, v2Rival);
  const there = mergeLayouts(v2Rival, v2);
  assertEquals(here, there);
  assert(here.current === v2.current || here.current === v2Rival.current);
  assertEquals(versions(here), [1, 2]);
  // Each node then sees the outcome as its own: nothing left to change.
  assert(mergeLayouts(here, v2) === here && mergeLayouts(here, v2Rival) === here);
});

Deno.test("staged changes made last win, whoever holds them", () => {
  for (const [a, b] of [[v1Staging, v1Restaging], [v1Restaging, v1Staging]]) {
    assertEquals(mergeLayouts(a, b).staged, v1Restaging.staged);
  }
  const tied = mergeLayouts(v1Restaging, v1Racing).staged;
  assert(tied === v1Restaging.staged || tied === v1Racing.staged);
  assertEquals(mergeLayouts(v1Racing, v1Restaging).staged, tied);
  // Staged on a node that has not joined yet: still the latest change, still kept.
  assertEquals(mergeLayouts(v2, freshStaging).staged, freshStaging.staged);
  assertEquals(mergeLayouts(v1Staging, freshStaging).staged, v1Staging.staged);
});
