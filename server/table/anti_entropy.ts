/**
 * Anti-entropy over the network: every partition of every table this node holds is compared
 * with each other replica of it (Merkle trees, see sync.ts), periodically, when a peer comes
 * back, and on demand (the `tables` repair).
 */
import { Priority } from "../rpc/rpc.ts";
import type { System } from "../rpc/system.ts";
import { PARTITIONS } from "../rpc/layout.ts";
import { sameBytes } from "../util/order.ts";
import type { StepResult, Worker } from "../util/worker.ts";
import { offloadPartitions } from "./offload.ts";
import { type MerkleReplica, storeReplica, syncPartition } from "./sync.ts";
import type { TableEndpoints } from "./endpoints.ts";
import type { Table } from "./table.ts";

/** How soon a full pass that could not reach enough holders is tried again. */
const INCOMPLETE_RETRY_MS = 10_000;

interface Pass {
  /** Peers to compare with; every replica when undefined. */
  only?: Set<string>;
  table: number;
  /** The newest layout version when the pass began: what it syncs this node to. */
  version: number;
  /** Whether every partition was compared with enough of its holders. */
  complete: boolean;
  /** Whether the fully replicated tables were, whatever the others. */
  fullComplete: boolean;
  /** Whether this node held the fully replicated tables (had a role) when the pass began. */
  member?: boolean;
  started: number;
  /** Partitions whose trees differed from a peer's, and entries exchanged to mend them. */
  differed: number;
  entries: number;
}

/** The RPC endpoints through which other nodes see this node's replica of a table. */
export function serveReplica<E>(table: Table<E>): void {
  const r = storeReplica(table.store);
  const ep = table.endpoints.merkle;
  const rpc = table.sys.rpc;
  rpc.register(ep.roots, (ps) => Promise.all(ps.map((p) => r.root(p))));
  rpc.register(ep.root, (p) => r.root(p));
  rpc.register(ep.nodes, ({ p, prefixes }) => r.nodes(p, prefixes));
  rpc.register(ep.entries, (keys) => r.entries(keys));
  rpc.register(ep.apply, async (entries) => {
    await r.apply(entries);
    return null;
  });
}

/** Another node's replica of a table, through the endpoints serveReplica registers there. */
function remoteReplica(sys: System, ep: TableEndpoints["merkle"], node: string): MerkleReplica {
  const opts = { priority: Priority.Background };
  return {
    root: (p) => sys.rpc.call(node, ep.root, p, opts),
    nodes: (p, prefixes) => sys.rpc.call(node, ep.nodes, { p, prefixes }, opts),
    entries: (keys) => sys.rpc.call(node, ep.entries, keys, opts),
    apply: async (entries) => void await sys.rpc.call(node, ep.apply, entries, opts),
  };
}

export class AntiEntropy implements Worker {
  readonly name = "table sync";
  tranquility = 0;
  #pass?: Pass;
  #next?: Pass;
  #lastPass = 0;
  #sent = 0;
  #received = 0;
  #offloaded = 0;
  #passes = 0;
  #last?: Pass & { ms: number };

  constructor(
    readonly sys: System,
    readonly tables: Table<unknown>[],
    readonly intervalMs: number,
  ) {}

  /** Starts a pass over everything (with every replica, or only these peers) after this one. */
  request(only?: string[]): void {
    const next: Pass = {
      table: 0,
      only: only ? new Set(only) : undefined,
      version: this.sys.layout.current.version,
      complete: true,
      fullComplete: true,
      started: 0,
      differed: 0,
      entries: 0,
    };
    // A full pass asked for covers any narrower one already waiting.
    if (!this.#next || !next.only) this.#next = next;
    else if (this.#next.only) { for (const n of next.only) this.#next.only.add(n); }
  }

  idleMs(): number {
    return Math.max(1_000, this.#lastPass + this.intervalMs - Date.now());
  }

  describe() {
    const p = this.#pass;
    const last = this.#last;
    return {
      progress: p
        ? `${p.table}/${this.tables.length} tables (${this.tables[p.table]?.name})`
        : undefined,
      freeform: [
        `entries sent: ${this.#sent}, received: ${this.#received}`,
        `entries handed over from partitions no longer held: ${this.#offloaded}`,
        `passes completed: ${this.#passes}`,
        ...(last
          ? [
            `last pass: ${last.ms} ms, ${last.differed} partition replicas differed, ${last.entries} entries exchanged${
              last.complete ? "" : ", some holders not reached"
            }`,
          ]
          : []),
      ],
    };
  }

  async step(): Promise<StepResult> {
    if (!this.#pass) {
      if (!this.#next && Date.now() - this.#lastPass >= this.intervalMs) this.request();
      if (!this.#next) return "idle";
      this.#pass = this.#next;
      this.#pass.member = this.sys.allNodes().includes(this.sys.id);
      this.#pass.started = Date.now();
      this.#next = undefined;
    }
    const pass = this.#pass;
    const table = this.tables[pass.table];
    if (!await this.#syncTable(table, pass)) {
      pass.complete = false;
      if (table.schema.replication === "full") pass.fullComplete = false;
    }
    const offload = await offloadPartitions(table);
    this.#offloaded += offload.moved;
    if (++pass.table === this.tables.length) {
      this.#pass = undefined;
      this.#passes++;
      this.#last = { ...pass, ms: Date.now() - pass.started };
      // A pass with only the peers that came back still reached enough holders when complete:
      // a node restarted during a layout change is synced by it, not a whole interval later.
      if (pass.complete) await this.sys.markSynced(pass.version);
      if (pass.fullComplete && pass.member) await this.sys.markTablesReceived();
      if (!pass.only) {
        // A pass that could not reach enough holders (peers down, or not yet connected after a
        // start) is tried again soon; a complete one waits for the next interval.
        this.#lastPass = pass.complete
          ? Date.now()
          : Date.now() - this.intervalMs + Math.min(INCOMPLETE_RETRY_MS, this.intervalMs);
      }
    }
    return "busy";
  }

  /**
   * Compares the partitions of a table this node holds with their other replicas, in every
   * live layout version (a new holder pulls from the old ones): the roots of all shared
   * partitions in one call per peer, then the trees of those that differ. Says whether enough
   * holders answered for this node to have every acknowledged write.
   */
  async #syncTable(table: Table<unknown>, pass: Pass): Promise<boolean> {
    const { sys } = this;
    const { only } = pass;
    const full = table.schema.replication === "full";
    const all = Array.from({ length: PARTITIONS }, (_, p) => p);
    const holders = (p: number) => full ? sys.allNodes() : sys.holdersOfPartition(p);
    const mine = all.filter((p) =>
      (full ? sys.allNodes() : sys.nodesForPartition(p)).includes(sys.id)
    );
    const reached = new Map(mine.map((p) => [p, new Set([sys.id])]));
    const peers = new Set(mine.flatMap(holders));
    const local = storeReplica(table.store);
    for (const peer of peers) {
      if (peer === sys.id || (only && !only.has(peer)) || !sys.rpc.isUp(peer)) continue;
      const shared = mine.filter((p) => holders(p).includes(peer));
      const [theirs, ours] = await Promise.all([
        sys.rpc.call(peer, table.endpoints.merkle.roots, shared, {
          priority: Priority.Background,
        }),
        Promise.all(shared.map((p) => local.root(p))),
      ]);
      const remote = remoteReplica(sys, table.endpoints.merkle, peer);
      for (const [i, p] of shared.entries()) {
        if (!sameBytes(theirs[i], ours[i])) {
          const c = await syncPartition(p, local, remote);
          this.#sent += c.sent;
          this.#received += c.received;
          pass.differed++;
          pass.entries += c.sent + c.received;
        }
        reached.get(p)!.add(peer);
      }
    }
    // Every acknowledged write reached a write quorum of each set, so any
    // (size - write quorum + 1) of a set's nodes hold all of them.
    return mine.every((p) => {
      const sets = full ? [sys.allNodes()] : sys.writeSetsForPartition(p);
      const quorum = full ? Math.floor(sets[0].length / 2) + 1 : sys.writeQuorum;
      return sets.every((set) =>
        set.filter((n) => reached.get(p)!.has(n)).length >= set.length - quorum + 1
      );
    });
  }
}
