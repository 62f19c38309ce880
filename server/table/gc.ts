/**
 * Garbage collection of tombstones, as Garage's table GC: a sharded table keeps a deleted
 * entry as a tombstone so that replicas converge on the deletion, then, once it is older than
 * `table_gc_delay_secs`, removes it everywhere (see handover.ts). A partition with a holder
 * down waits: that holder could still hold the live entry and would hand it back.
 */
import type { System } from "../rpc/system.ts";
import { sameBytes } from "../util/order.ts";
import type { StepResult, Worker } from "../util/worker.ts";
import { deleteOnAll, reachableHolders, storeOnAll } from "./handover.ts";
import { sha256 } from "./merkle_node.ts";
import type { DeleteItem, GcRow, StoredEntry } from "./store.ts";
import type { Table } from "./table.ts";

/** GC rows read per step. */
const PAGE = 256;
/** Longest sleep between passes, whatever the delay. */
const MAX_IDLE_MS = 10 * 60_000;

export class TableGc implements Worker {
  readonly name = "table gc";
  readonly #tables: Table<unknown>[];
  #table = 0;
  #cursor?: string;
  #collected = 0;
  #waiting = 0;
  #passWaiting = 0;

  constructor(readonly sys: System, tables: Table<unknown>[], readonly delayMs: number) {
    this.#tables = tables.filter((t) => t.schema.replication === "sharded");
  }

  idleMs(): number {
    return Math.max(1_000, Math.min(this.delayMs, MAX_IDLE_MS));
  }

  describe() {
    return {
      progress: `${this.#table}/${this.#tables.length} tables`,
      freeform: [
        `tombstones collected: ${this.#collected}`,
        `waiting for a holder that is down (last pass): ${this.#waiting}`,
      ],
    };
  }

  async step(): Promise<StepResult> {
    const table = this.#tables[this.#table];
    if (!table) return "idle";
    const { rows, next } = await table.store.gcRows(this.#cursor, PAGE);
    const now = Date.now();
    await this.#collect(table, rows.filter((r) => r.at + this.delayMs <= now));
    this.#cursor = next;
    if (next) return "busy";
    this.#table++;
    if (this.#table < this.#tables.length) return "busy";
    this.#table = 0;
    this.#waiting = this.#passWaiting;
    this.#passWaiting = 0;
    return "idle";
  }

  async #collect(table: Table<unknown>, rows: GcRow[]): Promise<void> {
    const byPartition = new Map<number, { entries: StoredEntry[]; items: DeleteItem[] }>();
    for (const row of rows) {
      const cur = await table.store.stored(row.pk, row.sk);
      // Written again since it became a tombstone, or gone: the row is stale.
      if (!cur || !sameBytes(sha256(cur.bytes), row.hash)) {
        await table.store.dropGcRow(row);
        continue;
      }
      const group = byPartition.get(row.partition) ?? { entries: [], items: [] };
      group.entries.push(cur);
      group.items.push([row.pk, row.sk, row.hash]);
      byPartition.set(row.partition, group);
    }
    for (const [partition, { entries, items }] of byPartition) {
      const holders = reachableHolders(this.sys, partition);
      // A partition this node no longer holds is handed over whole (offload.ts) instead.
      if (holders && !holders.includes(this.sys.id)) continue;
      if (!holders) {
        this.#passWaiting += entries.length;
        continue;
      }
      await storeOnAll(table, holders, entries);
      await deleteOnAll(table, holders, items);
      this.#collected += entries.length;
    }
  }
}
