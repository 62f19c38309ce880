/**
 * The Merkle trees' own database, beside the node's (metadata_dir/merkle.sqlite). A fold
 * rewrites tree nodes at random places: among the entries, in 16 KiB pages (which a 1 KiB
 * object needs, see model/snapshots/page_size.ts), each such node cost a whole page in the
 * write-ahead log and again at the checkpoint, and every fold's commit queued on the one SQLite
 * thread that also commits the entries. Here pages are SQLite's default 4 KiB, and the two
 * databases commit side by side.
 *
 * Trees follow from the entries alone, so this database is never restored, only rebuilt. Both
 * databases hold one generation; trees whose generation is not their entries' (a snapshot put
 * back, this file lost, damaged or from elsewhere) are dropped, and a todo row per entry folds
 * them again. A database from before this file kept its trees among its entries: they are
 * copied here once, and only then removed there.
 */
import { log } from "../util/log.ts";
import { Commits } from "./kv_commits.ts";
import { merkleTodo, todoKey } from "./merkle.ts";

/** Both databases: the generation of the trees the entries' database goes with. */
export const GENERATION: Deno.KvKey = ["mg"];
const NODES = "mn";
const ENTRIES = "t";
const PROGRESS_MS = 5000;

/** Opens the trees of the entries in `kv`, the database at `path`, made to match them first. */
export async function openTrees(path: string, kv: Deno.Kv): Promise<Deno.Kv> {
  const ours = (await kv.get<string>(GENERATION)).value;
  let trees = await openOrReplace(path);
  const theirs = (await trees.get<string>(GENERATION)).value;
  if (ours === null || theirs !== ours) {
    trees = await replace(path, trees);
    const generation = ours ?? crypto.randomUUID();
    if (ours === null && await holds(kv, [NODES])) await copyNodes(kv, trees);
    else await refold(kv);
    await trees.set(GENERATION, generation);
    if (ours === null) await kv.set(GENERATION, generation);
  }
  // Left by a move that stopped after the generation was set: the trees here hold them.
  await removeNodes(kv);
  return trees;
}

/** A database whose trees do not match it is given a generation of its own (snapshots). */
export async function newGeneration(kv: Deno.Kv): Promise<void> {
  await kv.set(GENERATION, crypto.randomUUID());
}

async function openOrReplace(path: string): Promise<Deno.Kv> {
  let kv: Deno.Kv | undefined;
  try {
    kv = await Deno.openKv(path);
    await kv.get(GENERATION);
    return kv;
  } catch (e) {
    log.warn("the Merkle trees' database cannot be read; it is rebuilt", { path, error: e });
    return replace(path, kv);
  }
}

/** An empty database in place of the one at `path`. */
async function replace(path: string, kv?: Deno.Kv): Promise<Deno.Kv> {
  kv?.close();
  for (const suffix of ["", "-wal", "-shm"]) {
    await Deno.remove(path + suffix).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    });
  }
  return await Deno.openKv(path);
}

async function holds(kv: Deno.Kv, prefix: Deno.KvKey): Promise<boolean> {
  for await (const _ of kv.list({ prefix }, { limit: 1 })) return true;
  return false;
}

/** Logs how far a pass over many rows got, every few seconds. */
function progress(what: string): { row(): void; done(): void } {
  const started = Date.now();
  let rows = 0;
  let said = started;
  return {
    row() {
      rows++;
      if (Date.now() - said < PROGRESS_MS) return;
      said = Date.now();
      log.info(what, { rows, seconds: Math.round((said - started) / 1000) });
    },
    done() {
      if (rows) log.info(`${what}: done`, { rows, ms: Date.now() - started });
    },
  };
}

/** Copies the trees kept among the entries (by a version before this file). */
async function copyNodes(kv: Deno.Kv, trees: Deno.Kv): Promise<void> {
  const p = progress("moving the Merkle trees to their own database");
  const out = new Commits(trees);
  for await (const e of kv.list<Uint8Array>({ prefix: [NODES] })) {
    await out.add(e.key, (op) => op.set(e.key, e.value), e.value.length);
    p.row();
  }
  await out.flush();
  p.done();
}

async function removeNodes(kv: Deno.Kv): Promise<void> {
  if (!await holds(kv, [NODES])) return;
  const out = new Commits(kv);
  for await (const e of kv.list({ prefix: [NODES] })) {
    await out.add(e.key, (op) => op.delete(e.key));
  }
  await out.flush();
}

/** A todo row for every entry: the updater folds the trees again from them. */
async function refold(kv: Deno.Kv): Promise<void> {
  const p = progress("rebuilding the Merkle trees from the entries");
  const out = new Commits(kv);
  for await (const e of kv.list<Uint8Array>({ prefix: [ENTRIES] })) {
    // Sized as the row merkleTodo writes (a number's size does not depend on it); a hash.
    await out.add(todoKey(e.key, 0), (op) => merkleTodo(op, e.key, e.value), 32);
    p.row();
  }
  await out.flush();
  p.done();
}
