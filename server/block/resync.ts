/**
 * The block resync queue: a node fetches the blocks it should hold and lacks, and hands over
 * the blocks it no longer should hold once their holders have them. Entries are due at a time;
 * failures are retried with back-off and listed (ListBlockErrors).
 */
import { BLOCK } from "./endpoints.ts";
import { Priority } from "../rpc/rpc.ts";
import { settleEach } from "../util/settle.ts";
import type { StepResult, Worker } from "../util/worker.ts";
import type { BlockManager } from "./manager.ts";
import { readRc, RESYNC_PREFIX, resyncKey } from "./rc.ts";

const ERROR_PREFIX = "block_error";
const BATCH = 32;
/**
 * Blocks checked at once. One at a time, a removed node handed its blocks over at ~75/s, each
 * waiting for its round trips; a few at once keep the link busy without crowding out requests
 * (the calls go at background priority).
 */
/** The most blocks fetched at once (`resync-worker-count`'s upper bound, as Garage's). */
export const MAX_RESYNC_WORKERS = 8;
const RETRY_BASE_MS = 10_000;
const RETRY_MAX_MS = 6 * 3_600_000;

export interface BlockError {
  hash: string;
  refcount: number;
  errors: number;
  lastTry: number;
  nextTry: number;
  message: string;
}

export class Resync implements Worker {
  readonly name = "block resync";
  tranquility = 0;
  /** Blocks fetched at once. */
  workers = MAX_RESYNC_WORKERS;
  #done = 0;
  #queued = 0;
  #errors = 0;

  constructor(readonly blocks: BlockManager) {}

  get #kv(): Deno.Kv {
    return this.blocks.sys.kv;
  }

  /** Queues blocks for a check at `due` (now by default). */
  async enqueue(hashes: Iterable<string>, due = Date.now()): Promise<number> {
    let op = this.#kv.atomic();
    let n = 0;
    let inOp = 0;
    for (const h of hashes) {
      op.set(resyncKey(h, due), null);
      n++;
      if (++inOp === 500) {
        await op.commit();
        op = this.#kv.atomic();
        inOp = 0;
      }
    }
    if (inOp) await op.commit();
    return n;
  }

  idleMs(): number {
    return 5_000;
  }

  describe() {
    return {
      queueLength: this.#queued,
      persistentErrors: this.#errors,
      progress: `${this.#done} blocks checked`,
    };
  }

  async step(): Promise<StepResult> {
    const now = Date.now();
    const due: Deno.KvEntry<null>[] = [];
    for await (
      const e of this.#kv.list<null>({ prefix: [RESYNC_PREFIX], end: [RESYNC_PREFIX, now + 1] }, {
        limit: BATCH,
      })
    ) due.push(e);
    if (due.length === 0) {
      await this.#count();
      return "idle";
    }
    await settleEach(due, this.workers, async (e) => {
      const hash = e.key[2] as string;
      try {
        await this.check(hash);
        await this.#kv.atomic().check(e).delete(e.key).delete([ERROR_PREFIX, hash]).commit();
      } catch (err) {
        await this.#failed(e, hash, err as Error);
      }
      this.#done++;
    });
    return "busy";
  }

  async #count(): Promise<void> {
    let q = 0;
    for await (const _ of this.#kv.list({ prefix: [RESYNC_PREFIX] })) q++;
    let errors = 0;
    for await (const _ of this.#kv.list({ prefix: [ERROR_PREFIX] })) errors++;
    this.#queued = q;
    this.#errors = errors;
  }

  async #failed(e: Deno.KvEntry<null>, hash: string, err: Error): Promise<void> {
    const prev = (await this.#kv.get<BlockError>([ERROR_PREFIX, hash])).value;
    const errors = (prev?.errors ?? 0) + 1;
    const now = Date.now();
    const nextTry = now + Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (errors - 1));
    const record: BlockError = {
      hash,
      refcount: Number(await readRc(this.#kv, hash)),
      errors,
      lastTry: now,
      nextTry,
      message: err.message,
    };
    await this.#kv.atomic().check(e).delete(e.key).set(resyncKey(hash, nextTry), null)
      .set([ERROR_PREFIX, hash], record).commit();
  }

  /** Makes this node's copy of one block what the layout and the references say it should be. */
  async check(hash: string): Promise<void> {
    const { sys, store } = this.blocks;
    const holders = sys.nodesForKey(hash);
    const mine = holders.includes(sys.id);
    const have = await store.exists(hash);
    if (mine) {
      if (have || (await readRc(sys.kv, hash)) === 0n) return;
      await this.blocks.writeLocal(hash, await this.blocks.getRemote(hash));
      return;
    }
    if (!have) return;
    // Still ours under a layout version being synced away from: keep it until that one is gone.
    if (sys.writeSetsForKey(hash).some((set) => set.includes(sys.id))) return;
    // Not ours any more: every holder gets a copy before this one goes.
    const data = await store.read(hash);
    if (!data) {
      await store.delete(hash);
      return;
    }
    await Promise.all(holders.map(async (node) => {
      const has = await sys.rpc.call(node, BLOCK.has, hash, { priority: Priority.Background });
      if (!has) {
        await sys.rpc.call(node, BLOCK.put, { hash, data }, { priority: Priority.Background });
      }
    }));
    await store.delete(hash);
  }

  async errors(): Promise<BlockError[]> {
    const out: BlockError[] = [];
    for await (const e of this.#kv.list<BlockError>({ prefix: [ERROR_PREFIX] })) out.push(e.value);
    return out;
  }

  /** Retries now the blocks given (all of them when none are). Returns how many. */
  async retry(hashes?: string[]): Promise<number> {
    const list = hashes ?? (await this.errors()).map((e) => e.hash);
    for (const h of list) await this.#kv.delete([ERROR_PREFIX, h]);
    return await this.enqueue(list);
  }
}
