/**
 * `deno task bench --scale [--objects N]`: one node, one bucket filled to N objects of 1 KiB
 * (1,000,000 unless told) through the S3 API at c=32, and at 10%, 25%, 50% and 100% of N: the
 * PUT rate of the last interval and its latencies, random 1 KiB GETs, ListObjectsV2 from the start
 * and from the middle, metadata and data bytes per object on disk, the node's RSS, and the time
 * from kill -9 to the S3 API answering again. The full run writes docs/benchmarks-scale.md; a
 * smaller one only prints. (Anti-entropy between two replicas at this size is not measured yet.)
 */
import { fileURLToPath } from "node:url";
import { startNode, type TestNode } from "../harness.ts";
import { presign, sha256Hex, signHeaders } from "../sigv4.ts";
import { KiB, num, run } from "./util.ts";

const BUCKET = "scale";
const CONCURRENCY = 32;
const MEASURE_MS = 5_000;
const key = (i: number) => `obj/${i.toString().padStart(8, "0")}`;

interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : 0;
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for await (const e of Deno.readDir(dir)) {
    const p = `${dir}/${e.name}`;
    total += e.isDirectory ? await dirBytes(p) : (await Deno.stat(p)).size;
  }
  return total;
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

  constructor(public node: TestNode, readonly creds: Creds) {}

  url(k: string): string {
    return `${this.node.s3}/${BUCKET}/${k}`;
  }

  async put(k: string): Promise<void> {
    const url = this.url(k);
    const res = await fetch(url, {
      method: "PUT",
      body: this.body,
      headers: signHeaders("PUT", url, this.creds, this.node.region, this.bodyHash),
    });
    await res.body?.cancel();
    if (!res.ok) throw new Error(`PUT ${k}: ${res.status}`);
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

  /** kill -9, then the time until the S3 API answers a request again (seconds). */
  async restart(): Promise<number> {
    const dir = this.node.dir;
    await this.node.kill();
    const t = performance.now();
    this.node = await startNode({ dir });
    await this.put("restart-probe");
    return (performance.now() - t) / 1000;
  }
}

export async function scaleBench(args: string[]): Promise<number> {
  const i = args.indexOf("--objects");
  const total = i >= 0 ? Number(args[i + 1]) : 1_000_000;
  const full = total === 1_000_000;
  const node = await startNode();
  const dir = node.dir;
  const started = performance.now();
  const log = (m: string) =>
    console.log(`[${((performance.now() - started) / 1000).toFixed(0).padStart(5)} s] ${m}`);
  const rows: string[] = [];
  let scale: Scale | undefined;
  try {
    const creds = await node.createKey("scale");
    await node.api("POST", `/v2/UpdateKey?id=${creds.accessKeyId}`, {
      allow: { createBucket: true },
    });
    scale = new Scale(node, creds);
    const url = `${node.s3}/${BUCKET}`;
    const made = await fetch(url, {
      method: "PUT",
      headers: signHeaders("PUT", url, creds, node.region, sha256Hex("")),
    });
    await made.body?.cancel();
    for (const share of [0.1, 0.25, 0.5, 1]) {
      const target = Math.round(total * share);
      const before = scale.next;
      log(`filling to ${num(target)} objects`);
      const { seconds, latencies } = await scale.fill(target);
      latencies.sort((a, b) => a - b);
      const putRate = (target - before) / seconds;
      log("GET, list, disk, RSS, restart");
      const getRate = await scale.getRate();
      const listStart = await scale.listRate();
      const listMiddle = await scale.listRate(key(Math.floor(target / 2)));
      const meta = await dirBytes(`${dir}/meta`);
      const data = await dirBytes(`${dir}/data`);
      const rss = await rssMiB(scale.node.process.pid);
      const restart = await scale.restart();
      rows.push(
        `| ${num(target)} | ${num(putRate)}/s · p50 ${
          latencies.length ? percentile(latencies, 0.5).toFixed(1) : "—"
        } ms · p99 ${percentile(latencies, 0.99).toFixed(1)} ms | ${num(getRate)}/s | ${
          listStart.toFixed(1)
        } · ${listMiddle.toFixed(1)} pages/s | ${num(meta / target)} B · ${
          num(data / target)
        } B | ${num(rss)} MiB | ${restart.toFixed(1)} s |`,
      );
      log(rows.at(-1)!);
    }
  } finally {
    await scale?.node.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  const table = [
    `# Scale bench`,
    "",
    `\`deno task bench --scale\` (${
      new Date().toISOString().slice(0, 16).replace("T", " ")
    } UTC, nproc ${navigator.hardwareConcurrency}, Deno ${Deno.version.deno}): one node, one bucket filled with objects of 1 KiB by header-signed PUTs from ${CONCURRENCY} loops in the same machine; at each size: the PUT rate of the interval since the previous size, random presigned GETs for ${
      MEASURE_MS / 1000
    } s, ListObjectsV2 pages of 1,000 from the start and from a \`start-after\` in the middle, metadata (Deno KV files) and data bytes per object, the node's RSS, and the time from \`kill -9\` to a PUT answered again.`,
    "",
    "| objects | PUT (interval) | GET 1 KiB | ListObjectsV2 start · middle | metadata · data per object | RSS | restart after kill -9 |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
    "",
  ].join("\n");
  const path = fileURLToPath(
    new URL(full ? "../../docs/benchmarks-scale.md" : "./scale.partial.md", import.meta.url),
  );
  await Deno.writeTextFile(path, table);
  await run(Deno.execPath(), ["fmt", "-q", path], fileURLToPath(new URL("../..", import.meta.url)));
  console.log("\n" + await Deno.readTextFile(path));
  if (!full) await Deno.remove(path);
  return 0;
}
