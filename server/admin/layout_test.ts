import { assert, assertEquals, assertMatch, assertThrows } from "../../tests/assert.ts";
import { applyStaged, type ClusterLayout, emptyLayout } from "../rpc/layout.ts";
import { formatLayout, layoutMessage, parseLayoutUpdate } from "./layout.ts";
import { InvalidRequest } from "./validate.ts";

const A = "a".repeat(64);
const B = "b".repeat(64);

function withRoles(): ClusterLayout {
  const l = emptyLayout(2);
  l.staged.roles = {
    [A]: { zone: "z1", capacity: 1e9, tags: [] },
    [B]: { zone: "z2", capacity: 2e9, tags: ["x"] },
  };
  return applyStaged(l, 1);
}

function refused(fn: () => unknown, re: RegExp): void {
  const e = assertThrows(fn);
  assert(e instanceof InvalidRequest, `expected InvalidRequest, got ${e}`);
  assertMatch((e as Error).message, re);
}

Deno.test("formatLayout reports roles, partitions and staged changes as Garage does", () => {
  const l = withRoles();
  const f = formatLayout(l);
  assertEquals(f.version, 1);
  assertEquals(f.roles.map((r) => r.id), [A, B]);
  assertEquals(f.roles.reduce((s, r) => s + (r.storedPartitions ?? 0), 0), 512, "rf 2 × 256");
  assertEquals(f.roles[0].usableCapacity, f.roles[0].storedPartitions! * f.partitionSize);
  assertEquals(f.parameters, { zoneRedundancy: "maximum" });
  assertEquals([f.stagedRoleChanges, f.stagedParameters], [[], null]);

  l.staged = {
    roles: {
      [A]: null,
      [B]: { zone: "z2", capacity: 2e9, tags: ["x"] }, // same as current: not a change
      ["c".repeat(64)]: { zone: "z3", capacity: null, tags: [] },
    },
    zoneRedundancy: 1,
  };
  const s = formatLayout(l);
  assertEquals(s.stagedRoleChanges, [
    { id: A, remove: true },
    { id: "c".repeat(64), zone: "z3", capacity: null, tags: [] },
  ]);
  assertEquals(s.stagedParameters, { zoneRedundancy: { atLeast: 1 } });
});

Deno.test("parseLayoutUpdate accepts roles, removals, gateways and parameters", () => {
  const l = withRoles();
  const u = parseLayoutUpdate({
    roles: [
      { id: A.toUpperCase(), remove: true },
      { id: "c".repeat(64), zone: "z3", capacity: null },
      { id: B, zone: "z2", capacity: 5e9, tags: ["ssd"] },
    ],
    parameters: { zoneRedundancy: { atLeast: 2 } },
  }, l);
  assertEquals(u.roles, {
    [A]: null,
    ["c".repeat(64)]: { zone: "z3", capacity: null, tags: [] },
    [B]: { zone: "z2", capacity: 5e9, tags: ["ssd"] },
  });
  assertEquals(u.zoneRedundancy, 2);
  assertEquals(
    parseLayoutUpdate({ parameters: { zoneRedundancy: "maximum" } }, l).zoneRedundancy,
    "maximum",
  );
  assertEquals(parseLayoutUpdate({}, l), { roles: {} });
});

Deno.test("parseLayoutUpdate names the faulty field", () => {
  const l = withRoles();
  refused(() => parseLayoutUpdate({ roles: {} }, l), /`roles` must be a list/);
  refused(
    () => parseLayoutUpdate({ roles: [{ id: "ab", zone: "z", capacity: 1e9 }] }, l),
    /`roles\[0\].id` must be a full node id/,
  );
  refused(
    () => parseLayoutUpdate({ roles: [{ id: A, zone: "", capacity: 1e9 }] }, l),
    /`roles\[0\].zone` must be a non-empty string/,
  );
  refused(
    () => parseLayoutUpdate({ roles: [{ id: A, zone: "z", capacity: "1G" }] }, l),
    /`roles\[0\].capacity` must be an integer/,
  );
  refused(
    () => parseLayoutUpdate({ roles: [{ id: A, zone: "z", capacity: 10 }] }, l),
    /at least 1K \(1024\)/,
  );
  refused(
    () => parseLayoutUpdate({ roles: [{ id: A, zone: "z" }] }, l),
    /`roles\[0\].capacity` is required: a number of bytes, or null/,
  );
  refused(
    () => parseLayoutUpdate({ roles: [{ id: A, zone: "z", capacity: 1e9, extra: 1 }] }, l),
    /`roles\[0\]` has an unknown field `extra`/,
  );
  refused(
    () => parseLayoutUpdate({ roles: [{ id: A, remove: true, zone: "z" }] }, l),
    /unknown field `zone`/,
  );
  refused(
    () => parseLayoutUpdate({ roles: [{ id: "d".repeat(64), remove: true }] }, l),
    /has no role to remove/,
  );
  refused(
    () => parseLayoutUpdate({ roles: [{ id: A, remove: true }, { id: A, remove: true }] }, l),
    /appears twice/,
  );
  refused(
    () => parseLayoutUpdate({ parameters: { zoneRedundancy: { atLeast: 3 } } }, l),
    /replication factor \(2\)/,
  );
  refused(
    () => parseLayoutUpdate({ parameters: { zoneRedundancy: { atLeast: 0 } } }, l),
    /at least 1/,
  );
  refused(
    () => parseLayoutUpdate({ parameters: { zoneRedundancy: "max" } }, l),
    /`parameters.zoneRedundancy` must be a JSON object/,
  );
});

Deno.test("layoutMessage counts moved partition copies", () => {
  const l = withRoles();
  const lines = layoutMessage(emptyLayout(2).current, l.current);
  assertMatch(lines.join("\n"), /Partition copies assigned to a new node: 512 of 512/);
  assertMatch(layoutMessage(l.current, l.current).join("\n"), /assigned to a new node: 0 of 512/);
});

Deno.test("layoutMessage shows per node the copies it receives and gives up", () => {
  const v1 = withRoles();
  const C = "c".repeat(64);
  const v2 = applyStaged({
    ...v1,
    staged: { roles: { [A]: null, [C]: { zone: "z1", capacity: 1e9, tags: [] } } },
  }, 2);
  const text = layoutMessage(v1.current, v2.current).join("\n");
  // C takes over A's copies (same zone, same capacity); B keeps its own.
  assertMatch(text, /assigned to a new node: 256 of 512/);
  assertMatch(text, /bbbbbbbbbbbbbbbb {2}zone z2: 256 partitions \(0 new, 0 given up\)/);
  assertMatch(text, /cccccccccccccccc {2}zone z1: 256 partitions \(256 new, 0 given up\)/);
  assertMatch(text, /aaaaaaaaaaaaaaaa {2}leaving storage: 256 partitions to hand over/);
  assertMatch(text, /Usable capacity: 1\.9 GiB of 2\.8 GiB \(66\.7%\)/);
});
