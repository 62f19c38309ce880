/**
 * Repairs an operator launches (LaunchRepairOperation): each walks what this node stores and
 * fixes what a crash or a lost message left behind, as a worker whose progress ListWorkers shows.
 */
import type { Table } from "../../table/table.ts";
import type { StepResult, Worker } from "../../util/worker.ts";
import type { Model } from "../model.ts";
import { keptVersions } from "../objects/versions.ts";
import type { ObjectEntry } from "../tables/object.ts";
import type { BlockRef } from "../tables/block_ref.ts";
import type { VersionBlock } from "../tables/version.ts";

/** An upload still "uploading" after this long was cut off by a crash: nothing completes it. */
export const STALE_UPLOAD_MS = 24 * 3_600_000;
const PAGE = 200;

/** Walks one table page by page and fixes each entry that needs it. */
class TableRepair<E> implements Worker {
  #cursor?: string;
  #checked = 0;
  #fixed = 0;
  #finished = false;

  constructor(
    readonly name: string,
    readonly table: Table<E>,
    readonly fix: (e: E) => Promise<boolean>,
  ) {}

  idleMs(): number {
    return 1_000;
  }

  describe() {
    return {
      progress: `${this.#checked} entries checked, ${this.#fixed} repaired${
        this.#finished ? " (finished)" : ""
      }`,
    };
  }

  async step(): Promise<StepResult> {
    const { entries, next } = await this.table.store.page(this.#cursor, PAGE);
    for (const e of entries) {
      if (await this.fix(e)) this.#fixed++;
      this.#checked++;
    }
    this.#cursor = next;
    if (next === undefined) {
      this.#finished = true;
      return "done";
    }
    return "busy";
  }
}

const staleUploads = (e: ObjectEntry | undefined, now: number) =>
  (e?.versions ?? []).filter((v) =>
    v.state.s === "uploading" && now - v.timestamp > STALE_UPLOAD_MS
  );

/**
 * Uploads interrupted by a crash are aborted, which releases the blocks they wrote. Every
 * replica is asked first: one of them may hold the upload's completion (aborted would win).
 */
export function versionsRepair(model: Model, now = Date.now()): Worker {
  return new TableRepair<ObjectEntry>("repair versions", model.objects, async (local) => {
    if (staleUploads(local, now).length === 0) return false;
    const e = await model.objects.getEverywhere(local.bucketId, local.key);
    const stale = staleUploads(e, now);
    if (stale.length === 0) return false;
    await model.objects.insert({
      ...local,
      versions: stale.map((v) => ({ ...v, state: { s: "aborted" } })),
    });
    return true;
  });
}

/**
 * Versions a write left behind when it died (no object entry or upload part names them) are
 * released; the owner on a version's first row says where to look.
 */
export function orphanVersionsRepair(model: Model, now = Date.now()): Worker {
  return new TableRepair<VersionBlock>("repair orphan versions", model.versions, async (row) => {
    const { owner, at } = row;
    if (row.deleted || !owner || at === undefined || now - at < STALE_UPLOAD_MS) return false;
    if (owner.t === "object") {
      // A commit that failed may have reached one replica only: it must be heard too.
      const e = await model.objects.getEverywhere(owner.bucketId, owner.key);
      if (e?.versions.some((v) => v.uuid === row.version)) return false;
      // A version a newer one pushed out lives on in the history of a versioned bucket.
      for await (const h of keptVersions(model, owner.bucketId, owner.key)) {
        if (h.version.uuid === row.version) return false;
      }
    } else {
      const parts = await model.allParts(owner.uploadId);
      if (parts.some((p) => !p.deleted && p.version === row.version)) return false;
    }
    await model.releaseVersion(row.version);
    return true;
  });
}

/** A reference whose version no longer lists the block is dropped (its count goes down). */
export function blockRefsRepair(model: Model): Worker {
  return new TableRepair<BlockRef>("repair block refs", model.blockRefs, async (ref) => {
    if (ref.deleted) return false;
    for await (const row of model.versionBlocks(ref.version)) {
      if (row.hash === ref.hash) return false;
    }
    await model.blockRefs.insert({ ...ref, deleted: true });
    return true;
  });
}

/** Once a day, the repairs that find what crashes left behind run by themselves. */
export function dailyRepairs(model: Model, clock = Date.now): Worker {
  const DAY = 24 * 3_600_000;
  let last = clock();
  return {
    name: "daily repairs",
    idleMs: () => Math.max(1_000, last + DAY - clock()),
    step() {
      if (clock() - last < DAY) return Promise.resolve("idle");
      last = clock();
      model.workers.startOnce(versionsRepair(model));
      model.workers.startOnce(orphanVersionsRepair(model));
      return Promise.resolve("idle");
    },
    describe: () => ({ freeform: [`next run: ${new Date(last + DAY).toISOString()}`] }),
  };
}
