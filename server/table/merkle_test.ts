import { assert, assertEquals } from "../../tests/assert.ts";
import { hex, partitionOf } from "../util/ids.ts";
import { sameBytes } from "../util/order.ts";
import { merkleTodo } from "./merkle.ts";
import { childPrefix, isInner, keyHash, nodeHash, ROOT, sha256 } from "./merkle_node.ts";
import { reg, type Replica, replica, roots } from "./testing.ts";

const sk = (i: number) => `key/${String(i).padStart(5, "0")}`;

/** What the tree of a partition must hold: each stored entry, with the hash of its bytes. */
async function storedLeaves(r: Replica, partition: number): Promise<string[]> {
  const out: string[] = [];
  for await (const e of r.kv.list<Uint8Array>({ prefix: ["t", "regs", partition] })) {
    const [, , , pk, sk] = e.key as string[];
    out.push(`${pk} ${sk} ${hex(sha256(e.value))}`);
  }
  return out.sort();
}

/**
 * What it does hold, checking its shape on the way: each child's hash listed in its parent,
 * each leaf where its key hash leads, no inner node with less than two entries below it.
 */
async function treeLeaves(r: Replica, partition: number, prefix = ROOT): Promise<string[]> {
  const [node] = await r.store.merkle.nodes(partition, [prefix]);
  if (node === null) return [];
  if (!isInner(node)) {
    assert(sameBytes(keyHash(node.pk, node.sk).subarray(0, prefix.length), prefix));
    return [`${node.pk} ${node.sk} ${hex(node.hash)}`];
  }
  const out: string[] = [];
  for (const [byte, hash] of node.children) {
    const at = childPrefix(prefix, byte);
    const [child] = await r.store.merkle.nodes(partition, [at]);
    assert(child !== null && sameBytes(nodeHash(child), hash), `child ${hex(at)} hash`);
    assert(node.children.length > 1 || isInner(child), `lone leaf below ${hex(prefix)}`);
    out.push(...await treeLeaves(r, partition, at));
  }
  return out.sort();
}

Deno.test("merkle: the tree holds each stored entry, whatever writes race with the updater", async () => {
  await using r = await replica();
  // Many overlapping writes at once, while the updater folds those already committed.
  await Promise.all(
    Array.from({ length: 40 }, (_, w) =>
      r.store.apply(Array.from({ length: 100 }, (_, i) => {
        const n = (w * 37 + i * 11) % 1500;
        return reg(n % 3 ? "big" : `small${n % 7}`, sk(n), `v${w}`, w);
      }))),
  );
  await r.store.merkle.idle();
  const partitions = new Set(
    ["big", ...Array.from({ length: 7 }, (_, i) => `small${i}`)].map(partitionOf),
  );
  for (const p of partitions) assertEquals(await treeLeaves(r, p), await storedLeaves(r, p));
  assertEquals(await Array.fromAsync(r.kv.list({ prefix: ["mt"] })), [], "todo rows all folded");
});

Deno.test("merkle: equal contents give equal roots, whatever order writes and merges came in", async () => {
  const pks = ["a", "b", "c", "d"];
  const final = pks.flatMap((pk) =>
    Array.from({ length: 300 }, (_, i) => reg(pk, sk(i), `${pk}${i}`, 2))
  );
  await using a = await replica();
  for (let i = 0; i < final.length; i += 50) await a.store.apply(final.slice(i, i + 50));
  // The other gets them backwards, older values first, while its updater is off: it folds
  // them when started, as after a restart.
  await using b = await replica({ updating: false });
  const reversed = [...final].reverse();
  await b.store.apply(reversed.map((e) => ({ ...e, t: 1, v: "old" })));
  await Promise.all(reversed.map((e) => b.store.apply([e])));
  await b.store.apply(final.map((e) => ({ ...e, t: 1, v: "older, merged away" })));
  b.store.merkle.start();
  assertEquals(await roots(b, pks), await roots(a, pks));

  await b.store.apply([reg("c", sk(7), "changed", 3)]);
  const [ra, rb] = [await roots(a, pks), await roots(b, pks)];
  assertEquals(ra.map((h, i) => h === rb[i]), pks.map((pk) => pk !== "c"));
});

Deno.test("merkle: a write racing with the updater is not lost", async () => {
  // A KV whose next atomic commit is preceded, once, by a write of the test's.
  let before: (() => Promise<void>) | undefined;
  const racing = (kv: Deno.Kv) =>
    new Proxy(kv, {
      get(target, prop) {
        if (prop === "atomic" && before) {
          const write = before;
          before = undefined;
          const op = target.atomic();
          const commit = op.commit.bind(op);
          op.commit = async () => {
            await write();
            return await commit();
          };
          return () => op;
        }
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  await using r = await replica({ updating: false, wrap: racing });
  const p = partitionOf("p");
  await r.store.apply(Array.from({ length: 50 }, (_, i) => reg("p", sk(i), "first")));
  // The updater reads the 50 todo rows; before it commits, entry 7 is written again: its row
  // changes under it, and must survive the commit to be folded next.
  before = () => r.store.apply([reg("p", sk(7), "second", 2)]);
  r.store.merkle.start();
  await r.store.merkle.idle();
  assertEquals(before, undefined, "the racing write happened");
  assertEquals(await treeLeaves(r, p), await storedLeaves(r, p));
  await using fresh = await replica();
  await fresh.store.apply([
    ...Array.from({ length: 50 }, (_, i) => reg("p", sk(i), "first")),
    reg("p", sk(7), "second", 2),
  ]);
  assertEquals(await roots(r, ["p"]), await roots(fresh, ["p"]));
});

Deno.test("merkle: an entry deleted (as tombstone GC will) leaves the tree as if never written", async () => {
  await using r = await replica();
  const all = Array.from({ length: 600 }, (_, i) => reg("p", sk(i), "v"));
  await r.store.apply(all);
  await r.store.merkle.idle();
  // Deleting most entries collapses inner nodes back into leaves, level after level.
  for (let i = 0; i < 590; i += 10) {
    const op = r.kv.atomic();
    for (let j = i; j < i + 10; j++) {
      op.delete(r.store.keyOf("p", sk(j)));
      merkleTodo(op, r.store.keyOf("p", sk(j)), undefined);
    }
    await op.commit();
  }
  await using fresh = await replica();
  await fresh.store.apply(all.slice(590));
  assertEquals(await roots(r, ["p"]), await roots(fresh, ["p"]));
  assertEquals(await treeLeaves(r, partitionOf("p")), await storedLeaves(r, partitionOf("p")));
});

Deno.test("merkle: an updater stopped and started again folds what was written meanwhile", async () => {
  await using r = await replica();
  await r.store.apply([reg("p", sk(0), "before the stop")]);
  await r.store.merkle.stop();
  await r.store.apply([reg("p", sk(1), "while stopped")]);
  r.store.merkle.start();
  await r.store.merkle.idle();
  assertEquals(await treeLeaves(r, partitionOf("p")), await storedLeaves(r, partitionOf("p")));
});

for (
  const [failing, database] of [["wrapTrees", "the trees'"], ["wrap", "the entries'"]] as const
) {
  Deno.test(`merkle: a fold whose commit to ${database} database failed is folded again`, async () => {
    let fail = false;
    const wrap = (kv: Deno.Kv) =>
      new Proxy(kv, {
        get(target, prop) {
          if (prop === "atomic" && fail) {
            fail = false;
            const op = target.atomic();
            op.commit = () => Promise.reject(new Error("disk I/O error"));
            return () => op;
          }
          const value = Reflect.get(target, prop);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
    await using r = await replica({ [failing]: wrap });
    const p = partitionOf("p");
    // Past its first scan of KV, the updater folds the rows its process noted, from memory.
    await r.store.apply([reg("p", sk(99), "v")]);
    await r.store.merkle.flush();
    await r.store.apply(Array.from({ length: 20 }, (_, i) => reg("p", sk(i), "v")));
    // The next commit there is the updater's: it fails (the nodes' commit, or the deletion of
    // the rows the nodes already hold), and the rows it folded exist only in KV now.
    fail = true;
    await r.store.merkle.flush();
    assertEquals(fail, false, "the fold's commit failed");
    // Written again meanwhile: the retry folds each entry's rows in the order they were written.
    await r.store.apply([reg("p", sk(3), "w", 2)]);
    await r.store.merkle.flush();
    assertEquals(await treeLeaves(r, p), await storedLeaves(r, p));
    assertEquals(await r.kv.list({ prefix: ["mt"] }).next(), { done: true, value: undefined });
  });
}

Deno.test("merkle: a fold too large for one commit is committed in parts, each read once", async () => {
  // Counts, while watching, the updater's commits and the tree nodes read again before the
  // next commit: a part that does not fit is folded again smaller, from what was read.
  let watching = false;
  let commits = 0;
  let reread = 0;
  let read = new Set<string>();
  const counting = (kv: Deno.Kv) =>
    new Proxy(kv, {
      get(target, prop) {
        if (watching && prop === "getMany") {
          return (keys: Deno.KvKey[], ...rest: []) => {
            for (const key of keys) {
              const id = key.map((k) => k instanceof Uint8Array ? hex(k) : String(k)).join("/");
              if (read.has(id)) reread++;
              read.add(id);
            }
            return target.getMany(keys, ...rest);
          };
        }
        if (watching && prop === "atomic") {
          return () => {
            const op = target.atomic();
            const commit = op.commit.bind(op);
            op.commit = async () => {
              const done = await commit();
              commits++;
              read = new Set();
              return done;
            };
            return op;
          };
        }
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  await using r = await replica({ wrapTrees: counting });
  // 30,000 entries: first-level nodes of about 110 children (4 KB). 600 rows then fall under
  // nearly every one of them, more than one commit holds.
  for (let i = 0; i < 30_000; i += 1000) {
    await r.store.apply(Array.from({ length: 1000 }, (_, j) => reg("p", sk(i + j), "v")));
  }
  await r.store.merkle.idle();
  await r.store.merkle.stop();
  await r.store.apply(Array.from({ length: 600 }, (_, i) => reg("p", sk(i * 50), "w", 2)));
  watching = true;
  r.store.merkle.start();
  await r.store.merkle.idle();
  watching = false;
  assert(commits >= 2, `the fold took ${commits} commit(s)`);
  assertEquals(reread, 0, "nodes read again within a part");
  await using fresh = await replica();
  for (let i = 0; i < 30_000; i += 1000) {
    await fresh.store.apply(
      Array.from(
        { length: 1000 },
        (_, j) => (i + j) % 50 ? reg("p", sk(i + j), "v") : reg("p", sk(i + j), "w", 2),
      ),
    );
  }
  assertEquals(await roots(r, ["p"]), await roots(fresh, ["p"]));
});
