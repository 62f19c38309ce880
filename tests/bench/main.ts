/**
 * `deno task bench`: Remise against references measured in the same run on the same files
 * (nginx, a raw Deno KV scan, coreutils, dd). Prints one Markdown table and writes it to
 * docs/benchmarks.md, replacing it. Options for quick looks (which then write no file):
 * `--seconds N` per wrk run (default 10), `--objects N` in the listed bucket (default
 * 100,000), `--only a,b` with scenario names get, public, website, put, large, compression, list, versions, memory,
 * hash, cluster. `--scale [--objects N]` runs the scale bench instead (scale.ts).
 */
import { fileURLToPath } from "node:url";
import type { Bench } from "./bench.ts";
import { startNginx } from "./nginx.ts";
import { startRemise } from "./remise.ts";
import { clusterRows } from "./scenarios/cluster.ts";
import { compressionRows } from "./scenarios/compression.ts";
import { getRows } from "./scenarios/get.ts";
import { hashRows } from "./scenarios/hash.ts";
import { BIG, BIG_SIZE, largeRows } from "./scenarios/large.ts";
import { listRow } from "./scenarios/list.ts";
import { memoryRow } from "./scenarios/memory.ts";
import { publicRow } from "./scenarios/public.ts";
import { putRow } from "./scenarios/put.ts";
import { websiteRow } from "./scenarios/website.ts";
import { versionRows } from "./scenarios/versions.ts";
import { keepScaleSection } from "./scale_section.ts";
import { render, type Report } from "./table.ts";
import { scaleBench } from "./scale.ts";
import { hasProgram, randomFile, run, stopChildren } from "./util.ts";

const SCENARIOS: [string, (b: Bench) => Promise<void>][] = [
  ["get", getRows],
  ["public", publicRow],
  ["website", websiteRow],
  ["put", putRow],
  ["large", largeRows],
  ["compression", compressionRows],
  ["list", listRow],
  ["versions", versionRows],
  ["memory", memoryRow],
  ["hash", hashRows],
  ["cluster", clusterRows],
];

/** What docs/benchmarks.md says above each run's table. */
const HOW_TO_READ = `# Benchmarks

\`deno task bench\` measures one node (and a 3-zone cluster behind delay relays) against references
measured in the same run, on the same machine: nginx on loopback for HTTP, a raw Deno KV scan for
listings, \`sha256sum\`, \`md5sum\` and \`dd\` for hashing and disk writes, an idle connection for
RPC. It needs \`nginx\`, \`wrk\` and \`curl\` (no root) and takes about 5 minutes; a full run
replaces this page (the history is in git).

The scale bench (\`deno task bench --scale\`: one bucket of a two-node cluster filled to 1,000,000
objects, with anti-entropy between the nodes) takes 20 minutes and replaces only the last section
of this page, [scale](#scale-bench), which a default run keeps; [scaling.md](scaling.md) says what
grows and why.

How to read it: the ratio is Remise ÷ reference for the first figure of a row (above 1 is better
for rates and MB/s, worse for memory); a target is met or MISSED in the run shown. The
development host is a 2-core VM whose speed drifts by ±30% between runs and whose load generator
shares the cores with the server, so compare ratios, not absolute figures, and rerun a row near its
line (\`deno task bench --only get,put --seconds 5\`) before drawing a conclusion.

`;

function option(name: string): string | undefined {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Deno.args[i + 1] : undefined;
}

async function version(program: string, args: string[], re: RegExp): Promise<string> {
  if (!await hasProgram(program)) return `${program} missing`;
  const o = await run(program, args);
  return re.exec(o.stdout + o.stderr)?.[1] ?? "?";
}

async function header(): Promise<string[]> {
  const cpu = /^model name\s*:\s*(.+)$/m.exec(await Deno.readTextFile("/proc/cpuinfo"))?.[1];
  const nginx = await version("nginx", ["-v"], /nginx\/(\S+)/);
  const wrk = await version("wrk", ["-v"], /wrk (\S+)/);
  const curl = await version("curl", ["--version"], /curl (\S+)/);
  const load = (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
  return [
    `## Remise bench — ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`,
    "",
    `Machine: nproc ${navigator.hardwareConcurrency}, CPU ${cpu ?? "?"}, ` +
    `Linux ${Deno.osRelease()}, ${Math.round(Deno.systemMemoryInfo().total / 2 ** 30)} GiB RAM. ` +
    `Deno ${Deno.version.deno}, nginx ${nginx} (1 worker), wrk ${wrk}, curl ${curl}. ` +
    `Everything runs on loopback on the same cores as the load generator; ` +
    `load average at start ${load}.`,
  ];
}

async function main(): Promise<number> {
  const seconds = Number(option("seconds") ?? 10);
  const objects = Number(option("objects") ?? 100_000);
  const only = option("only")?.split(",");
  const complete = !only && seconds === 10 && objects === 100_000;
  const dir = await Deno.makeTempDir({ prefix: "remise-bench-" });
  const files = `${dir}/files`;
  await Deno.mkdir(files);
  const report: Report = { header: await header(), rows: [], notes: [] };
  const started = performance.now();
  const log = (msg: string) =>
    console.log(`[${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${msg}`);
  let failed = 0;
  let bench: Bench | undefined;
  const cleanup = async () => {
    await bench?.nginx?.stop().catch(() => {});
    await bench?.remise.stop().catch(() => {});
    await stopChildren();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  const onSignal = () => cleanup().finally(() => Deno.exit(130));
  Deno.addSignalListener("SIGINT", onSignal);
  try {
    log("preparing files, nginx and a Remise node");
    await randomFile(`${files}/${BIG}`, BIG_SIZE);
    const nginx = await startNginx(`${dir}/nginx`, files, `${dir}/dav`);
    const remise = await startRemise();
    bench = { dir, files, remise, nginx, report, seconds, objects, log };
    for (const [name, fn] of SCENARIOS) {
      if (only && !only.includes(name)) continue;
      try {
        await fn(bench);
      } catch (e) {
        failed++;
        console.error(e);
        report.rows.push({ scenario: `${name}: FAILED`, remise: "error", reference: "—" });
        report.notes.push(`${name} failed: ${(e as Error).message.split("\n")[0]}`);
      }
    }
  } finally {
    await cleanup();
    Deno.removeSignalListener("SIGINT", onSignal);
  }
  report.notes.unshift(
    "ratio = Remise ÷ reference for the first figure of each row: above 1 is better for rates " +
      "and MB/s, worse for memory.",
    `Whole bench: ${
      ((performance.now() - started) / 1000).toFixed(0)
    } s; wrk runs of ${seconds} s; ` +
      "GET/PUT rows rotate over precomputed signed requests (wrk signs nothing).",
  );
  // Written through `deno fmt` (aligned columns) so the repository's fmt check stays clean.
  const path = fileURLToPath(
    new URL(complete ? "../../docs/benchmarks.md" : "./last-run.partial.md", import.meta.url),
  );
  const page = (complete ? HOW_TO_READ : "") + render(report);
  const previous = complete ? await Deno.readTextFile(path).catch(() => "") : "";
  await Deno.writeTextFile(path, keepScaleSection(page, previous));
  await run(Deno.execPath(), ["fmt", "-q", path], fileURLToPath(new URL("../..", import.meta.url)));
  console.log("\n" + await Deno.readTextFile(path));
  if (!complete) await Deno.remove(path);
  return failed ? 1 : 0;
}

Deno.exit(Deno.args.includes("--scale") ? await scaleBench(Deno.args) : await main());
