/**
 * Object data blocks across the cluster: stored under their SHA-256 on the nodes of the
 * hash's partition, fetched from whichever replica answers, deleted once unreferenced.
 */
import { createHash } from "node:crypto";
import { quorumEach } from "../rpc/rpc.ts";
import type { System } from "../rpc/system.ts";
import { STORAGE_FULL } from "../util/disk_space.ts";
import { log } from "../util/log.ts";
import { KeyedMutex } from "../util/mutex.ts";
import { BlockStore } from "./store.ts";
import { BLOCK } from "./endpoints.ts";
import { GC_PREFIX, gcKey, RC_PREFIX, readRc, RESYNC_DELAY_MS, resyncKey } from "./rc.ts";
import { Resync } from "./resync.ts";

/** Unanswered block bytes past which a replica is left to catch up by resync. */
const STRAGGLER_BYTES = 16 * 1024 * 1024;

export function blockHash(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

export class BlockManager {
  readonly store: BlockStore;
  #gcTimer?: ReturnType<typeof setTimeout>;
  /** A block being written must not be deleted by GC in the same instant. */
  readonly #lock = new KeyedMutex();

  constructor(readonly sys: System, readonly graceMs: number) {
    this.store = new BlockStore(
      sys.config.dataDir,
      sys.config.dataFsync,
      sys.config.compressionLevel,
    );
    sys.rpc.register(BLOCK.put, async ({ hash, data }, from) => {
      await this.receive(hash, data, from);
      return null;
    });
    sys.rpc.register(BLOCK.get, (hash) => this.store.read(hash));
    sys.rpc.register(BLOCK.has, (hash) => this.store.exists(hash));
    this.resync = new Resync(this);
  }

  readonly resync: Resync;

  /** Stores a block sent by `from` (this node, or a peer whose bytes are checked). */
  async receive(hash: string, data: Uint8Array, from: string): Promise<void> {
    // Bytes from this process were hashed as they were cut; bytes from a peer are checked.
    if (from !== this.sys.id && blockHash(data) !== hash) {
      throw new Error(`block ${hash} received corrupted`);
    }
    // The reserve is for what frees space (deletes, aborts, lifecycle): new blocks stop here.
    if (this.sys.diskFull() === "data") {
      throw new Error(
        `${STORAGE_FULL} the data disk of node ${this.sys.id.slice(0, 16)} is in its reserve`,
      );
    }
    await this.writeLocal(hash, data);
  }

  /**
   * Stores a block here. Until a reference to it commits, it is a GC candidate: an upload that
   * dies between writing a block and referencing it leaves no orphan past the grace period.
   */
  async writeLocal(hash: string, data: Uint8Array): Promise<void> {
    await this.#lock.run(hash, async () => {
      await this.sys.kv.set(gcKey(hash), Date.now() + this.graceMs);
      await this.store.write(hash, data);
      // A writer whose layout is older than ours may still send a block here that this node no
      // longer holds, and its reference may go elsewhere: check it later so it is handed over.
      // Asked once the file exists: a layout change after this rechecks every stored block, one
      // before it is seen here (asked earlier, a block landing during the change was missed).
      if (!this.sys.writeSetsForKey(hash).some((set) => set.includes(this.sys.id))) {
        await this.sys.kv.set(resyncKey(hash, Date.now() + RESYNC_DELAY_MS), null);
      }
    });
  }

  /**
   * Stores a block on its replicas; resolves once the write quorum has it. The other replicas
   * still receive it after that: `settled` runs when every call has ended, the moment `data`
   * may be reused. A replica with STRAGGLER_BYTES of blocks unanswered (frozen, or far slower
   * than the others) is not sent more while the others make the quorum without it: what it
   * holds of the caller's memory stays bounded, and its resync fetches what it missed once the
   * references reach it.
   */
  async put(hash: string, data: Uint8Array, settled?: () => void): Promise<void> {
    await this.putWith(
      hash,
      data.length,
      (node) => this.sys.rpc.call(node, BLOCK.put, { hash, data }),
      settled,
    );
  }

  /**
   * The same, with the call that carries the block (of `size` bytes) to each replica given by
   * the caller, who may send more with it; answers the quorum's answers. With `selfLast`, this
   * node's call is made only once another replica's has succeeded, and fails with them if none
   * does: a write the others all refused is then stored nowhere.
   */
  putWith<T>(
    hash: string,
    size: number,
    send: (node: string) => Promise<T>,
    settled?: () => void,
    selfLast = false,
  ): Promise<T[]> {
    const sets = this.sys.writeSetsForKey(hash);
    const need = this.sys.writeQuorum;
    const skipped = this.#stragglers(sets, need);
    const calls: Promise<unknown>[] = [];
    const targets = skipped.size ? sets.map((set) => set.filter((n) => !skipped.has(n))) : sets;
    const self = this.sys.id;
    const others = new Set(targets.flat().filter((n) => n !== self));
    let otherStored: () => void = () => {};
    let noneStored: (e: unknown) => void = () => {};
    // Where this node alone makes the quorum, it need not wait for anyone.
    const another = selfLast && others.size && need > 1
      ? new Promise<void>((resolve, reject) => [otherStored, noneStored] = [resolve, reject])
      : undefined;
    let refused = 0;
    const written = quorumEach(targets, need, (node) => {
      this.#owe(node, size);
      const attempt = node === self
        ? another ? another.then(() => send(node)) : send(node)
        : send(node).then((answer) => {
          otherStored();
          return answer;
        }, (e) => {
          if (++refused === others.size) noneStored(e);
          throw e;
        });
      const call = attempt.finally(() => this.#owe(node, -size));
      calls.push(call);
      return call;
    });
    if (settled) Promise.allSettled(calls).then(settled);
    return written;
  }

  /** Bytes of block writes sent to each peer and not yet answered. */
  readonly #unanswered = new Map<string, number>();

  #owe(node: string, bytes: number): void {
    const left = (this.#unanswered.get(node) ?? 0) + bytes;
    if (left > 0) this.#unanswered.set(node, left);
    else this.#unanswered.delete(node);
  }

  /** Replicas too far behind to be sent more, as long as every set keeps a quorum without them. */
  #stragglers(sets: string[][], need: number): Set<string> {
    const skipped = new Set<string>();
    for (const [node, bytes] of this.#unanswered) {
      if (bytes < STRAGGLER_BYTES) continue;
      const enough = sets.every((set) =>
        !set.includes(node) || set.filter((n) => n !== node && !skipped.has(n)).length >= need
      );
      if (enough) skipped.add(node);
    }
    return skipped;
  }

  /**
   * A block from whichever replica answers first in order of preference, checked, in the
   * pieces it was read in (see BlockStore.readPieces).
   */
  get(hash: string): Promise<Uint8Array[]> {
    const first = this.sys.preferred(this.sys.readNodesForKey(hash));
    // During a layout change a block may still be only where it was: ask there next.
    const then = this.sys.writeSetsForKey(hash).flat().filter((n) => !first.includes(n));
    return this.#fetch(hash, [...first, ...new Set(then)]);
  }

  /**
   * A block from another node: its replicas first, then every other node up (one that held it
   * under an earlier layout may still have it).
   */
  async getRemote(hash: string): Promise<Uint8Array> {
    const holders = this.sys.nodesForKey(hash).filter((n) => n !== this.sys.id);
    const others = this.sys.peers.status().filter((p) => p.up && !holders.includes(p.id));
    const [data] = await this.#fetch(hash, [
      ...this.sys.preferred(holders),
      ...others.map((p) => p.id),
    ]);
    return data;
  }

  async #fetch(hash: string, nodes: string[]): Promise<Uint8Array[]> {
    const errors: string[] = [];
    for (const node of nodes) {
      try {
        // This node's reads are checked by the store's CRC32 (bit rot), scrub checks SHA-256;
        // bytes from a peer are checked in full.
        if (node === this.sys.id) {
          const pieces = await this.store.readPieces(hash);
          if (pieces) return pieces;
          errors.push(`${node.slice(0, 16)}: missing or corrupted`);
          continue;
        }
        const data = await this.sys.rpc.call(node, BLOCK.get, hash);
        if (data && blockHash(data) === hash) return [data];
        errors.push(`${node.slice(0, 16)}: ${data ? "corrupted" : "missing"}`);
      } catch (e) {
        errors.push(`${node.slice(0, 16)}: ${(e as Error).message}`);
      }
    }
    throw new Error(`block ${hash} could not be read (${errors.join("; ")})`);
  }

  /**
   * Queues every block this node holds or is referenced here for a check: after a layout
   * change (blocks to fetch or hand over) and for the `blocks` repair.
   */
  async recheckAll(): Promise<number> {
    const hashes = new Set<string>();
    for await (const h of this.store.list()) hashes.add(h);
    for await (const e of this.sys.kv.list<Deno.KvU64>({ prefix: [RC_PREFIX] })) {
      if (e.value.value > 0n) hashes.add(e.key[1] as string);
    }
    return await this.resync.enqueue(hashes);
  }

  /** How many blocks this node holds on disk. */
  async countStored(): Promise<number> {
    let n = 0;
    for await (const _ of this.store.list()) n++;
    return n;
  }

  /** Deletes blocks whose grace period ended with no reference left. Returns how many. */
  async collect(now = Date.now()): Promise<number> {
    let deleted = 0;
    for await (const e of this.sys.kv.list<number>({ prefix: [GC_PREFIX] })) {
      if (e.value > now) continue;
      const hash = e.key[1] as string;
      await this.#lock.run(hash, async () => {
        const claimed = await this.sys.kv.atomic().check(e).delete(e.key).commit();
        if (claimed.ok && (await readRc(this.sys.kv, hash)) === 0n) {
          await this.store.delete(hash);
          deleted++;
        }
      });
    }
    if (deleted) log.info("block gc", { deleted });
    return deleted;
  }

  startGc(intervalMs = Math.min(60_000, Math.max(1_000, this.graceMs / 2))): void {
    const tick = () => {
      this.collect().catch((e) => log.warn("block gc failed", { error: e }))
        .finally(() => this.#gcTimer = setTimeout(tick, intervalMs));
    };
    this.#gcTimer = setTimeout(tick, intervalMs);
  }

  stop(): void {
    clearTimeout(this.#gcTimer);
  }
}
