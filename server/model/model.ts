/** The store's tables and background work, wired to one node. */
import { AutoSnapshot } from "./snapshots/snapshots.ts";
import { WorkerVariables } from "./workers/worker_vars.ts";
import { type AdminTokenEntry, adminTokenSchema } from "./tables/admin_token.ts";
import { registerStatsRpc } from "./buckets/bucket_stats.ts";
import { registerSingleBlockRpc } from "./objects/single_block.ts";
import { BlockManager } from "../block/manager.ts";
import { Scrub } from "../block/scrub.ts";
import { dailyRepairs } from "./workers/repair.ts";
import { LifecycleWorker } from "./workers/lifecycle_worker.ts";
import { log } from "../util/log.ts";
import { Workers } from "../util/worker.ts";
import type { System } from "../rpc/system.ts";
import { WorkQueue } from "../table/queue.ts";
import { BufferPool } from "../util/pool.ts";
import { Semaphore } from "../util/semaphore.ts";
import type { TableSchema } from "../table/schema.ts";
import { Table } from "../table/table.ts";
import type { LocalStore } from "../table/store.ts";
import { AntiEntropy, serveReplica } from "../table/anti_entropy.ts";
import { TableGc } from "../table/gc.ts";
import { serveDeletes } from "../table/handover.ts";
import { type AliasEntry, aliasSchema, type BucketEntry, bucketSchema } from "./tables/bucket.ts";
import { type BlockRef, blockRefSchema } from "./tables/block_ref.ts";
import { type KeyEntry, keySchema } from "./tables/key.ts";
import {
  type MpuEntry,
  type MpuPart,
  mpuPartSchema,
  mpuSchema,
  RELEASE_UPLOAD,
} from "./tables/mpu.ts";
import {
  KEEP_VERSION,
  type KeptVersion,
  movedPast,
  type ObjectEntry,
  objectSchema,
  RELEASE_REPLACED,
  RELEASE_VERSION,
  type ReplacedVersion,
} from "./tables/object.ts";
import { type HistoryEntry, historySchema, slotOf } from "./tables/history.ts";
import { ObjectPages } from "./listing/object_pages.ts";
import { ListingThread } from "./listing/listing_thread.ts";
import { metadataDbPath } from "../util/config.ts";
import { type VersionBlock, type VersionOwner, versionSchema } from "./tables/version.ts";

export interface ModelOptions {
  /** How long an unreferenced block survives before deletion. */
  blockGraceMs: number;
  /** The Merkle trees' database (table/merkle_db.ts). */
  trees: Deno.Kv;
}

const PAGE = 1000;

/** Bytes of blocks that uploads may hold in memory at once, all requests together. */
const WRITE_BUDGET = 8 * 1024 * 1024;

/** Pauses before each look at whether a replaced version's replacement is on a quorum. */
const RECHECK_MS = [0, 50, 200, 500];

export class Model {
  readonly queue: WorkQueue;
  /** Permits for blocks being stored, shared by every upload so memory stays bounded. */
  readonly writeBudget: Semaphore;
  /** Block-sized buffers uploads fill, reused rather than reallocated for every block. */
  readonly blockBuffers: BufferPool;
  readonly blocks: BlockManager;
  readonly workers = new Workers();
  readonly scrub: Scrub;
  readonly lifecycle: LifecycleWorker;
  readonly workerVars: WorkerVariables;
  readonly tables: Table<unknown>[];
  readonly antiEntropy: AntiEntropy;
  readonly tableGc: TableGc;
  readonly keys: Table<KeyEntry>;
  readonly adminTokens: Table<AdminTokenEntry>;
  readonly buckets: Table<BucketEntry>;
  readonly aliases: Table<AliasEntry>;
  readonly objects: Table<ObjectEntry>;
  readonly history: Table<HistoryEntry>;
  /** The database of the tables' Merkle trees. */
  readonly trees: Deno.Kv;
  readonly objectPages: ObjectPages;
  readonly versions: Table<VersionBlock>;
  readonly blockRefs: Table<BlockRef>;
  readonly uploads: Table<MpuEntry>;
  readonly parts: Table<MpuPart>;

  constructor(readonly sys: System, opts: ModelOptions) {
    this.trees = opts.trees;
    this.queue = new WorkQueue(sys.kv);
    registerStatsRpc(sys);
    registerSingleBlockRpc(this);
    const slots = Math.max(4, Math.floor(WRITE_BUDGET / sys.config.blockSize));
    this.writeBudget = new Semaphore(slots);
    this.blockBuffers = new BufferPool(sys.config.blockSize, slots);
    const table = <E>(schema: TableSchema<E>) =>
      new Table(sys, schema, this.queue.kick, opts.trees);
    this.blocks = new BlockManager(sys, opts.blockGraceMs);
    this.keys = table(keySchema((id) => !!this.buckets.store.getCached(id, "")?.deleted));
    this.buckets = table(bucketSchema);
    this.adminTokens = table(adminTokenSchema);
    this.aliases = table(aliasSchema);
    this.objects = table(objectSchema);
    this.history = table(historySchema);
    this.objectPages = new ObjectPages(
      this.objects,
      new ListingThread(metadataDbPath(sys.config), objectSchema.name),
    );
    this.versions = table(versionSchema);
    this.blockRefs = table(blockRefSchema(opts.blockGraceMs));
    this.uploads = table(mpuSchema);
    this.parts = table(mpuPartSchema);
    this.scrub = new Scrub(this.blocks);
    this.lifecycle = new LifecycleWorker(this, sys.config.lifecycleDayMs);
    this.workerVars = new WorkerVariables(this);
    this.tables = [
      this.keys,
      this.adminTokens,
      this.buckets,
      this.aliases,
      this.objects,
      this.history,
      this.versions,
      this.blockRefs,
      this.uploads,
      this.parts,
    ] as Table<unknown>[];
    for (const t of this.tables) {
      serveReplica(t);
      serveDeletes(t);
    }
    this.tableGc = new TableGc(sys, this.tables, sys.config.tableGcDelayMs);
    this.antiEntropy = new AntiEntropy(sys, this.tables, sys.config.syncIntervalMs);
    // A peer that was away missed writes: compare with it as soon as it is back.
    sys.onPeerUp.push((peer) => {
      this.antiEntropy.request([peer]);
      this.workers.wake(this.antiEntropy.name);
    });
    sys.onLayoutChange.push(() => {
      // Data moves: pull the partitions this node now holds, fetch and hand over blocks.
      this.syncTablesNow();
      this.blocks.recheckAll().then(() => this.workers.wake(this.blocks.resync.name))
        .catch((e) => log.warn("could not queue blocks after a layout change", { error: e }));
    });
    this.queue.register(RELEASE_VERSION, (uuid) => this.releaseVersion(uuid as string));
    this.queue.register(RELEASE_REPLACED, (p) => this.releaseReplaced(p as ReplacedVersion));
    const kept = (p: unknown): HistoryEntry => {
      const { bucketId, key, version } = p as KeptVersion;
      return { bucketId, key, slot: slotOf(version), version, purged: false };
    };
    // The history shares the object table's partitions: every replica that pushes a version out
    // of an entry keeps it in its own history, in the same commit. A replica that never held the
    // version learns it by anti-entropy; a read quorum always meets one that held it.
    this.objects.store.linked = {
      kind: KEEP_VERSION,
      store: this.history.store as LocalStore<unknown>,
      adopt: kept,
    };
    this.queue.register(RELEASE_UPLOAD, (id) => this.releaseUpload(id as string));
  }

  async start(): Promise<void> {
    await Promise.all([
      this.keys.store.load(),
      this.adminTokens.store.load(),
      this.buckets.store.load(),
      this.aliases.store.load(),
    ]);
    await this.workerVars.load();
    for (const t of this.tables) t.store.merkle.start();
    this.blocks.startGc();
    this.queue.kick();
    this.workers.start(this.antiEntropy);
    this.workers.start(this.tableGc);
    this.workers.start(this.blocks.resync);
    this.workers.start(this.scrub);
    this.workers.start(dailyRepairs(this));
    this.workers.start(this.lifecycle);
    const every = this.sys.config.metadataAutoSnapshotMs;
    if (every) this.workers.start(new AutoSnapshot(this.sys.config, every));
  }

  async stop(): Promise<void> {
    this.objectPages.stop();
    this.blocks.stop();
    await this.queue.stop();
    await this.workers.stop();
    await Promise.all(this.tables.map((t) => t.store.merkle.stop()));
  }

  /** Compares every table with every replica now (the `tables` repair). */
  syncTablesNow(): void {
    this.antiEntropy.request();
    this.workers.wake(this.antiEntropy.name);
  }

  /** Every block row of a version, in part/offset order. */
  async *versionBlocks(uuid: string, start?: string): AsyncGenerator<VersionBlock> {
    let from = start;
    for (;;) {
      const rows = await this.versions.range(uuid, { start: from, limit: PAGE });
      for (const r of rows) if (!r.deleted) yield r;
      if (rows.length < PAGE) return;
      from = versionSchema.sortKey(rows[rows.length - 1]) + "\u0000";
    }
  }

  /**
   * The block rows to read a version of `size` bytes by: this node's own when they add up to
   * it, which saves the read quorum's round trip (rows never change once written but for their
   * deletion, so a complete set is the version's); else the read quorum's. A version of more
   * than a page of rows is read from the quorum: paging costs little next to its bytes.
   */
  async *blocksToRead(uuid: string, size: number): AsyncGenerator<VersionBlock> {
    const mine = await this.versions.store.range(uuid, { limit: PAGE + 1 });
    const whole = mine.length <= PAGE && mine.every((r) => !r.deleted) &&
      mine.reduce((n, r) => n + r.size, 0) === size;
    if (whole) yield* mine;
    else yield* this.versionBlocks(uuid);
  }

  /**
   * Gives version `to` the blocks of version `from` (as part `part`, whose checksum, if any,
   * goes on its first row; `owner`, if given, goes on the first row too). Returns how many
   * bytes they hold.
   */
  async shareBlocks(
    from: string,
    to: string,
    part?: number,
    partChecksum?: string,
    owner?: VersionOwner,
  ): Promise<number> {
    let batch: VersionBlock[] = [];
    let size = 0;
    const flush = async () => {
      await this.versions.insertMany(batch);
      await this.blockRefs.insertMany(
        batch.map((r) => ({ hash: r.hash, version: to, deleted: false })),
      );
      batch = [];
    };
    for await (const { owner: _, at: __, ...r } of this.versionBlocks(from)) {
      const row: VersionBlock = { ...r, version: to, part: part ?? r.part };
      if (partChecksum !== undefined && size === 0) row.partChecksum = partChecksum;
      if (owner && size === 0) Object.assign(row, { owner, at: Date.now() });
      batch.push(row);
      size += r.size;
      if (batch.length >= PAGE) await flush();
    }
    if (batch.length) await flush();
    return size;
  }

  /** Drops a version's claim on its blocks; safe to run again, e.g. after late rows. */
  async releaseVersion(uuid: string): Promise<void> {
    let from: string | undefined;
    for (;;) {
      const rows = await this.versions.range(uuid, { start: from, limit: PAGE });
      const live = rows.filter((r) => !r.deleted);
      if (live.length) {
        await this.blockRefs.insertMany(
          live.map((r) => ({ hash: r.hash, version: uuid, deleted: true })),
        );
        await this.versions.insertMany(live.map((r) => ({ ...r, deleted: true })));
      }
      if (rows.length < PAGE) return;
      from = versionSchema.sortKey(rows[rows.length - 1]) + "\u0000";
    }
  }

  /**
   * Releases a version an object write replaced, once that write is on a quorum. A write its
   * peers refused (the client heard it failed) may have landed on its writer alone; the other
   * replicas then still serve the replaced version until anti-entropy brings them the new one,
   * and releasing it meanwhile would fail their reads, or lose the object with the writer.
   * Until then this throws and the work queue tries again. Also released when no replica holds
   * the key any more (a delete whose tombstone was collected).
   */
  async releaseReplaced(r: ReplacedVersion): Promise<void> {
    const held = () => this.objects.heldByQuorum(r.bucketId, r.key, (e) => movedPast(e, r));
    let replaced = false;
    // The item is taken up as soon as the writer's own commit lands, often before its peers'.
    for (const pause of RECHECK_MS) {
      await new Promise((wake) => setTimeout(wake, pause));
      if ((replaced = await held())) break;
    }
    // The key gone everywhere is asked of every replica only when it is gone here too: a replica
    // that does not answer would hold the queue until the RPC timeout.
    replaced ||= await this.objects.store.get(r.bucketId, r.key) === undefined &&
      await this.objects.getEverywhere(r.bucketId, r.key).then((e) => e === undefined, () => false);
    if (!replaced) {
      throw new Error(
        `version ${r.uuid.slice(0, 16)} is kept until its replacement is on a quorum`,
      );
    }
    await this.releaseVersion(r.uuid);
  }

  async releaseUpload(uploadId: string): Promise<void> {
    for (const p of await this.allParts(uploadId)) {
      await this.releaseVersion(p.version);
      if (!p.deleted) await this.parts.insert({ ...p, deleted: true });
    }
  }

  /** Entries and tombstones awaiting collection of each table on this node. */
  tableCounts(): Promise<Array<{ name: string; entries: number; gcTodo: number }>> {
    return Promise.all(this.tables.map(async (t) => ({ name: t.name, ...await t.store.counts() })));
  }

  /** Every part row of an upload, re-uploads included. */
  async allParts(uploadId: string): Promise<MpuPart[]> {
    const out: MpuPart[] = [];
    let from: string | undefined;
    for (;;) {
      const rows = await this.parts.range(uploadId, { start: from, limit: PAGE });
      out.push(...rows);
      if (rows.length < PAGE) return out;
      from = mpuPartSchema.sortKey(rows[rows.length - 1]) + "\u0000";
    }
  }
}
