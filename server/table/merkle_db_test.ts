import { assert, assertEquals } from "../../tests/assert.ts";
import { hex, partitionOf } from "../util/ids.ts";
import { GENERATION, newGeneration, openTrees } from "./merkle_db.ts";
import { LocalStore } from "./store.ts";
import { type Reg, reg, regSchema } from "./testing.ts";

const PKS = ["photos", "backups", "site"];

async function rows(kv: Deno.Kv, prefix: Deno.KvKey): Promise<number> {
  let n = 0;
  for await (const _ of kv.list({ prefix })) n++;
  return n;
}

/** The root of each test partition once the updater has folded every todo row. */
async function roots(kv: Deno.Kv, trees: Deno.Kv): Promise<string[]> {
  const store = new LocalStore<Reg>(kv, regSchema, undefined, trees);
  store.merkle.start();
  try {
    await store.merkle.idle();
    return await Promise.all(PKS.map(async (pk) => hex(await store.merkle.root(partitionOf(pk)))));
  } finally {
    await store.merkle.stop();
  }
}

/**
 * A node's database as a version before the trees' own file left it: entries and trees in one
 * Deno KV file. Returns the roots its trees had.
 */
async function oldLayout(path: string): Promise<string[]> {
  const kv = await Deno.openKv(path);
  try {
    const store = new LocalStore<Reg>(kv, regSchema, undefined, kv);
    for (const pk of PKS) {
      await store.apply(Array.from({ length: 300 }, (_, i) => reg(pk, `k${i}`, `v${i}`)));
    }
    await store.apply([reg("site", "k7", null, 2)]);
    const before = await roots(kv, kv);
    assert((await rows(kv, ["mn"])) > 0);
    return before;
  } finally {
    kv.close();
  }
}

/** A node's two databases in `dir`, the trees opened as a node start opens them. */
async function databases(dir: string) {
  const kv = await Deno.openKv(`${dir}/db.sqlite`);
  const open = () => openTrees(`${dir}/merkle.sqlite`, kv);
  const db = {
    kv,
    trees: await open(),
    /** Closes the trees and opens them again, as a restart does (`meanwhile`: while down). */
    async restart(meanwhile?: () => Promise<void>) {
      db.trees.close();
      await meanwhile?.();
      db.trees = await open();
    },
    [Symbol.asyncDispose]() {
      db.trees.close();
      kv.close();
      return Promise.resolve();
    },
  };
  return db;
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "remise-trees-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("trees kept among the entries move to their own database, once", () =>
  withDir(async (dir) => {
    const before = await oldLayout(`${dir}/db.sqlite`);
    await using db = await databases(dir);
    assertEquals(await rows(db.kv, ["mn"]), 0, "no tree node is left among the entries");
    assertEquals(await rows(db.kv, ["mt"]), 0, "moved, not rebuilt");
    assertEquals(await roots(db.kv, db.trees), before);
    const generation = (await db.kv.get(GENERATION)).value;
    assert(generation !== null);
    assertEquals((await db.trees.get(GENERATION)).value, generation);

    // Opened again, the trees are kept as they are.
    await db.trees.set(["mark"], 1);
    await db.restart();
    assertEquals((await db.trees.get(["mark"])).value, 1);
    assertEquals(await rows(db.kv, ["mt"]), 0);
  }));

Deno.test("a move cut short by a crash is made again whole, or finished", () =>
  withDir(async (dir) => {
    const before = await oldLayout(`${dir}/db.sqlite`);
    // Cut before the generation was set: some nodes copied, the entries' database untouched.
    const partial = await Deno.openKv(`${dir}/merkle.sqlite`);
    const old = await Deno.openKv(`${dir}/db.sqlite`);
    for await (const e of old.list({ prefix: ["mn"] }, { limit: 5 })) {
      await partial.set(e.key, e.value);
    }
    await partial.set(["mn", "regs", 0, new Uint8Array([9])], new Uint8Array([1, 2, 3]));
    partial.close();
    old.close();

    await using db = await databases(dir);
    assertEquals(await rows(db.trees, ["mn", "regs", 0, new Uint8Array([9])]), 0, "stray node");
    assertEquals(await roots(db.kv, db.trees), before);

    // Cut after the generation was set, before the old nodes were all removed.
    await db.kv.set(["mn", "regs", 1, new Uint8Array([4])], new Uint8Array([5]));
    await db.restart();
    assertEquals(await rows(db.kv, ["mn"]), 0);
    assertEquals(await roots(db.kv, db.trees), before);
  }));

Deno.test("trees that are not their entries' are dropped and folded again", () =>
  withDir(async (dir) => {
    const before = await oldLayout(`${dir}/db.sqlite`);
    await using db = await databases(dir);
    // A snapshot of the entries' database is given a generation of its own; put back, it
    // meets trees newer than its entries (here: a stray node stands for them).
    await db.trees.set(["mn", "regs", 0, new Uint8Array([9])], new Uint8Array([1]));
    await newGeneration(db.kv);
    await db.restart();
    assertEquals(await rows(db.trees, ["mn"]), 0, "the trees start empty");
    assertEquals(await rows(db.kv, ["mt"]), 3 * 300, "a todo row per entry, tombstone included");
    assertEquals(await roots(db.kv, db.trees), before);
    assertEquals((await db.trees.get(GENERATION)).value, (await db.kv.get(GENERATION)).value);
  }));

Deno.test("a trees' database that cannot be read is rebuilt", () =>
  withDir(async (dir) => {
    const before = await oldLayout(`${dir}/db.sqlite`);
    await using db = await databases(dir);
    await db.restart(async () => {
      await Deno.writeFile(`${dir}/merkle.sqlite`, new Uint8Array(8192).fill(0x5a));
      await Deno.remove(`${dir}/merkle.sqlite-wal`).catch(() => {});
    });
    assertEquals(await roots(db.kv, db.trees), before);
  }));
