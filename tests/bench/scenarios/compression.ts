/**
 * Block compression (zstd at `compression_level`, kept only when smaller): MB/s of a 256 MiB PUT
 * and GET and the bytes on disk, for a text-like file (logs) and for random bytes, on a fresh node
 * at level 1 (the default) next to one with `compression_level = "none"`. Fresh nodes: the bench's
 * own already holds the random file, and would store nothing new for it.
 */
import type { Bench } from "../bench.ts";
import { curlGet, curlPut, type Transfer } from "../curl.ts";
import { BIG, BIG_SIZE } from "./large.ts";
import { type Remise, startRemise } from "../remise.ts";
import { bestOf, dirBytes, hasProgram, num } from "../util.ts";

const BUCKET = "bench-compression";
const TEXT = "text-256m";
const WORDS = ["GET", "PUT", "user", "backup", "photo", "ok", "error", "retry", "node", "bucket"];

/** 256 MiB of log lines: timestamps, words and numbers, compressible as real logs are. */
async function textFile(path: string): Promise<void> {
  const f = await Deno.open(path, { write: true, create: true, truncate: true });
  const enc = new TextEncoder();
  let written = 0;
  let t = Date.parse("2026-01-01T00:00:00Z");
  try {
    while (written < BIG_SIZE) {
      let chunk = "";
      while (chunk.length < 1 << 20) {
        t += Math.floor(Math.random() * 900);
        const w = () => WORDS[Math.floor(Math.random() * WORDS.length)];
        chunk += `${new Date(t).toISOString()} ${w()} /${w()}/${w()}-${
          Math.floor(Math.random() * 1e6)
        }.jpg ${200 + Math.floor(Math.random() * 3) * 100} ${Math.floor(Math.random() * 5e6)}\n`;
      }
      const bytes = enc.encode(chunk).subarray(0, Math.min(chunk.length, BIG_SIZE - written));
      let off = 0;
      while (off < bytes.length) off += await f.write(bytes.subarray(off));
      written += bytes.length;
    }
  } finally {
    f.close();
  }
}

async function timed(fn: () => Promise<Transfer>): Promise<number> {
  const t = await fn();
  if (t.bytes !== BIG_SIZE) throw new Error(`transferred ${t.bytes} bytes, not ${BIG_SIZE}`);
  return t.seconds;
}

interface Measure {
  put: number;
  get: number;
  disk: number;
}

async function measure(r: Remise, file: string, key: string): Promise<Measure> {
  const data = `${r.node.dir}/data`;
  const before = await dirBytes(data);
  const put = await bestOf(2, () => timed(() => curlPut(file, r.presign("PUT", BUCKET, key))));
  const disk = await dirBytes(data) - before;
  const get = await bestOf(2, () => timed(() => curlGet(r.presign("GET", BUCKET, key))));
  return { put, get, disk };
}

const mbps = (s: number) => `${num(BIG_SIZE / 1e6 / s)} MB/s`;
const mb = (n: number) => `${num(n / 1e6)} MB on disk`;

export async function compressionRows(b: Bench): Promise<void> {
  if (!await hasProgram("curl")) return;
  b.log("compression: a 256 MiB text-like file and random bytes, zstd level 1 vs none");
  const text = `${b.files}/${TEXT}`;
  await textFile(text);
  const on = await startRemise("compression_level = 1");
  const off = await startRemise('compression_level = "none"');
  try {
    for (const r of [on, off]) await r.createBucket(BUCKET);
    for (
      const [label, file] of [["text-like (logs)", text], ["random bytes", `${b.files}/${BIG}`]]
    ) {
      const packed = await measure(on, file, label);
      const plain = await measure(off, file, label);
      const ref = "(compression_level none)";
      b.report.rows.push(
        {
          scenario: `PUT 256 MiB ${label}, zstd level 1 vs off (MB/s)`,
          remise: mbps(packed.put),
          reference: `${mbps(plain.put)} ${ref}`,
          ratio: plain.put / packed.put,
        },
        {
          scenario: `GET 256 MiB ${label}, zstd level 1 vs off (MB/s)`,
          remise: mbps(packed.get),
          reference: `${mbps(plain.get)} ${ref}`,
          ratio: plain.get / packed.get,
        },
        {
          scenario: `Disk for 256 MiB ${label}, zstd level 1 vs off (MB)`,
          remise: mb(packed.disk),
          reference: `${mb(plain.disk)} ${ref}`,
          ratio: packed.disk / plain.disk,
        },
      );
    }
  } finally {
    await on.stop();
    await off.stop();
    await Deno.remove(text).catch(() => {});
  }
}
