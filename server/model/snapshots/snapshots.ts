/**
 * Metadata snapshots (CreateMetadataSnapshot, `remise meta snapshot`): a consistent copy of the
 * node's database next to it, with the node's identity files, the newest few kept. Restoring
 * one (docs/operations.md) brings a node back to that moment; anti-entropy then brings it up to
 * date from its peers.
 */
import { join } from "node:path";
import { type Config, metadataDbPath } from "../../util/config.ts";
import type { StepResult, Worker } from "../../util/worker.ts";
import { copyDatabase } from "./copy.ts";
import { DB_PAGE_SIZE } from "./page_size.ts";
import { newGeneration } from "../../table/merkle_db.ts";

/** The files of metadata_dir a node needs besides its database. */
export const IDENTITY_FILES = ["node_key", "admin_token"];
export const SNAPSHOT_DB = "db.sqlite";

export interface Snapshot {
  path: string;
  created: string;
  bytes: number;
}

/** Snapshot directories, oldest first (their names are their UTC times, so they sort). */
export async function listSnapshots(config: Config): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(config.metadataSnapshotsDir)) {
      if (e.isDirectory && /^\d{4}-\d{2}-\d{2}T/.test(e.name)) names.push(e.name);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return names.sort().map((n) => join(config.metadataSnapshotsDir, n));
}

export async function createSnapshot(config: Config): Promise<Snapshot> {
  const now = new Date();
  const created = now.toISOString();
  const dir = join(config.metadataSnapshotsDir, created.replace(/[:.]/g, "-"));
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  try {
    const target = join(dir, SNAPSHOT_DB);
    // Written with the pages a new database has: restoring one converts an older database.
    await copyDatabase(metadataDbPath(config), target, { pageSize: DB_PAGE_SIZE, readOnly: true });
    // The trees are not copied: put back, the snapshot's entries have theirs rebuilt.
    const copy = await Deno.openKv(target);
    try {
      await newGeneration(copy);
    } finally {
      copy.close();
    }
    for (const f of IDENTITY_FILES) {
      try {
        await Deno.copyFile(join(config.metadataDir, f), join(dir, f));
        await Deno.chmod(join(dir, f), 0o600);
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
    }
    const bytes = (await Deno.stat(target)).size;
    const all = await listSnapshots(config);
    for (const old of all.slice(0, Math.max(0, all.length - config.metadataSnapshotsKeep))) {
      await Deno.remove(old, { recursive: true });
    }
    return { path: dir, created, bytes };
  } catch (e) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw e;
  }
}

/** Takes a snapshot every `metadata_auto_snapshot_interval`. */
export class AutoSnapshot implements Worker {
  readonly name = "metadata snapshot";
  #last: Snapshot | null = null;
  #due: number;

  constructor(readonly config: Config, readonly intervalMs: number) {
    this.#due = Date.now() + intervalMs;
  }

  idleMs(): number {
    return Math.max(1000, this.#due - Date.now());
  }

  describe() {
    return {
      freeform: [
        `every ${Math.round(this.intervalMs / 60_000)} min; last: ${
          this.#last ? `${this.#last.created} (${this.#last.bytes} bytes)` : "none yet"
        }`,
      ],
    };
  }

  async step(): Promise<StepResult> {
    if (Date.now() < this.#due) return "idle";
    this.#due = Date.now() + this.intervalMs;
    this.#last = await createSnapshot(this.config);
    return "idle";
  }
}

/**
 * Puts a snapshot in place of the node's database (the node stopped): the database files in
 * use are moved aside to `replaced-<time>/` in metadata_dir, never deleted; identity files are
 * copied only where the node has none. Answers where the replaced files went.
 */
export async function restoreSnapshot(config: Config, snapshot: string): Promise<string> {
  const source = join(snapshot, SNAPSHOT_DB);
  await Deno.stat(source).catch(() => {
    throw new Error(`${snapshot} holds no ${SNAPSHOT_DB}: it is not a metadata snapshot`);
  });
  const db = metadataDbPath(config);
  const aside = join(
    config.metadataDir,
    `replaced-${new Date().toISOString().replace(/[:.]/g, "-")}`,
  );
  await Deno.mkdir(aside, { recursive: true, mode: 0o700 });
  for (const suffix of ["", "-wal", "-shm"]) {
    try {
      await Deno.rename(db + suffix, join(aside, SNAPSHOT_DB + suffix));
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  await Deno.copyFile(source, db);
  for (const f of IDENTITY_FILES) {
    const target = join(config.metadataDir, f);
    const exists = await Deno.stat(target).then(() => true, () => false);
    if (exists) continue;
    try {
      await Deno.copyFile(join(snapshot, f), target);
      await Deno.chmod(target, 0o600);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  return aside;
}
