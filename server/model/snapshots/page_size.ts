/**
 * The page size of the node's database. With SQLite's default 4 KiB pages, a row above ~1 KB
 * (an object entry with its inline bytes) spills into an overflow page of its own: 5.1 KB on
 * disk per 1 KiB object. With 16 KiB pages such rows stay in their leaf (2.1 KB per object).
 * New databases are made with large pages; one made before is rewritten once, at start, and
 * snapshots are written with them too.
 */
import { DatabaseSync } from "node:sqlite";
import { dirname } from "node:path";
import { log } from "../../util/log.ts";
import { copyDatabase } from "./copy.ts";

/** REMISE_DB_PAGE_SIZE is there for measurements. */
export const DB_PAGE_SIZE = Number(Deno.env.get("REMISE_DB_PAGE_SIZE") ?? 16384);

/** How often a conversion says how far it got. */
const PROGRESS_MS = 5000;

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

/** Creates the database file with DB_PAGE_SIZE pages; Deno KV then makes its tables in it. */
export async function createDatabase(path: string): Promise<void> {
  if (await exists(path)) return;
  const db = new DatabaseSync(path);
  try {
    db.exec(`PRAGMA page_size = ${DB_PAGE_SIZE}`);
    // The page size holds once the first table is written.
    db.exec("CREATE TABLE remise_page_size (x); DROP TABLE remise_page_size;");
  } finally {
    db.close();
  }
}

export function pageSizeOf(path: string): number {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return Number((db.prepare("PRAGMA page_size").get() as { page_size: number }).page_size);
  } finally {
    db.close();
  }
}

/** Makes a rename in `dir` durable (where the file system needs it: ext4 does not). */
async function syncDir(dir: string): Promise<void> {
  const d = await Deno.open(dir, { read: true });
  try {
    await d.sync();
  } finally {
    d.close();
  }
}

/** Where a conversion writes the new database before it takes the old one's place. */
export function conversionPath(path: string): string {
  return `${path}.pages`;
}

export interface Conversion {
  from: number;
  to: number;
  bytesBefore: number;
  bytesAfter: number;
  ms: number;
}

/**
 * Rewrites a database made with smaller pages than DB_PAGE_SIZE (the node not running), and
 * answers what it did, or undefined if there was nothing to do. The new database is written
 * beside the old one, synced, then renamed over it: a crash at any point leaves one or the
 * other whole, and what a crash left half-written is removed on the next start.
 */
export async function convertPageSize(path: string): Promise<Conversion | undefined> {
  const target = conversionPath(path);
  await Deno.remove(target).catch(() => {});
  if (!(await exists(path))) return undefined;
  const from = pageSizeOf(path);
  if (from >= DB_PAGE_SIZE) return undefined;
  // Everything in the write-ahead log goes into the file first: once the new file is in
  // place, a log left beside it would be read as the new file's.
  const db = new DatabaseSync(path);
  try {
    const r = db.prepare("PRAGMA wal_checkpoint(TRUNCATE)").get() as { busy: number };
    if (r.busy) throw new Error("the database is in use by another process");
  } finally {
    db.close();
  }
  const bytesBefore = (await Deno.stat(path)).size;
  const started = Date.now();
  log.info("rewriting the metadata database with larger pages (once)", {
    path,
    from,
    to: DB_PAGE_SIZE,
    bytes: bytesBefore,
  });
  const progress = setInterval(async () => {
    const written = await Deno.stat(target).then((s) => s.size, () => 0);
    log.info("rewriting the metadata database", {
      written,
      of: bytesBefore,
      seconds: Math.round((Date.now() - started) / 1000),
    });
  }, PROGRESS_MS);
  try {
    await copyDatabase(path, target, { pageSize: DB_PAGE_SIZE, readOnly: false });
    const file = await Deno.open(target, { read: true, write: true });
    try {
      await file.sync();
    } finally {
      file.close();
    }
    const wal = await Deno.stat(`${path}-wal`).then((s) => s.size, () => 0);
    if (wal > 0) throw new Error("the database was written to while it was being rewritten");
    await Deno.rename(target, path);
    await syncDir(dirname(path));
  } catch (e) {
    await Deno.remove(target).catch(() => {});
    throw e;
  } finally {
    clearInterval(progress);
  }
  const bytesAfter = (await Deno.stat(path)).size;
  const conversion = { from, to: DB_PAGE_SIZE, bytesBefore, bytesAfter, ms: Date.now() - started };
  log.info("metadata database rewritten", { ...conversion });
  return conversion;
}
