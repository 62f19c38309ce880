/**
 * Row 5: the server's peak RSS (VmHWM) while 32 curl clients each PUT a 256 MiB object at
 * once, on a fresh node so earlier rows leave nothing behind. Reference: the same process's
 * RSS just before the uploads, so the difference is what the uploads cost. (nginx taking the
 * same uploads peaks at ~6 MiB and costs ~35 s more: not worth the bench's time budget.)
 */
import type { Bench } from "../bench.ts";
import { parseMany, uploadArgs } from "../curl.ts";
import { startRemise } from "../remise.ts";
import { verdict } from "../table.ts";
import { hasProgram, memoryOf, MiB, num, runOk, sleep } from "../util.ts";
import { BIG, BIG_SIZE } from "./large.ts";

const CLIENTS = 32;
const TARGET = 200 * MiB;

/** Runs the uploads from a generated shell script, sampling the server's memory meanwhile. */
async function uploadAll(
  b: Bench,
  name: string,
  urls: string[],
  pid: number,
): Promise<{ peak: number; seconds: number }> {
  const file = `${b.files}/${BIG}`;
  const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  const script = [
    "#!/bin/sh",
    ...urls.map((u) => `curl ${uploadArgs(file, u).map(q).join(" ")} &`),
    "wait",
    "",
  ].join("\n");
  const path = `${b.dir}/uploads-${name}.sh`;
  await Deno.writeTextFile(path, script);
  let done = false;
  let peak = 0;
  const sampler = (async () => {
    while (!done) {
      peak = Math.max(peak, (await memoryOf(pid)).peak);
      await sleep(100);
    }
  })();
  const t0 = performance.now();
  const o = await runOk("sh", [path]).finally(() => done = true);
  const seconds = (performance.now() - t0) / 1000;
  await sampler;
  peak = Math.max(peak, (await memoryOf(pid)).peak);
  const results = parseMany(o.stdout);
  const bad = results.filter((r) => r.status < 200 || r.status > 299 || r.bytes !== BIG_SIZE);
  if (results.length !== urls.length || bad.length) {
    throw new Error(`${name}: ${bad.length} of ${urls.length} uploads failed:\n${o.stdout}`);
  }
  return { peak, seconds };
}

export async function memoryRow(b: Bench): Promise<void> {
  if (!await hasProgram("curl")) return;
  const scenario = `Peak RSS, ${CLIENTS} concurrent 256 MiB PUTs (VmHWM)`;
  b.log(scenario);
  const remise = await startRemise();
  let mine;
  let idle;
  try {
    await remise.createBucket("bench-mem");
    idle = await memoryOf(remise.pid);
    const urls = Array.from(
      { length: CLIENTS },
      (_, i) => remise.presign("PUT", "bench-mem", `m${i}`),
    );
    mine = await uploadAll(b, "remise", urls, remise.pid);
  } finally {
    await remise.stop();
  }
  const mib = (n: number) => `${num(n / MiB)} MiB`;
  const total = CLIENTS * BIG_SIZE / 1e6;
  b.report.rows.push({
    scenario,
    remise: mib(mine.peak),
    reference: `${mib(idle.rss)} (same process idle, before the uploads)`,
    ratio: mine.peak / idle.rss,
    target: verdict(`< ${num(TARGET / MiB)} MiB`, mine.peak < TARGET),
  });
  b.report.notes.push(
    `Peak RSS row: the ${CLIENTS} uploads (all of the same 256 MiB file, so blocks ` +
      `deduplicate on disk) took ${mine.seconds.toFixed(1)} s = ${num(total / mine.seconds)} ` +
      `MB/s aggregate; ${mib((mine.peak - idle.rss) / CLIENTS)} of peak RSS per upload.`,
  );
}
