import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import {
  applyStaged,
  assignPartitions,
  emptyLayout,
  LayoutError,
  type NodeRole,
  PARTITIONS,
} from "./layout.ts";

const role = (zone: string, capacity: number | null): NodeRole => ({ zone, capacity, tags: [] });

function counts(partitions: string[][]): Record<string, number> {
  const c: Record<string, number> = {};
  for (const p of partitions) for (const n of p) c[n] = (c[n] ?? 0) + 1;
  return c;
}

Deno.test("one node holds every partition", () => {
  const { partitions } = assignPartitions({ a: role("z", 100) }, 1, "maximum");
  assertEquals(partitions.length, PARTITIONS);
  assert(partitions.every((p) => p.length === 1 && p[0] === "a"));
});

Deno.test("replicas are distinct and spread over as many zones as there are copies", () => {
  const roles = { a: role("z1", 100), b: role("z2", 100), c: role("z3", 100), d: role("z1", 100) };
  const { partitions } = assignPartitions(roles, 3, "maximum");
  for (const p of partitions) {
    assertEquals(new Set(p).size, 3);
    assertEquals(new Set(p.map((n) => roles[n as keyof typeof roles].zone)).size, 3);
  }
});

Deno.test("partitions follow capacity", () => {
  const { partitions } = assignPartitions({ a: role("z", 100), b: role("z", 300) }, 1, "maximum");
  assertEquals(counts(partitions), { a: 64, b: 192 });
});

Deno.test("gateways hold no data", () => {
  const { partitions } = assignPartitions({ a: role("z", 100), g: role("z", null) }, 1, "maximum");
  assertEquals(Object.keys(counts(partitions)), ["a"]);
});

Deno.test("too few nodes or zones are refused with a reason", () => {
  const e = assertThrows(() => assignPartitions({ a: role("z", 1) }, 2, "maximum"));
  assert(e instanceof LayoutError && /at least 2 storage node/.test(e.message), String(e));
  const z = assertThrows(() => assignPartitions({ a: role("z", 1), b: role("z", 1) }, 2, 2));
  assert(z instanceof LayoutError && /2 zones/.test(z.message), String(z));
});

Deno.test("applying staged roles makes version N+1; another version number is refused", () => {
  const l = { ...emptyLayout(1), staged: { roles: { a: role("z", 10) } } };
  assertThrows(() => applyStaged(l, 2));
  const applied = applyStaged(l, 1);
  assertEquals(applied.current.version, 1);
  assertEquals(applied.current.roles, { a: role("z", 10) });
  assertEquals(applied.staged.roles, {});
});

Deno.test("a new version keeps partitions where they were when it can", () => {
  const roles = { a: role("z1", 100), b: role("z2", 100) };
  const v1 = assignPartitions(roles, 1, "maximum");
  const v2 = assignPartitions({ ...roles, c: role("z3", 100) }, 1, "maximum", v1.partitions);
  const moved = v2.partitions.filter((p, i) => p[0] !== v1.partitions[i][0]).length;
  assert(moved <= 90, `${moved} partitions moved; about 85 must`);
});

// --- The optimal assignment (Garage's method): partition size first, then fewest moves. ---

const T = 1e12;

function zonesOf(partition: string[], roles: Record<string, NodeRole>): Set<string> {
  return new Set(partition.map((n) => roles[n].zone));
}

/** Partition copies that land on a node that did not hold them: what a change transfers. */
function moved(before: string[][], after: string[][]): number {
  return after.reduce((s, p, i) => s + p.filter((n) => !before[i].includes(n)).length, 0);
}

/**
 * Brute-force bound without zone constraints: a size fits if the nodes' rooms, each at most one
 * copy per partition, add up to every copy. Zone rules can only lower the optimum.
 */
function fitsIgnoringZones(roles: Record<string, NodeRole>, rf: number, size: number): boolean {
  const rooms = Object.values(roles).map((r) =>
    Math.min(PARTITIONS, Math.floor((r.capacity ?? 0) / size))
  );
  return rooms.reduce((s, r) => s + r, 0) >= PARTITIONS * rf;
}

function assertHolds(roles: Record<string, NodeRole>, partitions: string[][], size: number): void {
  for (const [id, n] of Object.entries(counts(partitions))) {
    assert(n * size <= roles[id].capacity!, `${id}: ${n} partitions of ${size} bytes overflow`);
  }
}

Deno.test("uneven capacities: the largest partition size that fits, counts in proportion", () => {
  const roles = {
    a: role("z", 1 * T),
    b: role("z", 2 * T),
    c: role("z", 3 * T),
    d: role("z", 4 * T),
    e: role("z", 10 * T), // half the capacity, but it can hold each partition only once
  };
  const { partitions, partitionSize } = assignPartitions(roles, 2, "maximum");
  assertHolds(roles, partitions, partitionSize);
  assert(fitsIgnoringZones(roles, 2, partitionSize));
  assert(!fitsIgnoringZones(roles, 2, partitionSize + 1), "one byte more must not fit");
  // e holds all 256; a-d share the other 256 copies as 1:2:3:4, within a partition.
  const c = counts(partitions);
  assertEquals(c.e, PARTITIONS);
  for (const [id, share] of [["a", 25.6], ["b", 51.2], ["c", 76.8], ["d", 102.4]] as const) {
    assert(Math.abs(c[id] - share) <= 1, `${id} holds ${c[id]}, its share is ${share}`);
  }
});

Deno.test("unbalanced zones: every partition still has a copy in each of 3 zones", () => {
  const roles = {
    a: role("big", 4 * T),
    b: role("big", 4 * T),
    c: role("big", 4 * T),
    d: role("small1", 1 * T),
    e: role("small2", 1 * T),
  };
  const { partitions, partitionSize } = assignPartitions(roles, 3, "maximum");
  for (const p of partitions) {
    assertEquals(zonesOf(p, roles).size, 3);
    assertEquals(p.filter((n) => roles[n as keyof typeof roles].zone === "big").length, 1);
  }
  // So the big zone takes one copy per partition, 256 in all, however large its nodes, and
  // the small zones' nodes set the partition size: they hold every partition.
  const c = counts(partitions);
  assertEquals([c.d, c.e, c.a + c.b + c.c], [256, 256, 256]);
  assertEquals(partitionSize, Math.floor(T / PARTITIONS));
  // The big zone's nodes share its copies evenly (balance is the last criterion).
  for (const id of ["a", "b", "c"]) assert(Math.abs(c[id] - 85) <= 8, `${id} holds ${c[id]}`);
});

Deno.test("more zones than copies: each partition in 3 distinct zones, counts follow capacity", () => {
  const roles = {
    a: role("z1", 1 * T),
    b: role("z2", 2 * T),
    c: role("z3", 2 * T),
    d: role("z4", 3 * T),
    e: role("z5", 4 * T),
  };
  const { partitions, partitionSize } = assignPartitions(roles, 3, "maximum");
  for (const p of partitions) assertEquals(zonesOf(p, roles).size, 3);
  assertEquals(counts(partitions), { a: 64, b: 128, c: 128, d: 192, e: 256 }); // 768 × c / 12T
  assertEquals(partitionSize, 12 * T / (PARTITIONS * 3));
});

Deno.test("a zone redundancy below the maximum lets copies share a zone, and uses more capacity", () => {
  const roles = {
    a: role("z1", 4 * T),
    b: role("z1", 4 * T),
    c: role("z2", 4 * T),
    d: role("z3", 1 * T),
  };
  const strict = assignPartitions(roles, 3, "maximum");
  assertEquals(strict.partitionSize, Math.floor(T / PARTITIONS), "z3's single small node limits");
  const relaxed = assignPartitions(roles, 3, 2);
  for (const p of relaxed.partitions) assert(zonesOf(p, roles).size >= 2);
  assert(relaxed.partitions.some((p) => zonesOf(p, roles).size === 2));
  assertHolds(roles, relaxed.partitions, relaxed.partitionSize);
  assert(!fitsIgnoringZones(roles, 3, relaxed.partitionSize + 1), "the relaxed size is optimal");
  assert(relaxed.partitionSize > 4 * strict.partitionSize);
});

Deno.test("gateways store nothing and do not count as zones", () => {
  const roles = {
    a: role("z1", T),
    b: role("z1", T),
    c: role("z2", T),
    g: role("z3", null),
  };
  // "maximum" means the 2 zones that have storage, not 3.
  const { partitions } = assignPartitions(roles, 3, "maximum");
  assert(!("g" in counts(partitions)));
  for (const p of partitions) assertEquals(zonesOf(p, roles).size, 2);
});

Deno.test("one node's partitions have their other copies on many different nodes", () => {
  const roles = Object.fromEntries("abcdefgh".split("").map((id) => [id, role("z", T)]));
  const { partitions } = assignPartitions(roles, 3, "maximum");
  // When `a` fails, all 7 others hold copies of its data and share the repair.
  const peers = new Set(partitions.filter((p) => p.includes("a")).flat());
  assertEquals(peers.size, 8);
});

Deno.test("adding a node moves only the copies it receives", () => {
  const roles = { a: role("z", T), b: role("z", T), c: role("z", T), d: role("z", T) };
  const v1 = assignPartitions(roles, 2, "maximum");
  const v2 = assignPartitions({ ...roles, e: role("z", T) }, 2, "maximum", v1.partitions);
  // Five equal nodes hold at most ⌈512 / 5⌉ = 103 copies each at the optimal size; the four old
  // ones keep 103 (they have 128) and e takes the rest, the least it can: 512 − 4 × 103.
  assertEquals(v2.partitionSize, Math.floor(T / 103));
  const c = counts(v2.partitions);
  assertEquals([c.a, c.b, c.c, c.d, c.e], [103, 103, 103, 103, 100]);
  // Every copy e holds had to be sent to it, and no copy moves between the old nodes.
  assertEquals(moved(v1.partitions, v2.partitions), c.e);
});

Deno.test("a node that cannot raise the partition size is given nothing, and nothing moves", () => {
  const roles = { a: role("z1", T), b: role("z2", T), c: role("z3", T) };
  const v1 = assignPartitions(roles, 3, "maximum");
  // A second node in z1: the partition size stays set by z2 and z3, which already hold every
  // partition, so moving copies to d would cost transfers and gain nothing.
  const v2 = assignPartitions({ ...roles, d: role("z1", T) }, 3, "maximum", v1.partitions);
  assertEquals(v2.partitionSize, v1.partitionSize);
  assertEquals(moved(v1.partitions, v2.partitions), 0);
  assertEquals(v2.partitions, v1.partitions);
});

Deno.test("adding a node per zone moves only what the new nodes receive", () => {
  const roles = { a: role("z1", T), b: role("z2", T), c: role("z3", T) };
  const v1 = assignPartitions(roles, 3, "maximum");
  const more = { ...roles, d: role("z1", T), e: role("z2", T), f: role("z3", T) };
  const v2 = assignPartitions(more, 3, "maximum", v1.partitions);
  assertEquals(v2.partitionSize, 2 * v1.partitionSize);
  const c = counts(v2.partitions);
  assertEquals([c.d, c.e, c.f], [128, 128, 128]);
  assertEquals(moved(v1.partitions, v2.partitions), 3 * 128);
  for (const p of v2.partitions) assertEquals(zonesOf(p, more).size, 3);
});

Deno.test("removing a node moves only the copies it held", () => {
  const roles = Object.fromEntries("abcde".split("").map((id) => [id, role("z", T)]));
  const v1 = assignPartitions(roles, 2, "maximum");
  const { e: _, ...rest } = roles;
  const v2 = assignPartitions(rest, 2, "maximum", v1.partitions);
  // Each copy e held needs a new home; every other copy stays where it was.
  assertEquals(moved(v1.partitions, v2.partitions), counts(v1.partitions).e);
  v1.partitions.forEach((before, p) => {
    for (const n of before) if (n !== "e") assert(v2.partitions[p].includes(n), `${n} kept ${p}`);
  });
  assertEquals(counts(v2.partitions), { a: 128, b: 128, c: 128, d: 128 });
});

Deno.test("removing a node can force more moves when another node must then hold everything", () => {
  const roles = { a: role("z", T), b: role("z", 2 * T), c: role("z", T), d: role("z", 3 * T) };
  const v1 = assignPartitions(roles, 2, "maximum");
  const { d: _, ...rest } = roles;
  const v2 = assignPartitions(rest, 2, "maximum", v1.partitions);
  // Without d, the optimum needs b on all 256 partitions (a and c 128 each): partitions that
  // were on a and c also lose one of them to b. That is the least the new size allows.
  assertEquals(counts(v2.partitions), { a: 128, b: 256, c: 128 });
  const onAC = v1.partitions.filter((p) => p.includes("a") && p.includes("c")).length;
  assertEquals(moved(v1.partitions, v2.partitions), counts(v1.partitions).d + onAC);
  assertHolds(rest, v2.partitions, v2.partitionSize);
  assert(!fitsIgnoringZones(rest, 2, v2.partitionSize + 1));
});

Deno.test("copies that stay keep their place in the partition's node list", () => {
  const roles = { a: role("z", T), b: role("z", T), c: role("z", T) };
  const v1 = assignPartitions(roles, 2, "maximum");
  const v2 = assignPartitions({ ...roles, d: role("z", T) }, 2, "maximum", v1.partitions);
  v1.partitions.forEach((before, p) => {
    const kept = before.filter((n) => v2.partitions[p].includes(n));
    assertEquals(v2.partitions[p].slice(0, kept.length), kept);
  });
});

Deno.test("each impossible layout is refused with what is missing", () => {
  const refused = (fn: () => unknown, re: RegExp) => {
    const e = assertThrows(fn);
    assert(e instanceof LayoutError, String(e));
    assert(re.test(e.message), `${JSON.stringify(e.message)} does not match ${re}`);
  };
  refused(
    () => assignPartitions({ g: role("z", null) }, 1, "maximum"),
    /needs at least 1 storage node.*has 0.*without a capacity are gateways/,
  );
  refused(
    () => assignPartitions({ a: role("z1", T), b: role("z2", T), g: role("z3", null) }, 3, 1),
    /at least 3 storage node\(s\) for replication factor 3, and has 2/,
  );
  refused(
    () => assignPartitions({ a: role("z1", 0), b: role("z2", 0) }, 2, "maximum"),
    /total capacity is zero/,
  );
  refused(
    () => assignPartitions({ a: role("z1", T), b: role("z2", 0) }, 2, "maximum"),
    /has 1 with a capacity \(1 more have a capacity of zero\)/,
  );
  refused(
    () => assignPartitions({ a: role("z1", T), b: role("z2", T), c: role("z1", T) }, 3, 3),
    /zone redundancy 3 needs storage nodes in 3 zones, and there are 2 \(z1, z2\)/,
  );
  refused(
    () => assignPartitions({ a: role("z1", T), b: role("z2", T), c: role("z3", T) }, 2, 3),
    /zone redundancy 3 cannot exceed the replication factor 2/,
  );
  refused(
    () => assignPartitions({ a: role("z1", T) }, 1, 0),
    /zone redundancy must be "maximum" or a whole number of zones, at least 1/,
  );
});

Deno.test("a refused layout is never applied: the staged change stays staged", () => {
  const l = applyStaged({
    ...emptyLayout(2),
    staged: { roles: { a: role("z", T), b: role("z", T) } },
  }, 1);
  const staged = { ...l, staged: { roles: { b: null } } };
  assert(assertThrows(() => applyStaged(staged, 2)) instanceof LayoutError);
  assertEquals(staged.current, l.current);
  assertEquals(staged.staged, { roles: { b: null } });
});

Deno.test("50 nodes in 5 zones with 3 copies are assigned in well under a second", () => {
  const roles = Object.fromEntries(
    Array.from({ length: 50 }, (_, i) => [`n${i}`, role(`z${i % 5}`, (1 + (i * 7) % 10) * T)]),
  );
  let start = performance.now();
  const v1 = assignPartitions(roles, 3, "maximum");
  const first = performance.now() - start;
  start = performance.now();
  const { n0: _, ...rest } = roles;
  assignPartitions({ ...rest, n50: role("z0", 5 * T) }, 3, "maximum", v1.partitions);
  const next = performance.now() - start;
  assert(first < 1000 && next < 1000, `took ${first.toFixed(0)} ms, then ${next.toFixed(0)} ms`);
});
