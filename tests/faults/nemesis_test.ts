/**
 * The nemesis suite, short enough for CI: writers run through real faults and a checker then
 * reads every key ever acknowledged through every live node (GetObject and ListObjectsV2).
 * Each case proves that nothing acknowledged is lost, stale, corrupt or resurrected, that no
 * key appears that nobody wrote, and that every node lists what it serves:
 *
 * a. one node, 4 writers, `kill -9` and a restart on the same folder, 3 times;
 * b. three nodes in three zones (replication 3), writers on each: one killed and restarted,
 *    another frozen (SIGSTOP) for 8 s, a fourth given a role and then the oldest removed; the
 *    layout changes end on every node within 60 s and the removed node empties within 90 s;
 * c. three nodes, one restarted with its clock 2 minutes behind (faketime) while writers
 *    overwrite the same keys through every node: every node returns each key's last
 *    acknowledged write;
 * d. three nodes in network namespaces (root, `ip`, `nft`): one isolated both ways for 8 s,
 *    then one unable to receive from another for 8 s, while a scripted writer overwrites keys
 *    through the isolated node; writes through the cut-off side may fail but nothing
 *    acknowledged is lost, checked 15 s after the heal.
 *
 * What each category means is in workload.ts; the scenarios are in nemesis_scenarios.ts and
 * `deno run -A tests/faults/nemesis_main.ts` runs them for longer.
 */
import { assert, assertEquals } from "../assert.ts";
import { requireProgram } from "../harness.ts";
import { netLabAvailable } from "./netns.ts";
import {
  clockSkew,
  clusterChurn,
  EMPTY_BOUND_MS,
  LAYOUT_BOUND_MS,
  partitions,
  type ScenarioResult,
  singleNodeKills,
  summaryTable,
} from "./nemesis_scenarios.ts";
import { faultsOf, formatReport } from "./workload.ts";

const log = (line: string) => console.log(line);

/** Prints the result, then asserts every fault category is 0 and every bound was met. */
function assertClean(r: ScenarioResult): void {
  console.log(summaryTable([r]));
  console.log(formatReport(r.report));
  for (const n of r.notes) console.log(`note: ${n}`);
  console.log(`writes: ${JSON.stringify(r.stats)}`);
  assert(r.stats.acked > 0, "no write was acknowledged");
  assertEquals(faultsOf(r.report), {}, r.report.examples.join("\n"));
  assertEquals(r.errors, []);
}

Deno.test("nemesis a: one node killed with -9 and restarted 3 times loses nothing acknowledged", async () => {
  assertClean(await singleNodeKills({ writers: 4, cycles: 3, log }));
});

Deno.test("nemesis b: kill -9, SIGSTOP and a layout change (add, then remove) under writes", async () => {
  const r = await clusterChurn({ writers: 1, cycles: 1, log });
  assertClean(r);
  assertEquals(r.layoutMs.length, 2);
  assert(r.layoutMs.every((ms) => ms <= LAYOUT_BOUND_MS), `layout changes took ${r.layoutMs}`);
  assert(r.emptyMs.every((ms) => ms <= EMPTY_BOUND_MS), `the removed node took ${r.emptyMs}`);
});

Deno.test("nemesis c: one node 2 minutes behind does not reorder overwrites of the same keys", async () => {
  if (!await requireProgram("faketime")) return;
  assertClean(await clockSkew({ writers: 2, cycles: 1, log }));
});

Deno.test("nemesis d: two-way and one-way network partitions lose nothing acknowledged", async () => {
  if (!await netLabAvailable()) return;
  assertClean(await partitions({ writers: 2, cycles: 1, log }));
});
