/**
 * Several real node processes joined into one cluster on loopback: connected to each other,
 * given roles in zones, with the first layout applied and known to every node.
 */
import { S3Client } from "@aws-sdk/client-s3";
import type {
  GetClusterStatusResponse,
  GetNodeInfoResponse,
  GetNodeStatisticsResponse,
  ListWorkersResponse,
  UpdateClusterLayoutRequest,
  WorkerInfoResp,
} from "../shared/admin.ts";
import { type NodeOptions, startNode, type TestNode } from "./harness.ts";

export interface ClusterOptions {
  /** One zone per node. */
  zones: string[];
  replicationFactor: number;
  /** Bytes per node; 1 GB each unless given. */
  capacities?: number[];
  node?: NodeOptions;
  /** The peer settings every node gets: CLUSTER_TOML's fast pings unless given. */
  clusterToml?: string;
}

export interface ClusterNode extends TestNode {
  id: string;
  /** `<id>@<host:port>` of its peer port. */
  peerAddress: string;
}

/** Fast failure detection for tests: pings every 300 ms. */
export const CLUSTER_TOML = "rpc_ping_interval_msec = 300\nrpc_ping_timeout_msec = 1000";

/**
 * One node with the cluster tests' settings and no role yet: a new one, or one started again
 * on the data folder of a node that was stopped or killed (`dir`).
 */
export async function startClusterNode(
  o: { dir?: string; replicationFactor: number; extraToml?: string },
): Promise<ClusterNode> {
  return await nodeIdentity(
    await startNode({
      dir: o.dir,
      autoLayout: false,
      replicationFactor: o.replicationFactor,
      extraToml: [CLUSTER_TOML, o.extraToml ?? ""].join("\n"),
    }),
  );
}

export async function nodeIdentity(n: TestNode): Promise<ClusterNode> {
  const info = await n.api<GetNodeInfoResponse>("GET", "/v2/GetNodeInfo?node=self");
  const id = Object.keys(info.success)[0];
  const status = await n.api<GetClusterStatusResponse>("GET", "/v2/GetClusterStatus");
  const addr = status.nodes.find((x) => x.id === id)!.addr;
  return Object.assign(n, { id, peerAddress: `${id}@${addr}` });
}

/** Polls until `ok` holds (or fails with what it last saw). */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let error: unknown;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (ok(last)) return last;
    } catch (e) {
      error = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `${what}: not reached in ${timeoutMs} ms; last seen ${JSON.stringify(last)} ${error ?? ""}`,
  );
}

export function allUp(n: TestNode, count: number): Promise<GetClusterStatusResponse> {
  return eventually(
    "every node up",
    () => n.api<GetClusterStatusResponse>("GET", "/v2/GetClusterStatus"),
    (s) => s.nodes.filter((x) => x.isUp).length >= count,
  );
}

export async function layoutVersion(n: TestNode, version: number): Promise<void> {
  await eventually(
    `layout version ${version}`,
    () => n.api<GetClusterStatusResponse>("GET", "/v2/GetClusterStatus"),
    (s) => s.layoutVersion >= version,
  );
}

export async function startCluster(o: ClusterOptions): Promise<ClusterNode[]> {
  const started = await Promise.allSettled(o.zones.map(() =>
    startNode({
      ...o.node,
      autoLayout: false,
      replicationFactor: o.replicationFactor,
      extraToml: [o.clusterToml ?? CLUSTER_TOML, o.node?.extraToml ?? ""].join("\n"),
    })
  ));
  const ok = started.flatMap((s) => s.status === "fulfilled" ? [s.value] : []);
  if (ok.length < started.length) {
    await Promise.all(ok.map((n) => n.stop()));
    throw (started.find((s) => s.status === "rejected") as PromiseRejectedResult).reason;
  }
  const nodes = await Promise.all(ok.map(nodeIdentity));
  try {
    await nodes[0].api("POST", "/v2/ConnectClusterNodes", nodes.slice(1).map((n) => n.peerAddress));
    await Promise.all(nodes.map((n) => allUp(n, nodes.length)));
    const roles: UpdateClusterLayoutRequest["roles"] = nodes.map((n, i) => ({
      id: n.id,
      zone: o.zones[i],
      capacity: o.capacities?.[i] ?? 1e9,
      tags: [],
    }));
    await nodes[0].api("POST", "/v2/UpdateClusterLayout", { roles });
    await nodes[0].api("POST", "/v2/ApplyClusterLayout", { version: 1 });
    await Promise.all(nodes.map((n) => layoutVersion(n, 1)));
  } catch (e) {
    await stopAll(nodes);
    throw e;
  }
  return nodes;
}

export async function stopAll(nodes: TestNode[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.stop()));
}

/** An AWS SDK client for one node's S3 endpoint; the caller destroys it. */
export function s3Client(
  n: TestNode,
  key: { accessKeyId: string; secretAccessKey: string },
): S3Client {
  return new S3Client({ endpoint: n.s3, region: n.region, credentials: key, forcePathStyle: true });
}

/** Deterministic content of a given size, different for each name. */
export function content(name: string, size: number): Uint8Array<ArrayBuffer> {
  let x = [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
  return new Uint8Array(size).map(() => (x = (x * 1103515245 + 12345) >>> 0) >>> 24);
}

/** How many blocks a node holds on disk, as GetNodeStatistics reports it. */
export async function blocksStored(n: TestNode): Promise<number> {
  const s = await n.api<GetNodeStatisticsResponse>("GET", "/v2/GetNodeStatistics?node=self");
  return Number(/Blocks stored: (\d+)/.exec(Object.values(s.success)[0].freeform)![1]);
}

/** Entries and tombstones awaiting GC of each table on a node, by table name. */
export async function tableStats(
  n: TestNode,
): Promise<Record<string, { entries: number; gcTodo: number }>> {
  const s = await n.api<GetNodeStatisticsResponse>("GET", "/v2/GetNodeStatistics?node=self");
  const tables = Object.values(s.success)[0].tables;
  return Object.fromEntries(tables.map((t) => [t.name, { entries: t.entries, gcTodo: t.gcTodo }]));
}

/** The block files under a node's data folder (plain or zstd-compressed), by path. */
export async function blockFiles(dataDir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      if (e.isDirectory) await walk(`${d}/${e.name}`);
      else if (/^[0-9a-f]{64}(\.zst)?$/.test(e.name)) out.push(`${d}/${e.name}`);
    }
  };
  await walk(dataDir);
  return out.sort();
}

/** rpc_bytes_total from a node's /metrics, by "<peer> <direction>". */
export async function rpcBytes(n: TestNode): Promise<Map<string, number>> {
  const res = await fetch(`${n.admin}/metrics`, {
    headers: { authorization: "Bearer test-metrics-token" },
  });
  const text = await res.text();
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^rpc_bytes_total\{peer="(\w+)",direction="(\w+)"\} (\d+)$/gm)) {
    out.set(`${m[1]} ${m[2]}`, Number(m[3]));
  }
  return out;
}

/** A node's background workers, as ListWorkers reports them. */
export async function workers(n: TestNode): Promise<WorkerInfoResp[]> {
  const w = await n.api<ListWorkersResponse>("POST", "/v2/ListWorkers?node=self", {});
  return Object.values(w.success)[0];
}

/** What a node's table sync worker says of its passes. */
export interface Passes {
  count: number;
  /** The last pass: its duration, partition replicas that differed, entries exchanged. */
  ms: number;
  differed: number;
  entries: number;
}

export async function tableSyncPasses(n: TestNode): Promise<Passes> {
  const sync = (await workers(n)).find((x) => x.name === "table sync");
  const text = sync?.freeform.join("\n") ?? "";
  const last = /last pass: (\d+) ms, (\d+) partition replicas differed, (\d+) entries/.exec(text);
  return {
    count: Number(/passes completed: (\d+)/.exec(text)?.[1] ?? 0),
    ms: Number(last?.[1] ?? 0),
    differed: Number(last?.[2] ?? 0),
    entries: Number(last?.[3] ?? 0),
  };
}
