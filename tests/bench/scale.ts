/**
 * `deno task bench --scale [--objects N]`: two nodes holding every partition (rf 2), one bucket
 * filled to N objects of 1 KiB (1,000,000 unless told) through node A's S3 API at c=32, and at
 * 10%, 25%, 50% and 100% of N: the PUT rate of the last interval and its latencies, random 1 KiB
 * GETs, ListObjectsV2 from the start and from the middle, metadata and data bytes per object on
 * disk, node A's RSS, one anti-entropy pass between the identical replicas, the round that mends
 * node B after it missed 1% of the writes, and the time from kill -9 to node A's S3 API
 * answering again. The full run replaces the last section of docs/benchmarks.md (see
 * scale_section.ts); a smaller one only prints.
 */
import { fileURLToPath } from "node:url";
import type { GetClusterStatusResponse } from "../../shared/admin.ts";
import {
  type ClusterNode,
  eventually,
  type Passes,
  rpcBytes,
  startCluster,
  startClusterNode,
  tableSyncPasses,
} from "../cluster.ts";
import { presign, sha256Hex, signHeaders } from "../sigv4.ts";
import { dirBytes, KiB, num, run } from "./util.ts";
import { scaleSection, withScaleSection } from "./scale_section.ts";

const BUCKET = "scale";
const CONCURRENCY = 32;
const REPLICATION = 2;
const MEASURE_MS = 5_000;
const key = (i: number) => `obj/${i.toString().padStart(8, "0")}`;

interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
}

function kB(bytes: number): string {
  return bytes < 1e6 ? `${num(bytes / 1e3, 1)} kB` : `${num(bytes / 1e6, 1)} MB`;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : 0;
}

/** Bytes a node exchanged with one peer, both ways, as its rpc_bytes_total counts them. */
async function peerBytes(n: ClusterNode, peer: ClusterNode): Promise<number> {
  const bytes = await rpcBytes(n);
  const id = peer.id.slice(0, 16);
  return (bytes.get(`${id} sent`) ?? 0) + (bytes.get(`${id} received`) ?? 0);
}

async function rssMiB(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/** Runs `job` on CONCURRENCY loops until it answers false; the latencies of its calls (ms). */
async function loops(job: () => Promise<boolean>): Promise<number[]> {
  const latencies: number[] = [];
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    for (;;) {
      const t = performance.now();
      if (!await job()) return;
      latencies.push(performance.now() - t);
    }
  }));
  return latencies;
}

class Scale {
  next = 0;
  readonly body = new Uint8Array(KiB).fill(0x61);
  readonly bodyHash = sha256Hex(this.body);

  /** Clients talk to node A; node B holds the second copy of every partition. */
  constructor(public node: ClusterNode, public peer: ClusterNode, public creds: Creds) {}

  url(k: string): string {
    return `${this.node.s3}/${BUCKET}/${k}`;
  }

  /** PUTs one object; its status (anything but 200 throws unless `refusable`). */
  async put(k: string, refusable = false): Promise<number> {
    const url = this.url(k);
    const res = await fetch(url, {
      method: "PUT",
      body: this.body,
      headers: signHeaders("PUT", url, this.creds, this.node.region, this.bodyHash),
    });
    await res.body?.cancel();
    if (!res.ok && !refusable) throw new Error(`PUT ${k}: ${res.status}`);
    return res.status;
  }

  /** Fills up to `target` objects; the PUT latencies of this interval. */
  async fill(target: number): Promise<{ seconds: number; latencies: number[] }> {
    const t = performance.now();
    const latencies = await loops(async () => {
      if (this.next >= target) return false;
      await this.put(key(this.next++));
      return true;
    });
    return { seconds: (performance.now() - t) / 1000, latencies };
  }

  async getRate(): Promise<number> {
    const end = performance.now() + MEASURE_MS;
    let n = 0;
    await loops(async () => {
      if (performance.now() > end) return false;
      const k = key(Math.floor(Math.random() * this.next));
      const res = await fetch(presign("GET", this.url(k), this.creds, this.node.region));
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`GET ${k}: ${res.status}`);
      n++;
      return true;
    });
    return n / (MEASURE_MS / 1000);
  }

  /** ListObjectsV2 pages of 1,000 per second over up to 10 pages, from `startAfter` if given. */
  async listRate(startAfter?: string): Promise<number> {
    let token: string | undefined;
    let pages = 0;
    const t = performance.now();
    while (pages < 10) {
      pages++;
      const u = new URL(`${this.node.s3}/${BUCKET}`);
      u.searchParams.set("list-type", "2");
      u.searchParams.set("max-keys", "1000");
      if (token) u.searchParams.set("continuation-token", token);
      else if (startAfter) u.searchParams.set("start-after", startAfter);
      const res = await fetch(u, {
        headers: signHeaders("GET", u.href, this.creds, this.node.region, sha256Hex("")),
      });
      const xml = await res.text();
      if (!res.ok) throw new Error(`ListObjectsV2: ${res.status} ${xml.slice(0, 200)}`);
      token = /<NextContinuationToken>([^<]*)</.exec(xml)?.[1];
      if (!token) break;
    }
    return pages / ((performance.now() - t) / 1000);
  }

  /** One anti-entropy pass of node A, asked for now: its own report, and the bytes it moved. */
  async antiEntropy(): Promise<Passes & { bytes: number }> {
    const before = await tableSyncPasses(this.node);
    const bytes = await peerBytes(this.node, this.peer);
    await this.node.api("POST", "/v2/LaunchRepairOperation?node=self", { repairType: "tables" });
    const after = await eventually(
      "an anti-entropy pass",
      () => tableSyncPasses(this.node),
      (p) => p.count > before.count,
      600_000,
    );
    return { ...after, bytes: await peerBytes(this.node, this.peer) - bytes };
  }

  /**
   * Node B killed while 1% of the objects are written again through node A (each write misses
   * its quorum, so the client hears 503, but A keeps it), then started again: the pass A runs
   * when B comes back, which sends B what it missed. Its report, the bytes between the two
   * nodes from B's start until that pass ended, and the writes refused.
   */
  async mend(): Promise<Passes & { bytes: number; refused: number }> {
    const dir = this.peer.dir;
    await this.peer.kill();
    await eventually(
      "node B seen down",
      () => this.node.api<GetClusterStatusResponse>("GET", "/v2/GetClusterStatus"),
      (s) => s.nodes.filter((x) => x.isUp).length === 1,
    );
    const count = Math.ceil(this.next / 100);
    let i = 0;
    let refused = 0;
    await loops(async () => {
      if (i >= count) return false;
      if (await this.put(key(100 * i++), true) !== 200) refused++;
      return true;
    });
    const before = await tableSyncPasses(this.node);
    const bytes = await peerBytes(this.node, this.peer);
    this.peer = await startClusterNode({ dir, replicationFactor: REPLICATION });
    const after = await eventually(
      "the pass that mends node B",
      () => tableSyncPasses(this.node),
      (p) => p.count > before.count && p.entries > 0,
      600_000,
    );
    return { ...after, bytes: await peerBytes(this.node, this.peer) - bytes, refused };
  }

  /** kill -9 of node A, then the time until its S3 API takes a write again (seconds). */
  async restart(): Promise<number> {
    const dir = this.node.dir;
    await this.node.kill();
    const t = performance.now();
    this.node = await startClusterNode({ dir, replicationFactor: REPLICATION });
    // A write needs both copies: it waits for the node to find its peer again.
    while (await this.put("restart-probe", true) !== 200) {
      await new Promise((r) => setTimeout(r, 20));
    }
    return (performance.now() - t) / 1000;
  }
}

export async function scaleBench(args: string[]): Promise<number> {
  const i = args.indexOf("--objects");
  const total = i >= 0 ? Number(args[i + 1]) : 1_000_000;
  const full = total === 1_000_000;
  const [a, b] = await startCluster({ zones: ["a", "b"], replicationFactor: REPLICATION });
  const dirs = [a.dir, b.dir];
  const started = performance.now();
  const log = (m: string) =>
    console.log(`[${((performance.now() - started) / 1000).toFixed(0).padStart(5)} s] ${m}`);
  const rows: string[] = [];
  // Killed and started again on the way: the nodes are the Scale's own until the end.
  const scale = new Scale(a, b, { accessKeyId: "", secretAccessKey: "" });
  try {
    scale.creds = await a.createKey("scale");
    await a.api("POST", `/v2/UpdateKey?id=${scale.creds.accessKeyId}`, {
      allow: { createBucket: true },
    });
    const url = `${a.s3}/${BUCKET}`;
    const made = await fetch(url, {
      method: "PUT",
      headers: signHeaders("PUT", url, scale.creds, a.region, sha256Hex("")),
    });
    await made.body?.cancel();
    for (const share of [0.1, 0.25, 0.5, 1]) {
      const target = Math.round(total * share);
      const before = scale.next;
      log(`filling to ${num(target)} objects`);
      const { seconds, latencies } = await scale.fill(target);
      latencies.sort((a, b) => a - b);
      const putRate = (target - before) / seconds;
      log("GET, list, disk, RSS");
      const getRate = await scale.getRate();
      const listStart = await scale.listRate();
      const listMiddle = await scale.listRate(key(Math.floor(target / 2)));
      const meta = await dirBytes(`${scale.node.dir}/meta`);
      const data = await dirBytes(`${scale.node.dir}/data`);
      const rss = await rssMiB(scale.node.process.pid);
      log("anti-entropy: identical replicas, then 1% missed by node B");
      const same = await scale.antiEntropy();
      const mended = await scale.mend();
      log("restart");
      const restart = await scale.restart();
      rows.push(
        `| ${num(target)} | ${num(putRate)}/s · p50 ${
          latencies.length ? percentile(latencies, 0.5).toFixed(1) : "—"
        } ms · p99 ${percentile(latencies, 0.99).toFixed(1)} ms | ${num(getRate)}/s | ${
          listStart.toFixed(1)
        } · ${listMiddle.toFixed(1)} pages/s | ${num(meta / target)} B (${
          num(meta / target - KiB)
        } B) · ${num(data / target)} B | ${num(rss)} MiB | ${(same.ms / 1000).toFixed(2)} s · ${
          kB(same.bytes)
        } · ${num(same.entries)} | ${(mended.ms / 1000).toFixed(1)} s · ${kB(mended.bytes)} · ${
          num(mended.entries)
        } of ${num(mended.refused)} | ${restart.toFixed(1)} s |`,
      );
      log(rows.at(-1)!);
    }
  } finally {
    await Promise.all([scale.node.stop(), scale.peer.stop()]);
    for (const dir of dirs) await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  const table = [
    `## Scale bench`,
    "",
    `\`deno task bench --scale\` (${
      new Date().toISOString().slice(0, 16).replace("T", " ")
    } UTC, nproc ${navigator.hardwareConcurrency}, Deno ${Deno.version.deno}): two nodes on one machine, each holding every partition (replication factor 2), one bucket filled with objects of 1 KiB by header-signed PUTs to node A from ${CONCURRENCY} loops; at each size: the PUT rate of the interval since the previous size, random presigned GETs for ${
      MEASURE_MS / 1000
    } s, ListObjectsV2 pages of 1,000 from the start and from a \`start-after\` in the middle, node A's metadata (Deno KV files; in brackets, beyond the object's own 1 KiB, which small objects keep inline) and data bytes per object, node A's RSS, one anti-entropy pass of node A over identical replicas (its duration, the bytes both ways between the nodes, entries exchanged), the pass that mends node B after it was killed while 1% of the objects were written again (each of those writes refused for want of a quorum but kept by node A; the pass node A runs when B comes back: duration, bytes, entries exchanged of the writes B missed), and the time from \`kill -9\` of node A to a PUT answered again.`,
    "",
    "| objects | PUT (interval) | GET 1 KiB | ListObjectsV2 start · middle | metadata (beyond 1 KiB) · data per object | RSS | anti-entropy, identical: time · bytes · entries | mending 1%: time · bytes · entries | restart after kill -9 |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
    "",
  ].join("\n");
  const path = fileURLToPath(
    new URL(full ? "../../docs/benchmarks.md" : "./scale.partial.md", import.meta.url),
  );
  const page = full ? await Deno.readTextFile(path).catch(() => "# Benchmarks\n") : "";
  await Deno.writeTextFile(path, full ? withScaleSection(page, table) : table);
  await run(Deno.execPath(), ["fmt", "-q", path], fileURLToPath(new URL("../..", import.meta.url)));
  const written = await Deno.readTextFile(path);
  console.log("\n" + (full ? scaleSection(written) : written));
  if (!full) await Deno.remove(path);
  return 0;
}
