/**
 * Row 5: the server's peak RSS (VmHWM) while 32 curl clients each PUT a 256 MiB object at
 * once, on a fresh node so earlier rows leave nothing behind. Reference: nginx's worker
 * taking the same 32 uploads by WebDAV PUT (its peak reset first through clear_refs).
 */
import { type Bench, NO_NGINX } from "../bench.ts";
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
  let ref;
  if (b.nginx) {
    const worker = await b.nginx.workerPid();
    // Writing 5 to clear_refs resets VmHWM to the current RSS (Linux ≥ 4.0).
    await Deno.writeTextFile(`/proc/${worker}/clear_refs`, "5").catch(() => {});
    const urls = Array.from({ length: CLIENTS }, (_, i) => `${b.nginx!.url}/dav/m${i}`);
    ref = await uploadAll(b, "nginx", urls, worker);
    for (let i = 0; i < CLIENTS; i++) await Deno.remove(`${b.dir}/dav/m${i}`).catch(() => {});
  }
  const mib = (n: number) => `${num(n / MiB)} MiB`;
  const total = CLIENTS * BIG_SIZE / 1e6;
  b.report.rows.push({
    scenario,
    remise: mib(mine.peak),
    reference: ref ? `${mib(ref.peak)} (nginx worker)` : NO_NGINX,
    ratio: ref ? mine.peak / ref.peak : undefined,
    target: verdict(`< ${num(TARGET / MiB)} MiB`, mine.peak < TARGET),
  });
  b.report.notes.push(
    `Peak RSS row: Remise idle before the uploads: ${mib(idle.rss)}; ` +
      `the ${CLIENTS} uploads (same 256 MiB file, so blocks deduplicate) took ` +
      `${mine.seconds.toFixed(1)} s = ${num(total / mine.seconds)} MB/s aggregate` +
      (ref ? `; nginx took ${ref.seconds.toFixed(1)} s = ${num(total / ref.seconds)} MB/s.` : "."),
  );
}
