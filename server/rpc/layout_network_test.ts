import { assert, assertEquals } from "../../tests/assert.ts";
import { PartitionNetwork, type StorageNode } from "./layout_network.ts";

/** Every way to give `partitions` partitions rf distinct nodes each in at least zr zones. */
function* allAssignments(
  partitions: number,
  nodes: StorageNode[],
  rf: number,
  zr: number,
): Generator<number[][]> {
  const sets: number[][] = [];
  const pick = (from: number, chosen: number[]) => {
    if (chosen.length === rf) {
      if (new Set(chosen.map((n) => nodes[n].zone)).size >= zr) sets.push(chosen);
      return;
    }
    for (let n = from; n < nodes.length; n++) pick(n + 1, [...chosen, n]);
  };
  pick(0, []);
  const choice = new Array<number>(partitions).fill(0);
  for (;;) {
    yield choice.map((i) => sets[i]);
    let p = 0;
    while (p < partitions && ++choice[p] === sets.length) choice[p++] = 0;
    if (p === partitions) return;
  }
}

/** The partition size an assignment allows, as a fraction [bytes, per] (smallest c / count). */
function sizeOf(assignment: number[][], nodes: StorageNode[]): [number, number] {
  const counts = nodes.map((_, n) => assignment.filter((p) => p.includes(n)).length);
  let best: [number, number] = [Infinity, 1];
  counts.forEach((k, n) => {
    if (k > 0 && nodes[n].capacity * best[1] < best[0] * k) best = [nodes[n].capacity, k];
  });
  return best;
}

function moves(assignment: number[][], previous: number[][]): number {
  return assignment.reduce((s, p, i) => s + p.filter((n) => !previous[i].includes(n)).length, 0);
}

function random(seed: number): (n: number) => number {
  return (n) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
}

Deno.test("on small cases, the network finds the brute-force optimum: size first, then fewest moves", () => {
  const r = random(42);
  for (let round = 0; round < 40; round++) {
    const partitions = 3;
    const zones = 1 + r(3);
    const nodes = Array.from({ length: 3 + r(3) }, (_, n) => ({
      zone: n < zones ? n : r(zones), // every zone has a node
      capacity: 1 + r(20),
    }));
    const rf = 1 + r(3);
    const zr = 1 + r(Math.min(rf, zones));
    const previous = Array.from({ length: partitions }, () => [r(nodes.length), r(nodes.length)]);

    let best: [number, number] = [0, 1];
    let fewest = Infinity;
    for (const a of allAssignments(partitions, nodes, rf, zr)) {
      const [b, k] = sizeOf(a, nodes);
      const m = moves(a, previous);
      if (b * best[1] > best[0] * k) [best, fewest] = [[b, k], m];
      else if (b * best[1] === best[0] * k) fewest = Math.min(fewest, m);
    }

    const got = new PartitionNetwork(partitions, nodes, zones, rf, zr, previous)
      .optimalAssignment();
    const case_ = JSON.stringify({ nodes, rf, zr, previous, got });
    for (const p of got.partitions) {
      assertEquals(new Set(p).size, rf, case_);
      assert(new Set(p.map((n) => nodes[n].zone)).size >= zr, case_);
    }
    const [b, k] = sizeOf(got.partitions, nodes);
    assertEquals(b * best[1], best[0] * k, `partition size not optimal: ${case_}`);
    assertEquals(got.partitionSize, Math.floor(best[0] / best[1]), case_);
    assertEquals(moves(got.partitions, previous), fewest, `not the fewest moves: ${case_}`);
  }
});

Deno.test("the same input always gives the same assignment (a preview is what apply does)", () => {
  const nodes = [0, 1, 2, 0, 1, 2].map((zone, n) => ({ zone, capacity: 1000 + 100 * n }));
  const run = () => new PartitionNetwork(256, nodes, 3, 3, 2, []).optimalAssignment();
  assertEquals(run(), run());
});
