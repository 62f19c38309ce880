import { assert, assertEquals } from "../../tests/assert.ts";
import { partitionOf } from "../util/ids.ts";
import { decode, encode } from "../util/msgpack.ts";
import { type MerkleReplica, storeReplica, type SyncCounts, syncPartition } from "./sync.ts";
import { type Reg, reg, type Replica, replica, roots } from "./testing.ts";

const sk = (i: number) => `key/${String(i).padStart(5, "0")}`;

/** A replica reached through msgpack, as through the peer RPC; counts the bytes that cross. */
function overTheWire(r: MerkleReplica, traffic = { bytes: 0 }): MerkleReplica {
  const cross = <T>(x: T): T => {
    const bytes = encode(x);
    traffic.bytes += bytes.length;
    return decode(bytes) as T;
  };
  return {
    root: async (p) => cross(await r.root(cross(p))),
    nodes: async (p, prefixes) => cross(await r.nodes(cross(p), cross(prefixes))),
    entries: async (keys) => cross(await r.entries(cross(keys))),
    apply: (entries) => r.apply(cross(entries)),
  };
}

/** Syncs a with b over the partitions of these partition keys, once their trees are current. */
async function sync(a: Replica, b: Replica, pks: string[], traffic?: { bytes: number }) {
  await Promise.all([a.store.merkle.idle(), b.store.merkle.idle()]);
  const total: SyncCounts = { nodes: 0, sent: 0, received: 0 };
  for (const p of new Set(pks.map(partitionOf))) {
    const c = await syncPartition(
      p,
      storeReplica(a.store),
      overTheWire(storeReplica(b.store), traffic),
    );
    total.nodes += c.nodes;
    total.sent += c.sent;
    total.received += c.received;
  }
  return total;
}

const content = (r: Replica, pk: string) => r.store.range(pk, {});

Deno.test("sync: replicas with disjoint, equal and diverged entries converge in one sync", async () => {
  const pks = ["x", "y", "z"];
  await using a = await replica();
  await using b = await replica();
  const expected: Reg[] = [];
  for (const pk of pks) {
    const equal = Array.from({ length: 100 }, (_, i) => reg(pk, sk(i), "same"));
    const onlyA = Array.from({ length: 30 }, (_, i) => reg(pk, sk(100 + i), "a"));
    const onlyB = Array.from({ length: 30 }, (_, i) => reg(pk, sk(200 + i), "b"));
    // Diverged: one side wrote later (t 2) than the other (t 1); A for even keys, B for odd.
    const newer = Array.from({ length: 40 }, (_, i) => reg(pk, sk(300 + i), i % 2 ? "b" : "a", 2));
    const older = newer.map((e) => ({ ...e, t: 1, v: "old" }));
    await a.store.apply([...equal, ...onlyA, ...newer.filter((_, i) => i % 2 === 0)]);
    await a.store.apply(older.filter((_, i) => i % 2 === 1));
    await b.store.apply([...equal, ...onlyB, ...newer.filter((_, i) => i % 2 === 1)]);
    await b.store.apply(older.filter((_, i) => i % 2 === 0));
    expected.push(...equal, ...onlyA, ...onlyB, ...newer);
  }
  // Each side's differing entries go over once: B's 30 + 40 diverged come here, where the
  // merge keeps A's 20 newer ones, which go back with A's 30, per partition key.
  const { sent, received } = await sync(a, b, pks);
  assertEquals({ sent, received }, { sent: 3 * 50, received: 3 * 70 });
  for (const pk of pks) {
    const want = expected.filter((e) => e.pk === pk).sort((x, y) => x.sk < y.sk ? -1 : 1);
    assertEquals(await content(a, pk), want);
    assertEquals(await content(b, pk), want);
  }
  assertEquals(await roots(a, pks), await roots(b, pks));
  const partitions = new Set(pks.map(partitionOf)).size;
  assertEquals(await sync(a, b, pks), { nodes: partitions, sent: 0, received: 0 }, "root by root");
});

Deno.test("sync: among 10,000 equal entries, only the 3 that differ travel", async () => {
  const all = Array.from({ length: 10_000 }, (_, i) => reg("bucket", sk(i), `v${i}`));
  await using a = await replica();
  await using b = await replica();
  await Promise.all([a.store.apply(all), b.store.apply(all)]);
  await a.store.apply([reg("bucket", "only/a", "a")]);
  await b.store.apply([reg("bucket", "only/b", "b"), reg("bucket", sk(1234), "newer", 2)]);
  const traffic = { bytes: 0 };
  const counts = await sync(a, b, ["bucket"], traffic);
  assertEquals({ sent: counts.sent, received: counts.received }, { sent: 1, received: 2 });
  // Three paths down from the root, ~14 KB of nodes and entries from the other side (a full
  // root alone is 256 child hashes, 9 KB), where sending the 10,000 entries would take 350 KB.
  assert(counts.nodes <= 12, `${counts.nodes} nodes compared`);
  assert(traffic.bytes < 24 * 1024, `${traffic.bytes} bytes exchanged`);
  assertEquals(await roots(a, ["bucket"]), await roots(b, ["bucket"]));
  assertEquals((await a.store.get("bucket", sk(1234)))?.v, "newer");
  assertEquals((await b.store.get("bucket", "only/a"))?.v, "a");
});

Deno.test("sync: tombstones propagate, and win over the values they delete", async () => {
  await using a = await replica();
  await using b = await replica();
  const live = Array.from({ length: 20 }, (_, i) => reg("p", sk(i), "live"));
  await a.store.apply(live);
  await b.store.apply(live);
  await a.store.apply([reg("p", sk(3), null, 2), reg("p", sk(4), null, 2)]);
  // A deletion of a key the other side never saw travels too, so a late write cannot revive it.
  await b.store.apply([reg("p", "gone", null, 2)]);
  await sync(a, b, ["p"]);
  for (const r of [a, b]) {
    assertEquals((await r.store.get("p", sk(3)))?.v, null);
    assertEquals((await r.store.get("p", sk(4)))?.v, null);
    assertEquals(await r.store.get("p", "gone"), reg("p", "gone", null, 2));
  }
  assertEquals(await roots(a, ["p"]), await roots(b, ["p"]));
});

Deno.test("sync: a write committed just before a sync is compared, though not yet folded", async () => {
  await using a = await replica();
  await using b = await replica();
  await a.store.apply([reg("x", sk(0), "old")]);
  await b.store.apply([reg("x", sk(0), "old")]);
  await Promise.all([a.store.merkle.idle(), b.store.merkle.idle()]);
  // The updater lets rows gather before folding them; the sync must not wait for that.
  await a.store.apply([reg("x", sk(1), "new")]);
  const t = performance.now();
  const c = await syncPartition(partitionOf("x"), storeReplica(a.store), storeReplica(b.store));
  assert(performance.now() - t < 500, "the sync waited for the updater's own pace");
  assertEquals(c.sent, 1);
  assertEquals(await content(b, "x"), await content(a, "x"));
});
