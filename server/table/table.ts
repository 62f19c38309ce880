/**
 * A replicated table: writes go to the replicas of the entry's partition with the write
 * quorum, reads ask the read quorum and merge what comes back.
 */
import { decode, encode } from "@msgpack/msgpack";
import type { System } from "../rpc/system.ts";
import type { RangeQuery } from "./store.ts";
import { LocalStore } from "./store.ts";
import type { TableSchema } from "./schema.ts";
import { compareKeys, sameBytes } from "../util/order.ts";

interface GetMsg {
  pk: string;
  sk: string;
}

interface RangeMsg {
  pk: string;
  q: RangeQuery;
}

export class Table<E> {
  readonly store: LocalStore<E>;

  constructor(readonly sys: System, readonly schema: TableSchema<E>, onQueued: () => void) {
    this.store = new LocalStore(sys.kv, schema, onQueued);
    const ep = `table/${schema.name}`;
    sys.rpc.register(`${ep}/update`, async (msg) => {
      await this.store.apply((msg as Uint8Array[]).map((b) => decode(b) as E));
      return null;
    });
    sys.rpc.register(`${ep}/get`, async (msg) => {
      const { pk, sk } = msg as GetMsg;
      const e = await this.store.get(pk, sk);
      return e === undefined ? null : encode(e);
    });
    sys.rpc.register(`${ep}/range`, async (msg) => {
      const { pk, q } = msg as RangeMsg;
      return (await this.store.range(pk, q)).map((e) => encode(e));
    });
  }

  get name(): string {
    return this.schema.name;
  }

  #writeSet(pk: string): { nodes: string[]; quorum: number } {
    if (this.schema.replication === "full") {
      const nodes = this.sys.allNodes();
      return { nodes, quorum: Math.floor(nodes.length / 2) + 1 };
    }
    return { nodes: this.sys.nodesForKey(pk), quorum: this.sys.writeQuorum };
  }

  async insert(e: E): Promise<void> {
    await this.insertMany([e]);
  }

  async insertMany(entries: E[]): Promise<void> {
    const groups = new Map<string, E[]>();
    for (const e of entries) {
      const { nodes } = this.#writeSet(this.schema.partitionKey(e));
      const id = nodes.join(",");
      groups.set(id, [...groups.get(id) ?? [], e]);
    }
    await Promise.all([...groups.values()].map((group) => {
      const { nodes, quorum } = this.#writeSet(this.schema.partitionKey(group[0]));
      return this.sys.rpc.callMany(
        nodes,
        `table/${this.name}/update`,
        group.map((e) => encode(e)),
        {
          quorum,
        },
      );
    }));
  }

  async get(pk: string, sk: string): Promise<E | undefined> {
    if (this.schema.replication === "full") return await this.store.get(pk, sk);
    const nodes = this.sys.nodesForKey(pk);
    const answers = await this.sys.rpc.callMany<Uint8Array | null>(
      nodes,
      `table/${this.name}/get`,
      { pk, sk } satisfies GetMsg,
      { quorum: this.sys.readQuorum },
    );
    let merged: E | undefined;
    for (const a of answers) {
      if (a === null) continue;
      const e = decode(a) as E;
      merged = merged === undefined ? e : this.schema.merge(merged, e);
    }
    if (merged !== undefined && answers.length > 1) {
      const bytes = encode(merged);
      if (answers.some((a) => a === null || !sameBytes(a, bytes))) {
        // Read repair: a replica that answered something older gets the merged entry.
        this.insert(merged).catch(() => {});
      }
    }
    return merged;
  }

  /** Entries of one partition key in sort-key order, tombstones included. */
  async range(pk: string, q: RangeQuery): Promise<E[]> {
    if (this.schema.replication === "full") return await this.store.range(pk, q);
    const nodes = this.sys.nodesForKey(pk);
    const answers = await this.sys.rpc.callMany<Uint8Array[]>(
      nodes,
      `table/${this.name}/range`,
      { pk, q } satisfies RangeMsg,
      { quorum: this.sys.readQuorum },
    );
    if (answers.length === 1) return answers[0].map((b) => decode(b) as E);
    const bySk = new Map<string, E>();
    for (const list of answers) {
      for (const b of list) {
        const e = decode(b) as E;
        const sk = this.schema.sortKey(e);
        const prev = bySk.get(sk);
        bySk.set(sk, prev ? this.schema.merge(prev, e) : e);
      }
    }
    const sorted = [...bySk.entries()].sort(([a], [b]) => compareKeys(a, b));
    if (q.reverse) sorted.reverse();
    return sorted.slice(0, q.limit ?? sorted.length).map(([, e]) => e);
  }
}
