/**
 * A replicated table: writes go to the replicas of the entry's partition with the write
 * quorum, reads ask the read quorum and merge what comes back.
 */
import { decode, encode } from "../util/msgpack.ts";
import { quorum, quorumEach } from "../rpc/rpc.ts";
import type { System } from "../rpc/system.ts";
import type { ClusterLayout } from "../rpc/layout.ts";
import type { RangeQuery } from "./range.ts";
import { LocalStore } from "./store.ts";
import type { Endpoint } from "../rpc/endpoint.ts";
import { type TableEndpoints, tableEndpoints } from "./endpoints.ts";
import type { TableSchema } from "./schema.ts";
import { compareKeys, sameBytes } from "../util/order.ts";

/**
 * How long a write to a full table waits, once its quorum has answered, for the other nodes that
 * are up (see Table.#replicate).
 */
const FULL_SETTLE_MS = 2000;
/** How long heldByQuorum waits for a replica: one slower counts against, and is asked again later. */
const HELD_WAIT_MS = 2000;

/** See Table.changeMark. */
export interface ChangeMark {
  layout: ClusterLayout;
  writes: number;
}

export class Table<E> {
  readonly store: LocalStore<E>;
  readonly endpoints: TableEndpoints;

  constructor(
    readonly sys: System,
    readonly schema: TableSchema<E>,
    onQueued: () => void,
    trees: Deno.Kv,
  ) {
    this.store = new LocalStore(sys.kv, schema, onQueued, trees);
    const ep = this.endpoints = tableEndpoints(schema.name);
    const entry = (b: Uint8Array) => decode(b) as E;
    const encoded = (e: E | undefined) => e === undefined ? null : encode(e);
    sys.rpc.register(ep.update, async (msg) => {
      await this.store.apply(msg.map(entry));
      return null;
    });
    sys.rpc.register(ep.updateRead, async (msg) => {
      const e = entry(msg);
      await this.store.apply([e]);
      return encoded(await this.store.get(this.schema.partitionKey(e), this.schema.sortKey(e)));
    });
    sys.rpc.register(ep.get, async ({ pk, sk }) => encoded(await this.store.get(pk, sk)));
    sys.rpc.register(ep.range, async ({ pk, q }) => (await this.store.range(pk, q)).map(encode));
  }

  get name(): string {
    return this.schema.name;
  }

  #writeSets(pk: string): { sets: string[][]; quorum: number } {
    if (this.schema.replication === "full") {
      const nodes = this.sys.allNodes();
      return { sets: [nodes], quorum: Math.floor(nodes.length / 2) + 1 };
    }
    return { sets: this.sys.writeSetsForKey(pk), quorum: this.sys.writeQuorum };
  }

  async insert(e: E): Promise<void> {
    await this.insertMany([e]);
  }

  async insertMany(entries: E[]): Promise<void> {
    // What a client can grow (a bucket's settings, a key's name) lives in the full tables: a
    // value too large is refused here, not by each replica after the write went out.
    if (this.schema.replication === "full") { for (const e of entries) this.store.checkSize(e); }
    // Entries whose partitions have the same replicas travel together.
    const groups = new Map<string, E[]>();
    for (const e of entries) {
      const { sets } = this.#writeSets(this.schema.partitionKey(e));
      const id = sets.map((s) => s.join(",")).join(";");
      groups.set(id, [...groups.get(id) ?? [], e]);
    }
    await Promise.all([...groups.values()].map(async (group) => {
      let local: Promise<void> | undefined;
      await this.#replicate(
        this.schema.partitionKey(group[0]),
        () => local = this.store.apply(group),
        this.endpoints.update,
        () => group.map((e) => encode(e)),
        () => undefined,
      );
      // A full table is read locally: the writer must see its own write, whoever else answered.
      if (this.schema.replication === "full") await local;
    }));
  }

  /**
   * Writes an entry and returns what the replicas that acknowledged it hold once it is merged
   * in: a writer learns in the same round trip whether something newer was already there.
   */
  async insertAndRead(e: E): Promise<E[]> {
    const pk = this.schema.partitionKey(e), sk = this.schema.sortKey(e);
    const answers = await this.#replicate(
      pk,
      async () => {
        await this.store.apply([e]);
        return await this.store.get(pk, sk);
      },
      this.endpoints.updateRead,
      () => encode(e),
      (b) => b === null ? undefined : decode(b) as E,
    );
    return answers.filter((a) => a !== undefined);
  }

  /**
   * Sends a write to every replica set of `pk` at once and waits for the write quorum of each;
   * this node applies it itself, the others get `msg()`, encoded once for all of them.
   *
   * A full table is read locally on every node, so a write acknowledged by a majority could be
   * missing for a moment on the others: a key allowed on a bucket through one node and used at
   * once through another was refused there. Such a write also waits, up to FULL_SETTLE_MS, for
   * every other node that is up; a node down or slow to answer delays it no longer than that,
   * and learns the write by anti-entropy as before.
   */
  async #replicate<T, Req, Res>(
    pk: string,
    local: () => Promise<T>,
    ep: Endpoint<Req, Res>,
    msg: () => Req,
    answer: (remote: Res) => T,
  ): Promise<T[]> {
    const { sets, quorum: need } = this.#writeSets(pk);
    const full = this.schema.replication === "full";
    let encoded: Req | undefined;
    const others: Promise<unknown>[] = [];
    let mine: Promise<T> | undefined;
    const answers = await quorumEach(
      sets,
      need,
      (node) => {
        if (node === this.sys.id) return mine = local();
        const call = this.sys.rpc.call(node, ep, encoded ??= msg()).then(answer);
        if (full && this.sys.peers.isUp(node)) others.push(call);
        return call;
      },
    ).catch(async (e) => {
      // Failed for want of peers, the write may still land here: the caller hears of the
      // failure once it has, so that what it reads next (and anti-entropy) already holds it.
      await mine?.catch(() => {});
      throw e;
    });
    if (full) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.allSettled(others),
        new Promise((r) => timer = setTimeout(r, FULL_SETTLE_MS)),
      ]);
      clearTimeout(timer);
    }
    return answers;
  }

  /** Reads from the read quorum; this node's answer comes from its store, without encoding. */
  #read<T, Req, Res>(
    pk: string,
    local: () => Promise<T>,
    ep: Endpoint<Req, Res>,
    msg: Req,
    decodeRemote: (r: Res) => T,
  ) {
    return quorum(
      this.sys.preferred(this.sys.readNodesForKey(pk)),
      this.sys.readQuorum,
      (node) =>
        node === this.sys.id ? local() : this.sys.rpc.call(node, ep, msg).then(decodeRemote),
      "needed",
    );
  }

  /** Whether this node is the only replica to ask (a cluster of one, or a full table). */
  localOnly(pk: string): boolean {
    if (this.schema.replication === "full") return true;
    const sets = this.sys.writeSetsForKey(pk);
    return sets.length === 1 && sets[0].length === 1 && sets[0][0] === this.sys.id;
  }

  /**
   * Where pk's entries stand now, if this node alone answers reads of pk: a read begun after
   * taking the mark still answers for it while `unchangedSince(pk, mark)` holds.
   */
  changeMark(pk: string): ChangeMark | undefined {
    if (!this.localOnly(pk)) return undefined;
    return { layout: this.sys.layout, writes: this.store.writesTo(pk) };
  }

  /** No write to pk's partition since the mark, and this node still answers alone. */
  unchangedSince(pk: string, mark: ChangeMark): boolean {
    return this.sys.layout === mark.layout && this.localOnly(pk) &&
      this.store.writesTo(pk) === mark.writes;
  }

  async get(pk: string, sk: string): Promise<E | undefined> {
    if (this.localOnly(pk)) return await this.store.get(pk, sk);
    const answers = await this.#read(
      pk,
      () => this.store.get(pk, sk),
      this.endpoints.get,
      { pk, sk },
      (b) => b === null ? undefined : decode(b) as E,
    );
    const merged = this.#mergeAll(answers);
    if (merged !== undefined && answers.length > 1) {
      const bytes = encode(merged);
      if (answers.some((e) => e === undefined || !sameBytes(encode(e), bytes))) {
        // Read repair: a replica that answered something older gets the merged entry.
        this.insert(merged).catch(() => {});
      }
    }
    return merged;
  }

  /**
   * Reads an entry from every replica of every live layout version, merged; fails unless all
   * of them answer. For decisions a replica left out could overturn: a repair that releases a
   * version no entry names must not miss the one replica that names it.
   */
  async getEverywhere(pk: string, sk: string): Promise<E | undefined> {
    const { sets } = this.#writeSets(pk);
    const nodes = [...new Set(sets.flat())];
    const answers = await quorum(nodes, nodes.length, (node) => this.#getFrom(node, pk, sk));
    return this.#mergeAll(answers);
  }

  /**
   * Whether, in every live layout version, a write quorum of the entry's replicas each hold what
   * `holds` asks for: then every read quorum meets one of them. A replica that does not answer
   * counts against.
   */
  async heldByQuorum(
    pk: string,
    sk: string,
    holds: (e: E | undefined) => boolean,
  ): Promise<boolean> {
    const { sets, quorum: need } = this.#writeSets(pk);
    // Decided as soon as it can be; a frozen replica is waited for HELD_WAIT_MS at most, and only
    // when its answer matters.
    const timers: ReturnType<typeof setTimeout>[] = [];
    const slow = () =>
      new Promise<never>((_, reject) => {
        timers.push(setTimeout(() => reject(new Error("no answer in time")), HELD_WAIT_MS));
      });
    try {
      return await quorumEach(sets, need, async (node) => {
        const e = await Promise.race([this.#getFrom(node, pk, sk), slow()]);
        if (!holds(e)) throw new Error("not held there");
      }).then(() => true, () => false);
    } finally {
      for (const t of timers) clearTimeout(t);
    }
  }

  #getFrom(node: string, pk: string, sk: string): Promise<E | undefined> {
    if (node === this.sys.id) return this.store.get(pk, sk);
    return this.sys.rpc.call(node, this.endpoints.get, { pk, sk })
      .then((b) => b === null ? undefined : decode(b) as E);
  }

  #mergeAll(answers: Array<E | undefined>): E | undefined {
    let merged: E | undefined;
    for (const e of answers) {
      if (e !== undefined) merged = merged === undefined ? e : this.schema.merge(merged, e);
    }
    return merged;
  }

  /**
   * Like range, through a projection of each entry: taken from the stored bytes when this node
   * alone answers (nothing the caller does not read is decoded), from merged entries otherwise.
   */
  async rangeView<V>(
    pk: string,
    q: RangeQuery,
    view: { fromBytes(sk: string, bytes: Uint8Array): V; fromEntry(e: E): V },
  ): Promise<V[]> {
    if (this.localOnly(pk)) return await this.store.rangeOf(pk, q, view.fromBytes);
    return (await this.range(pk, q)).map((e) => view.fromEntry(e));
  }

  /** Every entry of a partition key from `start` (below `end`), read a page at a time. */
  async *scan(pk: string, start?: string, end?: string, page = 500): AsyncGenerator<E> {
    let from = start;
    for (;;) {
      const rows = await this.range(pk, { start: from, end, limit: page });
      yield* rows;
      if (rows.length < page) return;
      from = this.schema.sortKey(rows[rows.length - 1]) + "\u0000";
    }
  }

  /** Entries of one partition key in sort-key order, tombstones included. */
  async range(pk: string, q: RangeQuery): Promise<E[]> {
    if (this.localOnly(pk)) return await this.store.range(pk, q);
    const answers = await this.#read(
      pk,
      () => this.store.range(pk, q),
      this.endpoints.range,
      { pk, q },
      (list) => list.map((b) => decode(b) as E),
    );
    if (answers.length === 1) return answers[0];
    const bySk = new Map<string, E>();
    for (const list of answers) {
      for (const e of list) {
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
