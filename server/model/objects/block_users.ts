/**
 * Who uses a block, and purging a block that is lost for good: GetBlockInfo and PurgeBlocks.
 * A block's references name versions; a version's first row names its owner (an object, or a
 * multipart upload), so a block leads to the objects and uploads that need it.
 */
import { readRc } from "../../block/rc.ts";
import { lastComplete, type ObjectVersion, versionIdOf } from "../tables/object.ts";
import { type MpuEntry, mpuSortKey } from "../tables/mpu.ts";
import type { VersionOwner } from "../tables/version.ts";
import type { Model } from "../model.ts";
import { ModelError } from "../errors.ts";
import { checkDeletable, deleteVersion, keptVersions, mergedSettings } from "./versions.ts";
import { abortUpload } from "./uploads.ts";

export interface BlockUser {
  /** The version's uuid. */
  version: string;
  refDeleted: boolean;
  /** Every row of the version is deleted. */
  versionDeleted: boolean;
  /** No row of the version is left at all. */
  garbageCollected: boolean;
  owner: VersionOwner | null;
  /** For an upload: whether it was aborted or completed, or is gone. */
  upload?: { deleted: boolean; gone: boolean };
}

export interface BlockInfo {
  hash: string;
  /** References this node counts (it holds them when the block's partition is its). */
  refcount: number;
  storedHere: boolean;
  /** The nodes that hold the block's partition in a live layout version. */
  nodes: string[];
  users: BlockUser[];
}

const PAGE = 1000;

async function refsOf(model: Model, hash: string) {
  return await model.blockRefs.range(hash, { limit: PAGE });
}

async function uploadOf(model: Model, owner: VersionOwner): Promise<MpuEntry | undefined> {
  if (owner.t !== "upload" || !owner.bucketId || owner.key === undefined) return undefined;
  return await model.uploads.get(owner.bucketId, mpuSortKey(owner.key, owner.uploadId));
}

export async function blockInfo(model: Model, hash: string): Promise<BlockInfo> {
  const users: BlockUser[] = [];
  for (const ref of await refsOf(model, hash)) {
    const rows = await model.versions.range(ref.version, { limit: PAGE });
    const owner = rows.find((r) => r.owner)?.owner ?? null;
    const user: BlockUser = {
      version: ref.version,
      refDeleted: ref.deleted,
      versionDeleted: rows.length > 0 && rows.every((r) => r.deleted),
      garbageCollected: rows.length === 0,
      owner,
    };
    if (owner?.t === "upload") {
      const u = await uploadOf(model, owner);
      user.upload = { deleted: u?.deleted ?? false, gone: !u };
    }
    users.push(user);
  }
  const sys = model.sys;
  return {
    hash,
    refcount: Number(await readRc(sys.kv, hash)),
    storedHere: await model.blocks.store.exists(hash),
    nodes: [...new Set(sys.writeSetsForKey(hash).flat())],
    users,
  };
}

export interface PurgeCounts {
  blocksPurged: number;
  objectsDeleted: number;
  uploadsDeleted: number;
  versionsDeleted: number;
  blockRefsPurged: number;
  /** Versions under retention or a legal hold: their record stays (Remise). */
  versionsKept: number;
}

/** The object version with this uuid, current or kept in the history. */
async function objectVersion(
  model: Model,
  bucketId: string,
  key: string,
  uuid: string,
): Promise<ObjectVersion | undefined> {
  const entry = await model.objects.get(bucketId, key);
  const inEntry = entry?.versions.find((v) => v.uuid === uuid && v.state.s === "complete");
  if (inEntry) return inEntry;
  for await (const h of keptVersions(model, bucketId, key)) {
    if (h.version.uuid === uuid && !h.purged) return h.version;
  }
  return undefined;
}

/**
 * Forgets blocks that are lost for good: every object version that needs one is deleted (unless
 * object lock keeps it), every upload that needs one is aborted, and the references go.
 */
export async function purgeBlocks(model: Model, hashes: string[]): Promise<PurgeCounts> {
  const c: PurgeCounts = {
    blocksPurged: 0,
    objectsDeleted: 0,
    uploadsDeleted: 0,
    versionsDeleted: 0,
    blockRefsPurged: 0,
    versionsKept: 0,
  };
  const objects = new Set<string>();
  for (const hash of hashes) {
    for (const ref of await refsOf(model, hash)) {
      if (ref.deleted) continue;
      const rows = await model.versions.range(ref.version, { limit: 1 });
      const owner = rows[0]?.owner;
      if (owner?.t === "object") {
        const v = await objectVersion(model, owner.bucketId, owner.key, ref.version);
        if (v) {
          try {
            checkDeletable(await mergedSettings(model, owner.bucketId, owner.key, v), false);
            await deleteVersion(model, owner.bucketId, owner.key, versionIdOf(v));
          } catch (e) {
            if (!(e instanceof ModelError && e.kind === "locked")) throw e;
            c.versionsKept++;
            continue;
          }
          c.versionsDeleted++;
          const left = await model.objects.get(owner.bucketId, owner.key);
          if (!left || !lastComplete(left)) objects.add(`${owner.bucketId}/${owner.key}`);
        }
      } else if (owner?.t === "upload") {
        const u = await uploadOf(model, owner);
        if (u && !u.deleted) {
          await abortUpload(model, u);
          c.uploadsDeleted++;
        }
      }
      await model.blockRefs.insert({ ...ref, deleted: true });
      c.blockRefsPurged++;
    }
    c.blocksPurged++;
  }
  c.objectsDeleted = objects.size;
  return c;
}
