/**
 * The long nemesis run: the scenarios of nemesis_test.ts with more writers, cycling their
 * faults until their share of the time is spent, then one Markdown table (and the details of
 * anything that went wrong below it).
 *
 *   deno run -A tests/faults/nemesis_main.ts [--minutes 10] [--out FILE] [--only a,b,c,d]
 *
 * Time shares: a 15 %, b 40 %, c 20 %, d 25 % (d needs root, `ip` and `nft`; c needs
 * faketime; a scenario that cannot run is a "skipped" row). The exit code is 1 when any fault
 * was found or a bound missed. Ctrl-C stops every node and removes every folder and namespace.
 */
import { requireProgram } from "../harness.ts";
import { netLabAvailable } from "./netns.ts";
import {
  cleanUpEverything,
  clockSkew,
  clusterChurn,
  partitions,
  type Scale,
  type ScenarioResult,
  singleNodeKills,
  summaryTable,
} from "./nemesis_scenarios.ts";
import { faultsOf } from "./workload.ts";

interface Args {
  minutes: number;
  out?: string;
  only: Set<string>;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { minutes: 10, only: new Set(["a", "b", "c", "d"]) };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split("=", 2);
    const value = () => inline ?? argv[++i];
    if (flag === "--minutes") args.minutes = Number(value());
    else if (flag === "--out") args.out = value();
    else if (flag === "--only") args.only = new Set(value().split(","));
    else if (flag === "--help" || flag === "-h") {
      console.log("usage: nemesis_main.ts [--minutes N] [--out FILE] [--only a,b,c,d]");
      Deno.exit(0);
    } else throw new Error(`unknown argument ${argv[i]}`);
  }
  if (!(args.minutes > 0)) throw new Error("--minutes takes a positive number");
  return args;
}

type Row = ScenarioResult | { scenario: string; skipped: string };

interface Plan {
  id: string;
  name: string;
  share: number;
  available: () => Promise<boolean>;
  run: (s: Scale) => Promise<ScenarioResult>;
  scale: Omit<Scale, "until" | "log">;
}

const PLANS: Plan[] = [
  {
    id: "a",
    name: "a. one node, kill -9 + restart",
    share: 0.15,
    available: () => Promise.resolve(true),
    run: singleNodeKills,
    scale: { writers: 8, cycles: 3 },
  },
  {
    id: "b",
    name: "b. 3 zones: kill -9, SIGSTOP, add + remove",
    share: 0.4,
    available: () => Promise.resolve(true),
    run: clusterChurn,
    scale: { writers: 3, cycles: 1 },
  },
  {
    id: "c",
    name: "c. clock −2 min on one of 3 nodes",
    share: 0.2,
    available: () => requireProgram("faketime"),
    run: clockSkew,
    scale: { writers: 3, cycles: 2 },
  },
  {
    id: "d",
    name: "d. netns partitions (two-way, one-way)",
    share: 0.25,
    available: netLabAvailable,
    run: partitions,
    scale: { writers: 3, cycles: 2 },
  },
];

function details(rows: Row[]): string {
  const out: string[] = [];
  for (const r of rows) {
    if ("skipped" in r) continue;
    out.push(`### ${r.scenario}`, "");
    const s = r.stats;
    out.push(
      `- writes: ${s.ackedPuts} PUTs and ${s.ackedDeletes} DELETEs acknowledged, ${s.failed} failed`,
    );
    for (const [g, v] of Object.entries(s.byGateway)) {
      out.push(
        `- through ${g}: ${v.acked} acknowledged, ${v.failed} failed, longest ${v.maxMs} ms`,
      );
    }
    for (const [e, n] of s.errors) out.push(`- failure × ${n}: ${e}`);
    out.push(
      `- checker: ${r.report.keys} keys, ${r.report.reads} GETs, ${r.report.unackedVisible} showing an unacknowledged later write (allowed)`,
    );
    for (const n of r.notes) out.push(`- ${n}`);
    for (const e of r.errors) out.push(`- ERROR: ${e}`);
    for (const e of r.report.examples) out.push(`- FAULT: ${e}`);
    out.push("");
  }
  return out.join("\n");
}

if (import.meta.main) {
  const args = parseArgs(Deno.args);
  const interrupted = async () => {
    console.error("interrupted: stopping every node and removing the lab");
    await cleanUpEverything();
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", interrupted);
  Deno.addSignalListener("SIGTERM", interrupted);

  const plans = PLANS.filter((p) => args.only.has(p.id));
  const total = plans.reduce((n, p) => n + p.share, 0);
  const budgetMs = args.minutes * 60_000;
  const start = Date.now();
  const rows: Row[] = [];
  let failed = false;
  for (const p of plans) {
    if (!await p.available()) {
      rows.push({ scenario: p.name, skipped: "skipped: its programs or root are missing" });
      continue;
    }
    // Each scenario gets its share of what is left, so an overrun is caught up by the next ones.
    const left = budgetMs - (Date.now() - start);
    const share = p.share / plans.slice(plans.indexOf(p)).reduce((n, q) => n + q.share, 0);
    const until = Date.now() + Math.max(0, left * share - 30_000);
    console.log(
      `${p.name}: until ${new Date(until).toISOString()} (${(p.share / total * 100).toFixed(0)} %)`,
    );
    try {
      const r = await p.run({ ...p.scale, until, log: (l) => console.log(`  ${l}`) });
      rows.push(r);
      if (Object.keys(faultsOf(r.report)).length || r.errors.length) failed = true;
    } catch (e) {
      failed = true;
      rows.push({ scenario: p.name, skipped: `failed to run: ${(e as Error).message}` });
      console.error(e);
    }
  }
  await cleanUpEverything();
  const table = summaryTable(rows);
  const text = [
    `# Nemesis run, ${new Date(start).toISOString()}, ${
      ((Date.now() - start) / 60_000).toFixed(1)
    } min`,
    "",
    table,
    "",
    details(rows),
  ].join("\n");
  console.log(`\n${table}\n\n${details(rows)}`);
  if (args.out) await Deno.writeTextFile(args.out, text + "\n");
  Deno.removeSignalListener("SIGINT", interrupted);
  Deno.removeSignalListener("SIGTERM", interrupted);
  Deno.exit(failed ? 1 : 0);
}
