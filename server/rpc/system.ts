/**
 * This node within its cluster: identity, the cluster layout it follows, quorums, and what it
 * knows of its peers.
 */
import { endpoint } from "./endpoint.ts";
import { belowReserve, type DiskUsage, diskUsage } from "../util/disk_space.ts";
import { createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import { hostname } from "node:os";
import { join } from "node:path";
import type { Config, ConsistencyMode } from "../util/config.ts";
import { hex, partitionOf } from "../util/ids.ts";
import { log } from "../util/log.ts";
import {
  allNodes,
  applyStaged,
  type ClusterLayout,
  emptyLayout,
  LayoutError,
  type NodeRole,
  nodesOfPartition,
  type ZoneRedundancy,
} from "./layout.ts";
import { parsePeer, type PeerAddress, Peers } from "../net/peers.ts";
import { KeyedMutex } from "../util/mutex.ts";
import { mergeLayouts } from "./gossip.ts";
import { decodeLayout, encodeLayout } from "./layout_codec.ts";
import {
  allHolders,
  liveVersions,
  markSynced,
  readVersion,
  skipDeadNodes,
  type SkipResult,
  writeSets,
} from "./history.ts";
import { Priority, Rpc } from "./rpc.ts";
import { tlsMaterial } from "./tls.ts";

const LAYOUT_KEY = ["system", "layout"];
const PEERS_KEY = ["system", "peers"];
const TABLES_RECEIVED_KEY = ["system", "full_tables_received"];
/** Shown to operators and peers; the admin API reports it as the node's version. */
export const REMISE_VERSION = "0.1.0";

function hostName(): string | null {
  try {
    return hostname();
  } catch {
    return null;
  }
}

export interface NodeIdentity {
  id: string;
  /** The private key, PKCS8 PEM: what the node's TLS certificate certifies. */
  keyPem: string;
}

/** Loads the node's Ed25519 key pair from metadata_dir, creating it on first start. */
export function loadIdentity(metadataDir: string): NodeIdentity {
  const path = join(metadataDir, "node_key");
  let pem: string;
  try {
    pem = Deno.readTextFileSync(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    const { privateKey } = generateKeyPairSync("ed25519");
    pem = privateKey.export({ format: "pem", type: "pkcs8" }) as string;
    Deno.mkdirSync(metadataDir, { recursive: true });
    Deno.writeTextFileSync(path, pem, { mode: 0o600 });
  }
  const pub = createPublicKey(createPrivateKey(pem)).export({ format: "der", type: "spki" });
  // The raw 32-byte key is the tail of the SPKI encoding.
  return { id: hex(new Uint8Array(pub.subarray(pub.length - 32))), keyPem: pem };
}

export function readQuorum(rf: number, mode: ConsistencyMode): number {
  return mode === "consistent" ? Math.ceil(rf / 2) : 1;
}

export function writeQuorum(rf: number, mode: ConsistencyMode): number {
  return mode === "dangerous" ? 1 : rf + 1 - readQuorum(rf, "consistent");
}

export interface NodeInfo {
  hostname: string | null;
  version: string;
  data: DiskUsage | null;
  metadata: DiskUsage | null;
}

/** A peer's layout, merged into this node's and passed on when it changes something. */
const LAYOUT_RPC = endpoint<ClusterLayout, null>("system/layout");
const FORGET_RPC = endpoint<string, boolean>("system/forget");
/** Free space is read again at most this often (PUTs ask for it). */
const DISK_CHECK_MS = 1000;

export class System {
  readonly id: string;
  readonly rpc: Rpc;
  readonly peers: Peers;
  #layout: ClusterLayout;
  readonly #changes = new KeyedMutex();
  readonly startedAt = Date.now();
  #tablesReceived = false;
  #disks?: { at: number; data: DiskUsage | null; metadata: DiskUsage | null };
  /** Runs after the layout changed, here or by gossip (tables re-read their replicas). */
  readonly onLayoutChange: Array<(l: ClusterLayout) => void> = [];
  /** Runs when a peer connects or comes back. */
  readonly onPeerUp: Array<(peer: string) => void> = [];

  private constructor(
    readonly config: Config,
    readonly kv: Deno.Kv,
    identity: NodeIdentity,
    layout: ClusterLayout,
  ) {
    this.id = identity.id;
    this.rpc = new Rpc(identity.id, config.rpcTimeoutMs);
    this.#layout = layout;
    this.peers = new Peers({
      id: identity.id,
      bindAddr: config.rpcBindAddr,
      publicAddr: config.rpcPublicAddr,
      tls: tlsMaterial(config, identity),
      handler: (endpoint, msg, from) => this.rpc.handle(endpoint, msg, from),
      pingIntervalMs: config.rpcPingIntervalMs,
      pingTimeoutMs: config.rpcPingTimeoutMs,
      load: async () => (await kv.get<PeerAddress[]>(PEERS_KEY)).value ?? [],
      save: async (list) => void await kv.set(PEERS_KEY, list),
      onUp: (peer) => {
        this.#sendLayout(peer);
        for (const f of this.onPeerUp) f(peer);
      },
      info: () => this.info(),
    });
    this.rpc.transport = {
      call: (node, endpoint, msg, priority, timeoutMs) =>
        this.peers.call(node, endpoint, msg, priority, timeoutMs),
      isUp: (node) => this.peers.isUp(node),
    };
    this.rpc.register(LAYOUT_RPC, async (layout) => {
      await this.#adopt(layout);
      return null;
    });
    this.rpc.register(FORGET_RPC, (id) => Promise.resolve(this.peers.forget(id)));
  }

  /** Whether a node is in a live layout version or has a role staged. */
  inLayout(id: string): boolean {
    return liveVersions(this.#layout).some((v) => id in v.roles) ||
      id in this.#layout.staged.roles;
  }

  /** Whether a node ever answered since this one started (or is this one). */
  hasAnswered(id: string): boolean {
    if (id === this.id || this.peers.isUp(id)) return true;
    return this.peers.status().some((p) => p.id === id && p.lastSeen !== null);
  }

  /**
   * Forgets a node that is in no layout version, here and on every peer that is up (they would
   * otherwise teach it back); answers the nodes that knew it.
   */
  async forgetNode(id: string): Promise<string[]> {
    if (this.inLayout(id)) {
      throw new LayoutError(
        `Node ${
          id.slice(0, 16)
        } is in the cluster layout: remove its role (and apply) before forgetting it.`,
      );
    }
    const knew: string[] = [];
    if (this.peers.forget(id)) knew.push(this.id);
    const others = this.peers.status().filter((p) => p.up && p.id !== id).map((p) => p.id);
    await Promise.all(others.map(async (peer) => {
      const did = await this.rpc.call(peer, FORGET_RPC, id, { priority: Priority.High })
        .catch(() => false);
      if (did) knew.push(peer);
    }));
    return knew.sort();
  }

  static async open(config: Config, kv: Deno.Kv): Promise<System> {
    const identity = loadIdentity(config.metadataDir);
    const stored = await kv.get<Uint8Array>(LAYOUT_KEY);
    const layout = stored.value
      ? decodeLayout(stored.value)
      : emptyLayout(config.replicationFactor);
    if (layout.current.replicationFactor !== config.replicationFactor) {
      throw new LayoutError(
        `replication_factor is ${config.replicationFactor} in ${config.file} but the cluster layout uses ${layout.current.replicationFactor}; it cannot change on an existing cluster`,
      );
    }
    const sys = new System(config, kv, identity, layout);
    sys.#tablesReceived = (await kv.get<boolean>(TABLES_RECEIVED_KEY)).value === true;
    await sys.#autoLayout();
    return sys;
  }

  /** Opens the peer port and dials the known and bootstrap peers (once handlers are in place). */
  async startNetwork(): Promise<void> {
    await this.peers.start();
    for (const p of this.config.bootstrapPeers) {
      try {
        this.peers.learn(parsePeer(p));
      } catch (e) {
        log.warn("bootstrap_peers: entry ignored", { entry: p, error: e });
      }
    }
  }

  stop(): Promise<void> {
    return this.peers.stop();
  }

  info(): NodeInfo {
    const disk = this.diskUsage();
    return { hostname: hostName(), version: REMISE_VERSION, ...disk };
  }

  /** Merges a layout received from a peer; a change is saved and passed on to every peer. */
  async #adopt(remote: ClusterLayout): Promise<void> {
    await this.#change((layout) => {
      const merged = mergeLayouts(layout, remote);
      if (merged === layout) return layout;
      if (merged.current.replicationFactor !== this.config.replicationFactor) {
        log.error("a peer sent a layout with another replication factor; ignored", {
          theirs: merged.current.replicationFactor,
          ours: this.config.replicationFactor,
        });
        return layout;
      }
      return merged;
    });
  }

  #sendLayout(peer: string): void {
    this.rpc.call(peer, LAYOUT_RPC, this.#layout, { priority: Priority.High }).catch((e) =>
      log.debug("layout not sent", { peer: peer.slice(0, 16), error: e })
    );
  }

  get layout(): ClusterLayout {
    return this.#layout;
  }

  get rf(): number {
    return this.#layout.current.replicationFactor;
  }

  get readQuorum(): number {
    return readQuorum(this.rf, this.config.consistencyMode);
  }

  get writeQuorum(): number {
    return writeQuorum(this.rf, this.config.consistencyMode);
  }

  /** This node's role in the current layout, if it has one. */
  get role(): NodeRole | undefined {
    return this.#layout.current.roles[this.id];
  }

  /** The partition's nodes in the newest layout version: where its data is going. */
  nodesForPartition(partition: number): string[] {
    return nodesOfPartition(this.#layout.current, partition);
  }

  nodesForKey(partitionKey: string): string[] {
    return this.nodesForPartition(partitionOf(partitionKey));
  }

  /** Where reads go: the partition's nodes in the newest version that is fully synced. */
  readNodesForKey(partitionKey: string): string[] {
    return nodesOfPartition(readVersion(this.#layout), partitionOf(partitionKey));
  }

  /** Where writes go: one replica set per live layout version, each needing its quorum. */
  writeSetsForKey(partitionKey: string): string[][] {
    return this.writeSetsForPartition(partitionOf(partitionKey));
  }

  writeSetsForPartition(partition: number): string[][] {
    return writeSets(this.#layout, partition);
  }

  /** Nodes holding the partition in any live version (a new holder syncs from all of them). */
  holdersOfPartition(partition: number): string[] {
    return allHolders(this.#layout, partition);
  }

  /** ClusterLayoutSkipDeadNodes: see skipDeadNodes; the new layout reaches every peer. */
  async skipDeadNodes(version: number, allowMissingData: boolean): Promise<SkipResult> {
    let r: SkipResult | undefined;
    await this.#change((layout) => {
      r = skipDeadNodes(layout, version, (n) => n === this.id || this.peers.isUp(n), {
        allowMissingData,
        readQuorum: this.readQuorum,
      });
      return r.layout;
    });
    return r!;
  }

  /** This node has pulled in the data of `version`: reads may move to it once all have. */
  async markSynced(version: number): Promise<void> {
    await this.#change((layout) => markSynced(layout, this.id, version));
  }

  /**
   * Nodes in the order to ask them for a read: this node, then its zone, then the fastest to
   * answer pings; nodes shown down come last, tried only if the others fail.
   */
  preferred(nodes: string[]): string[] {
    const roles = this.#layout.current.roles;
    const zone = roles[this.id]?.zone;
    const rank = (n: string) => {
      if (n === this.id) return -Infinity;
      const ms = Math.min(this.peers.latency(n), 1e6);
      return (this.peers.isUp(n) ? ms : 2e6) + (roles[n]?.zone === zone ? -1e5 : 0);
    };
    return nodes.map((n) => [n, rank(n)] as const).sort((a, b) => a[1] - b[1]).map(([n]) => n);
  }

  /**
   * Whether this node has received the fully replicated tables (keys, buckets, aliases) once:
   * until then, a key or bucket it does not know may exist. A node alone in the layout has
   * them by definition; a node that joins has them after its first complete table sync.
   */
  tablesReceived(): boolean {
    if (this.#tablesReceived) return true;
    const nodes = this.allNodes();
    if (nodes.length === 1 && nodes[0] === this.id) this.markTablesReceived().catch(() => {});
    return this.#tablesReceived;
  }

  async markTablesReceived(): Promise<void> {
    if (this.#tablesReceived) return;
    this.#tablesReceived = true;
    await this.kv.set(TABLES_RECEIVED_KEY, true);
  }

  /** Replicas of the fully replicated tables: every node with a role. */
  allNodes(): string[] {
    return allNodes(this.#layout.current);
  }

  /**
   * Every change to the layout is a step from the one before, taken one at a time: a gossiped
   * layout merged while an operator stages roles must not write back the view it read before the
   * roles were staged (that lost the staged roles).
   */
  #change(step: (layout: ClusterLayout) => ClusterLayout): Promise<ClusterLayout> {
    return this.#changes.run("layout", async () => {
      const next = step(this.#layout);
      if (next !== this.#layout) await this.#save(next);
      return next;
    });
  }

  async #save(layout: ClusterLayout): Promise<void> {
    await this.kv.set(LAYOUT_KEY, encodeLayout(layout));
    const changed = layout.current !== this.#layout.current ||
      liveVersions(layout).length !== liveVersions(this.#layout).length;
    this.#layout = layout;
    if (changed) { for (const f of this.onLayoutChange) f(layout); }
    for (const p of this.peers.status()) if (p.up) this.#sendLayout(p.id);
  }

  stageRoles(changes: Record<string, NodeRole | null>): Promise<ClusterLayout> {
    return this.#change((layout) => ({
      ...layout,
      staged: { ...layout.staged, roles: { ...layout.staged.roles, ...changes }, at: Date.now() },
    }));
  }

  stageZoneRedundancy(zr: ZoneRedundancy): Promise<ClusterLayout> {
    return this.#change((layout) => ({
      ...layout,
      staged: { ...layout.staged, zoneRedundancy: zr, at: Date.now() },
    }));
  }

  async applyLayout(version: number): Promise<ClusterLayout> {
    const next = await this.#change((layout) => {
      const applied = applyStaged(layout, version);
      return { ...applied, staged: { ...applied.staged, at: Date.now() } };
    });
    log.info("layout applied", { version });
    return next;
  }

  revertLayout(): Promise<ClusterLayout> {
    return this.#change((layout) => ({ ...layout, staged: { roles: {}, at: Date.now() } }));
  }

  /** A dev node with [auto_layout] gives itself a role while the cluster layout is empty. */
  async #autoLayout(): Promise<void> {
    const auto = this.config.autoLayout;
    if (!auto || this.#layout.current.version > 0) return;
    await this.stageRoles({ [this.id]: { zone: auto.zone, capacity: auto.capacity, tags: [] } });
    await this.applyLayout(1);
    log.info("auto_layout: this node took a role", { zone: auto.zone, capacity: auto.capacity });
  }

  diskUsage(): { data: DiskUsage | null; metadata: DiskUsage | null } {
    const now = Date.now();
    if (!this.#disks || now - this.#disks.at > DISK_CHECK_MS) {
      const reserve = this.config.minFreeSpace;
      this.#disks = {
        at: now,
        data: diskUsage(this.config.dataDir, reserve),
        metadata: diskUsage(this.config.metadataDir, reserve),
      };
    }
    return this.#disks;
  }

  /** The disk of this node that is in its reserve (new data is then refused), if one is. */
  diskFull(): "data" | "metadata" | undefined {
    const { data, metadata } = this.diskUsage();
    return belowReserve(data) ? "data" : belowReserve(metadata) ? "metadata" : undefined;
  }
}
