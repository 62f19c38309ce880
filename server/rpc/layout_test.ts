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
