/**
 * This node within its cluster: identity, the cluster layout it follows, quorums, and what it
 * knows of its peers.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import { statfsSync } from "node:fs";
import { join } from "node:path";
import { decode, encode } from "../util/msgpack.ts";
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
import { Rpc } from "./rpc.ts";

const LAYOUT_KEY = ["system", "layout"];

export interface NodeIdentity {
  id: string;
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
  return { id: hex(new Uint8Array(pub.subarray(pub.length - 32))) };
}

export function readQuorum(rf: number, mode: ConsistencyMode): number {
  return mode === "consistent" ? Math.ceil(rf / 2) : 1;
}

export function writeQuorum(rf: number, mode: ConsistencyMode): number {
  return mode === "dangerous" ? 1 : rf + 1 - readQuorum(rf, "consistent");
}

export interface DiskUsage {
  available: number;
  total: number;
}

export function diskUsage(path: string): DiskUsage | null {
  try {
    const s = statfsSync(path);
    return { available: s.bavail * s.bsize, total: s.blocks * s.bsize };
  } catch {
    return null;
  }
}

export class System {
  readonly id: string;
  readonly rpc: Rpc;
  #layout: ClusterLayout;
  readonly startedAt = Date.now();

  private constructor(
    readonly config: Config,
    readonly kv: Deno.Kv,
    id: string,
    layout: ClusterLayout,
  ) {
    this.id = id;
    this.rpc = new Rpc(id);
    this.#layout = layout;
  }

  static async open(config: Config, kv: Deno.Kv): Promise<System> {
    const { id } = loadIdentity(config.metadataDir);
    const stored = await kv.get<Uint8Array>(LAYOUT_KEY);
    const layout = stored.value
      ? decode(stored.value) as ClusterLayout
      : emptyLayout(config.replicationFactor);
    if (layout.current.replicationFactor !== config.replicationFactor) {
      throw new LayoutError(
        `replication_factor is ${config.replicationFactor} in ${config.file} but the cluster layout uses ${layout.current.replicationFactor}; it cannot change on an existing cluster`,
      );
    }
    const sys = new System(config, kv, id, layout);
    await sys.#autoLayout();
    return sys;
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

  nodesForPartition(partition: number): string[] {
    return nodesOfPartition(this.#layout.current, partition);
  }

  nodesForKey(partitionKey: string): string[] {
    return this.nodesForPartition(partitionOf(partitionKey));
  }

  /** Replicas of the fully replicated tables: every node with a role. */
  allNodes(): string[] {
    return allNodes(this.#layout.current);
  }

  async #save(layout: ClusterLayout): Promise<void> {
    await this.kv.set(LAYOUT_KEY, encode(layout));
    this.#layout = layout;
  }

  async stageRoles(changes: Record<string, NodeRole | null>): Promise<ClusterLayout> {
    const staged = { ...this.#layout.staged, roles: { ...this.#layout.staged.roles, ...changes } };
    const next = { ...this.#layout, staged };
    await this.#save(next);
    return next;
  }

  async stageZoneRedundancy(zr: ZoneRedundancy): Promise<ClusterLayout> {
    const next = { ...this.#layout, staged: { ...this.#layout.staged, zoneRedundancy: zr } };
    await this.#save(next);
    return next;
  }

  async applyLayout(version: number): Promise<ClusterLayout> {
    const next = applyStaged(this.#layout, version);
    await this.#save(next);
    log.info("layout applied", { version });
    return next;
  }

  async revertLayout(): Promise<ClusterLayout> {
    const next = { ...this.#layout, staged: { roles: {} } };
    await this.#save(next);
    return next;
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
    return { data: diskUsage(this.config.dataDir), metadata: diskUsage(this.config.metadataDir) };
  }
}
