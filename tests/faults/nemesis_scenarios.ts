/**
 * The nemesis scenarios, shared by the short CI suite (nemesis_test.ts) and the long run
 * (nemesis_main.ts): each starts real nodes, runs the writers of workload.ts through real
 * faults (kill -9, SIGSTOP, faketime, layout changes, nftables partitions), heals, runs the
 * checker through every live node and stops everything it started, even when it fails.
 *
 * A scenario runs `cycles` fault cycles, and more while `until` (a time) is not reached.
 */
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import type {
  GetClusterLayoutResponse,
  GetClusterStatusResponse,
  UpdateClusterLayoutRequest,
} from "../../shared/admin.ts";
import { CLUSTER_TOML, type ClusterNode, eventually, nodeIdentity } from "../cluster.ts";
import { type NodeOptions, startNode, type TestNode } from "../harness.ts";
import { NetLab } from "./netns.ts";
import {
  check,
  type CheckReport,
  type Credentials,
  dataDirEmptied,
  Gateway,
  layoutChangeEnded,
  Workload,
  workloadClient,
  type WorkloadStats,
} from "./workload.ts";

/** Objects above 64 KiB span blocks; below 3 KiB they are stored inline. */
export const BLOCK_TOML = "block_size = 65536";
export const BUCKET = "nemesis";
/** How long a layout change may take to end on every node, and a removed node to empty. */
export const LAYOUT_BOUND_MS = 60_000;
export const EMPTY_BOUND_MS = 90_000;
export const LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
export const SKEW_SECONDS = -120;

export interface Scale {
  /** Writers per node (scenario a: in all). */
  writers: number;
  /** Fault cycles, at least. */
  cycles: number;
  /** Keep running cycles while this time (ms since the epoch) is not reached. */
  until?: number;
  /** Each writer's pause after an acknowledged operation, ms (per scenario by default). */
  pauseMs?: number;
  /** How long a node stays frozen or a cut stays in place, ms (8000). */
  faultMs?: number;
  /** How long writers go on once the last fault is healed, before the check (d: 15000). */
  settleMs?: number;
  log?: (line: string) => void;
}

export interface ScenarioResult {
  scenario: string;
  wallMs: number;
  cycles: number;
  stats: WorkloadStats;
  report: CheckReport;
  /** Each layout change's time to end on every node, ms. */
  layoutMs: number[];
  /** Each removed node's time to hold no block file, ms from the removal. */
  emptyMs: number[];
  /** What the faults were seen to do (node seen down, clock offset, …). */
  notes: string[];
  /** Bounds missed and faults that did not take effect. */
  errors: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const jitter = (min: number, max: number) => min + Math.random() * (max - min);

/**
 * What is running, so that an interrupted long run can still stop it (`cleanUpEverything`);
 * every scenario also stops what it started in its own `finally`.
 */
const running = {
  nodes: new Set<TestNode>(),
  dirs: new Set<string>(),
  labs: new Set<NetLab>(),
};

export async function cleanUpEverything(): Promise<void> {
  await Promise.all([...running.nodes].map((n) => retire(n, "kill").catch(() => {})));
  running.nodes.clear();
  for (const lab of running.labs) await lab.close().catch(() => {});
  running.labs.clear();
  for (const d of running.dirs) await Deno.remove(d, { recursive: true }).catch(() => {});
  running.dirs.clear();
}

async function tempDir(): Promise<string> {
  const d = await Deno.makeTempDir({ prefix: "remise-nemesis-" });
  running.dirs.add(d);
  return d;
}

async function removeDir(d: string): Promise<void> {
  await Deno.remove(d, { recursive: true }).catch(() => {});
  running.dirs.delete(d);
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** A node of a scenario, with what it takes to start it again and its writers' gateway. */
interface Member {
  label: string;
  zone: string;
  opts: NodeOptions & { dir: string };
  node: ClusterNode;
  gw?: Gateway;
}

async function launch(opts: NodeOptions): Promise<ClusterNode> {
  const n = await startNode(opts);
  running.nodes.add(n);
  try {
    return await nodeIdentity(n);
  } catch (e) {
    await n.stop();
    running.nodes.delete(n);
    throw e;
  }
}

/**
 * Ends a node, frozen or not, by `kill -9` or a stop. A killed node cannot remove the folder of
 * its HTTP gates' sockets (TestNode.sockets), so the suite does.
 */
async function retire(n: TestNode, how: "kill" | "stop"): Promise<void> {
  try {
    n.process.kill("SIGCONT");
  } catch { /* exited */ }
  if (how === "kill") {
    await n.kill();
    await Deno.remove(n.sockets, { recursive: true }).catch(() => {});
  } else await n.stop();
  running.nodes.delete(n);
}

function clusterOptions(dir: string, extra: Partial<NodeOptions> = {}): NodeOptions & {
  dir: string;
} {
  return {
    dir,
    rpcPort: freePort(),
    autoLayout: false,
    replicationFactor: 3,
    extraToml: [CLUSTER_TOML, BLOCK_TOML].join("\n"),
    ...extra,
  };
}

async function newMember(
  label: string,
  zone: string,
  extra: Partial<NodeOptions> = {},
): Promise<Member> {
  const opts = clusterOptions(await tempDir(), extra);
  return { label, zone, opts, node: await launch(opts) };
}

async function allUp(members: Member[]): Promise<void> {
  await Promise.all(members.map((m) =>
    eventually(
      `every node up as ${m.label} sees it`,
      () => m.node.api<GetClusterStatusResponse>("GET", "/v2/GetClusterStatus"),
      (s) => s.nodes.filter((x) => x.isUp).length >= members.length,
      60_000,
    )
  ));
}

/** Applies the next layout version with these role changes; returns it and when it applied. */
async function applyLayout(
  via: TestNode,
  roles: UpdateClusterLayoutRequest["roles"],
): Promise<{ version: number; at: number }> {
  const before = await via.api<GetClusterLayoutResponse>("GET", "/v2/GetClusterLayout");
  const staged = await via.api<GetClusterLayoutResponse>("POST", "/v2/UpdateClusterLayout", {
    roles,
  });
  try {
    await via.api("POST", "/v2/ApplyClusterLayout", { version: before.version + 1 });
  } catch (e) {
    // What the node held when it refused: the roles of its current version and those staged.
    const brief = (l: GetClusterLayoutResponse) =>
      JSON.stringify({
        version: l.version,
        roles: l.roles.map((r) => `${r.id.slice(0, 8)}:${r.zone}:${r.capacity}`),
        staged: l.stagedRoleChanges.map((c) =>
          "remove" in c ? `${c.id.slice(0, 8)}:remove` : `${c.id.slice(0, 8)}:${c.zone}`
        ),
      });
    throw new Error(
      `${(e as Error).message}\nbefore the update: ${brief(before)}\nafter it: ${brief(staged)}`,
    );
  }
  return { version: before.version + 1, at: Date.now() };
}

/** Connects the members, gives each a role in its zone and waits for version 1 everywhere. */
async function formCluster(members: Member[]): Promise<void> {
  await members[0].node.api(
    "POST",
    "/v2/ConnectClusterNodes",
    members.slice(1).map((m) => m.node.peerAddress),
  );
  await allUp(members);
  await applyLayout(
    members[0].node,
    members.map((m) => ({ id: m.node.id, zone: m.zone, capacity: 1e9, tags: [] })),
  );
  await Promise.all(members.map((m) =>
    eventually(
      "layout version 1",
      () => m.node.api<GetClusterStatusResponse>("GET", "/v2/GetClusterStatus"),
      (s) => s.layoutVersion >= 1,
    )
  ));
}

async function keyAndBucket(n: TestNode): Promise<Credentials> {
  const key = await n.createKey("nemesis");
  const c = workloadClient(n, key, 5);
  try {
    await c.send(new CreateBucketCommand({ Bucket: BUCKET }));
  } finally {
    c.destroy();
  }
  return key;
}

/** The checker's reads through every member of a cluster scenario. */
function checkMembers(w: Workload, members: Member[], key: Credentials) {
  return check(w, members.map((m) => ({ label: m.label, node: m.node })), key);
}

/** Ends a cluster scenario whatever happened: writers, clients, nodes, then their folders. */
async function tearDown(w: Workload | undefined, gateways: Gateway[], members: Member[]) {
  await w?.stop();
  for (const g of gateways) g.destroy();
  await Promise.all(members.map((m) => retire(m.node, "stop")));
  for (const m of members) await removeDir(m.opts.dir);
}

/** How long until `who` sees `whom` down (or null if not within `ms`). */
async function seenDown(who: TestNode, whom: string, ms: number): Promise<number | null> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    try {
      const s = await who.api<GetClusterStatusResponse>("GET", "/v2/GetClusterStatus");
      if (s.nodes.some((n) => n.id === whom && !n.isUp)) return Date.now() - t0;
    } catch { /* the node may be busy */ }
    await sleep(100);
  }
  return null;
}

/** The scenario's log, each line stamped with the seconds since it started. */
function logger(s: Scale, t0: number): (line: string) => void {
  return (line) => s.log?.(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${line}`);
}

/**
 * Counts fault cycles: `next()` starts one while fewer than `cycles` ran, or while one as long
 * as the longest so far still ends before `until`.
 */
function cycler(s: Scale): { next(): boolean; count: number } {
  let started = 0;
  let longest = 0;
  return {
    count: 0,
    next() {
      const now = Date.now();
      if (this.count > 0) longest = Math.max(longest, now - started);
      const go = this.count < s.cycles || (s.until !== undefined && now + longest < s.until);
      if (go) {
        started = now;
        this.count++;
      }
      return go;
    },
  };
}

function result(
  scenario: string,
  t0: number,
  cycles: number,
  stats: WorkloadStats,
  report: CheckReport,
  extra: Partial<ScenarioResult> = {},
): ScenarioResult {
  return {
    scenario,
    wallMs: Date.now() - t0,
    cycles,
    stats,
    report,
    layoutMs: [],
    emptyMs: [],
    notes: [],
    errors: [],
    ...extra,
  };
}

/**
 * a. One node, writers through it, `kill -9` and a restart on the same data folder, again and
 * again: every write acknowledged before a kill is there after it.
 */
export async function singleNodeKills(s: Scale): Promise<ScenarioResult> {
  const t0 = Date.now();
  const log = logger(s, t0);
  const dir = await tempDir();
  const opts: NodeOptions = { dir, extraToml: BLOCK_TOML };
  let node: TestNode = await launch(opts);
  let gw: Gateway | undefined;
  let w: Workload | undefined;
  try {
    const key = await keyAndBucket(node);
    gw = new Gateway(node, "n0", key);
    const g = gw;
    w = new Workload({
      bucket: BUCKET,
      writers: Array.from({ length: s.writers }, () => [g]),
      pauseMs: s.pauseMs ?? 0,
      log,
    });
    const cycles = cycler(s);
    while (cycles.next()) {
      const c = cycles.count - 1;
      await sleep(jitter(1000, 2500));
      const before = w.stats().acked;
      await retire(node, "kill");
      log(`a: cycle ${c + 1}: kill -9 after ${before} acknowledged operations`);
      await sleep(300);
      node = await launch(opts);
      gw.point(node);
    }
    await sleep(1500);
    const stats = await w.stop();
    log(`writers stopped: ${stats.acked} acknowledged, ${stats.failed} failed; checking`);
    const report = await check(w, [{ label: "n0", node }], key);
    return result("a. one node, kill -9 + restart", t0, cycles.count, stats, report);
  } finally {
    await w?.stop();
    gw?.destroy();
    await retire(node, "stop");
    await removeDir(dir);
  }
}

/**
 * b. Three nodes in three zones (replication 3), writers on every node: a node killed and
 * restarted, another frozen (SIGSTOP) then thawed, a fourth node given a role and then the
 * oldest one removed, all while writing. The layout changes must end on every node within
 * LAYOUT_BOUND_MS and the removed node must hold no block file within EMPTY_BOUND_MS.
 */
export async function clusterChurn(s: Scale): Promise<ScenarioResult> {
  const t0 = Date.now();
  const log = logger(s, t0);
  const faultMs = s.faultMs ?? 8000;
  const zones = "abcdefghijklmnopqrstuvwxyz";
  let zoneCount = 0;
  const members: Member[] = [];
  const everyone: Member[] = [];
  const gateways: Gateway[] = [];
  let w: Workload | undefined;
  const layoutMs: number[] = [];
  const emptyMs: number[] = [];
  const notes: string[] = [];
  const errors: string[] = [];
  try {
    const started = await Promise.allSettled(
      [0, 1, 2].map((i) => newMember(`n${i}`, zones[zoneCount + i])),
    );
    zoneCount = 3;
    for (const r of started) if (r.status === "fulfilled") members.push(r.value);
    everyone.push(...members);
    if (members.length < 3) {
      throw (started.find((r) => r.status === "rejected") as PromiseRejectedResult).reason;
    }
    await formCluster(members);
    const key = await keyAndBucket(members[0].node);
    for (const m of members) gateways.push(m.gw = new Gateway(m.node, m.label, key));
    w = new Workload({
      bucket: BUCKET,
      writers: members.flatMap((m) => Array.from({ length: s.writers }, () => [m.gw!])),
      pauseMs: s.pauseMs ?? 100,
      log,
    });
    const cycles = cycler(s);
    while (cycles.next()) {
      const c = cycles.count - 1;
      await sleep(jitter(1500, 2500));
      // kill -9 and restart on the same folder and peer port.
      const killed = members[(c + 1) % 3];
      await retire(killed.node, "kill");
      log(`b: cycle ${c + 1}: kill -9 ${killed.label}`);
      await sleep(jitter(500, 1500));
      killed.node = await launch(killed.opts);
      killed.gw!.point(killed.node);
      await allUp(members);
      await sleep(1000);

      // SIGSTOP, then SIGCONT.
      const frozen = members[(c + 2) % 3];
      frozen.node.process.kill("SIGSTOP");
      log(`b: cycle ${c + 1}: SIGSTOP ${frozen.label} for ${faultMs} ms`);
      const down = await seenDown(members[c % 3].node, frozen.node.id, faultMs);
      notes.push(`${frozen.label} frozen: seen down after ${down ?? "never"} ms`);
      if (down === null) {
        errors.push(`${frozen.label} frozen for ${faultMs} ms was never seen down`);
      }
      await sleep(Math.max(0, faultMs - (down ?? faultMs)));
      frozen.node.process.kill("SIGCONT");
      await allUp(members);
      await sleep(1000);

      // A new node in a zone of its own.
      const label = `n${everyone.length}`;
      const joiner = await newMember(label, zones[zoneCount++ % zones.length]);
      everyone.push(joiner);
      await members[0].node.api("POST", "/v2/ConnectClusterNodes", [joiner.node.peerAddress]);
      await allUp([...members, joiner]);
      const add = await applyLayout(members[0].node, [
        { id: joiner.node.id, zone: joiner.zone, capacity: 1e9, tags: [] },
      ]);
      log(`b: cycle ${c + 1}: ${joiner.label} given a role (layout v${add.version})`);
      members.push(joiner);
      try {
        layoutMs.push(
          await layoutChangeEnded(members.map((m) => m.node), add.version, add.at, LAYOUT_BOUND_MS),
        );
        log(`b: cycle ${c + 1}: layout v${add.version} ended on every node`);
      } catch (e) {
        errors.push(String(e));
        layoutMs.push(NaN);
      }

      // The oldest node removed; its writers' gateway now points at the new node.
      const leaving = members[0];
      const remove = await applyLayout(members[1].node, [{ id: leaving.node.id, remove: true }]);
      log(`b: cycle ${c + 1}: ${leaving.label} removed (layout v${remove.version})`);
      joiner.gw = leaving.gw;
      leaving.gw = undefined;
      joiner.gw!.point(joiner.node, joiner.label);
      try {
        layoutMs.push(
          await layoutChangeEnded(
            members.map((m) => m.node),
            remove.version,
            remove.at,
            LAYOUT_BOUND_MS,
          ),
        );
        log(`b: cycle ${c + 1}: layout v${remove.version} ended on every node`);
      } catch (e) {
        errors.push(String(e));
        layoutMs.push(NaN);
      }
      try {
        emptyMs.push(await dataDirEmptied(`${leaving.opts.dir}/data`, remove.at, EMPTY_BOUND_MS));
        log(`b: cycle ${c + 1}: ${leaving.label} holds no block`);
      } catch (e) {
        errors.push(String(e));
        emptyMs.push(NaN);
      }
      members.shift();
      await retire(leaving.node, "stop");
    }
    await sleep(1500);
    const stats = await w.stop();
    log(`writers stopped: ${stats.acked} acknowledged, ${stats.failed} failed; checking`);
    const report = await checkMembers(w, members, key);
    return result("b. 3 zones: kill -9, SIGSTOP, add + remove", t0, cycles.count, stats, report, {
      layoutMs,
      emptyMs,
      notes,
      errors,
    });
  } finally {
    await tearDown(w, gateways, everyone);
  }
}

/**
 * c. Three nodes; one restarts with its clock two minutes behind (faketime) while writers
 * overwrite a few keys each, every write through the next node in turn, so writes through the
 * slow clock follow writes through the right ones and the other way round. For every key,
 * every node must return the last acknowledged write.
 */
export async function clockSkew(s: Scale): Promise<ScenarioResult> {
  const t0 = Date.now();
  const log = logger(s, t0);
  const members: Member[] = [];
  const gateways: Gateway[] = [];
  let w: Workload | undefined;
  const notes: string[] = [];
  const errors: string[] = [];
  const faketime = {
    LD_PRELOAD: LIBFAKETIME,
    FAKETIME: `${SKEW_SECONDS}s`,
    FAKETIME_DONT_FAKE_MONOTONIC: "1",
  };
  try {
    const started = await Promise.allSettled(
      [0, 1, 2].map((i) => newMember(`n${i}`, "abc"[i])),
    );
    for (const r of started) if (r.status === "fulfilled") members.push(r.value);
    if (members.length < 3) {
      throw (started.find((r) => r.status === "rejected") as PromiseRejectedResult).reason;
    }
    await formCluster(members);
    const key = await keyAndBucket(members[0].node);
    for (const m of members) gateways.push(m.gw = new Gateway(m.node, m.label, key));
    w = new Workload({
      bucket: BUCKET,
      writers: Array.from({ length: s.writers * 3 }, () => gateways),
      keysPerWriter: 4,
      deleteRate: 0.1,
      pauseMs: s.pauseMs ?? 50,
      log,
      readBack: true,
    });
    let skewed: Member | undefined;
    const cycles = cycler(s);
    while (cycles.next()) {
      const c = cycles.count - 1;
      await sleep(jitter(1500, 2500));
      if (skewed) {
        // Back to the right time before the next node goes wrong.
        await retire(skewed.node, "stop");
        skewed.node = await launch(skewed.opts);
        skewed.gw!.point(skewed.node, skewed.label);
        await allUp(members);
      }
      skewed = members[c % 3];
      await retire(skewed.node, "stop");
      skewed.node = await launch({ ...skewed.opts, env: faketime });
      skewed.gw!.point(skewed.node, `${skewed.label}(${SKEW_SECONDS}s)`);
      await allUp(members);
      // The node's clock as it shows in its answers' Date header.
      const res = await fetch(`${skewed.node.admin}/health`);
      await res.body?.cancel();
      const offset = Math.round((Date.parse(res.headers.get("date") ?? "") - Date.now()) / 1000);
      notes.push(`${skewed.label} runs ${offset} s off`);
      log(`c: cycle ${c + 1}: ${skewed.label} restarted under faketime, ${offset} s off`);
      if (!(Math.abs(offset - SKEW_SECONDS) <= 5)) {
        errors.push(`${skewed.label}'s clock is ${offset} s off, not ${SKEW_SECONDS} s`);
      }
      await sleep(s.faultMs ?? 8000);
    }
    const stats = await w.stop();
    log(`writers stopped: ${stats.acked} acknowledged, ${stats.failed} failed; checking`);
    // How often a write followed an acknowledged one through a node with the other clock.
    let crossings = 0;
    for (const ops of w.byKey.values()) {
      for (let i = 1; i < ops.length; i++) {
        const a = ops[i - 1], b = ops[i];
        if (a.ok && b.ok && a.via.includes("(") !== b.via.includes("(")) crossings++;
      }
    }
    notes.push(`${crossings} acknowledged writes followed one through a node with the other clock`);
    notes.push(
      `${stats.readBacks} reads through the next node right after an acknowledged write (${stats.readBackErrors} failed: node down)`,
    );
    errors.push(...stats.readBackFaults.map((f) => `read back: ${f}`));
    const report = await checkMembers(w, members, key);
    return result("c. clock −2 min on one of 3 nodes", t0, cycles.count, stats, report, {
      notes,
      errors,
    });
  } finally {
    await tearDown(w, gateways, members);
  }
}

/**
 * d. Three nodes, each in its own network namespace: one isolated from the two others both
 * ways, healed; then one that cannot receive from another while that one still receives from
 * it, healed. Writers on every node; writes through the isolated node may fail, never be lost.
 * Besides the random writers, a scripted one makes sure the isolated node is asked to
 * overwrite keys acknowledged just before the cut with small (inline) bodies, and the check
 * comes `settleMs` after the last heal, once what the isolated node queued has run.
 */
export async function partitions(s: Scale): Promise<ScenarioResult> {
  const t0 = Date.now();
  const log = logger(s, t0);
  const faultMs = s.faultMs ?? 8000;
  const members: Member[] = [];
  const gateways: Gateway[] = [];
  const notes: string[] = [];
  const errors: string[] = [];
  let w: Workload | undefined;
  const lab = await NetLab.open(3);
  running.labs.add(lab);
  try {
    const started = await Promise.allSettled([0, 1, 2].map(async (i) => {
      const opts = clusterOptions(await tempDir(), { ...lab.nodeOptions(i), rpcPort: 3901 });
      return { label: `n${i}`, zone: "abc"[i], opts, node: await launch(opts) };
    }));
    for (const r of started) if (r.status === "fulfilled") members.push(r.value);
    if (members.length < 3) {
      throw (started.find((r) => r.status === "rejected") as PromiseRejectedResult).reason;
    }
    await formCluster(members);
    const key = await keyAndBucket(members[0].node);
    for (const m of members) gateways.push(m.gw = new Gateway(m.node, m.label, key));
    w = new Workload({
      bucket: BUCKET,
      writers: members.flatMap((m) => Array.from({ length: s.writers }, () => [m.gw!])),
      pauseMs: s.pauseMs ?? 100,
      log,
    });
    /**
     * A scripted writer of its own, the only one to touch the probe keys: before each two-way
     * cut it PUTs them through the majority side, during it through the isolated node.
     */
    const PROBE_WRITER = 1000;
    const probeKeys = ["probe/0", "probe/1", "probe/2", "probe/3"];
    /** Holds a cut for faultMs, noting whether `who` saw `whom` go down, then heals. */
    const hold = async (what: string, who: number, whom: number) => {
      log(`d: ${what}: ${await lab.rules()}`);
      const t = Date.now();
      const down = await seenDown(members[who].node, members[whom].node.id, faultMs);
      notes.push(
        `${what}: ${members[who].label} saw ${members[whom].label} down after ${
          down ?? "never"
        } ms`,
      );
      if (down === null) errors.push(`${what}: the cut did not show`);
      await sleep(Math.max(0, faultMs - (Date.now() - t)));
      await lab.heal();
      await allUp(members);
    };
    const cycles = cycler(s);
    while (cycles.next()) {
      const c = cycles.count - 1;
      await sleep(jitter(1500, 2500));
      const alone = c % 3;
      const [x, y] = [0, 1, 2].filter((i) => i !== alone);
      // The probe keys hold a multi-block object, acknowledged through the majority side.
      for (const k of probeKeys) await w.perform(PROBE_WRITER, members[x].gw!, "put", k, 100_000);
      await lab.cut(alone, x, "both");
      await lab.cut(alone, y, "both");
      // While cut off, the isolated node is asked to overwrite them with small (inline) bodies.
      const probes = Promise.all(
        probeKeys.map((k) => w!.perform(PROBE_WRITER, members[alone].gw!, "put", k, 2000)),
      );
      await hold(`cycle ${c + 1}: ${members[alone].label} isolated both ways`, x, alone);
      const probed = await probes;
      notes.push(
        `cycle ${c + 1}: inline overwrites through the isolated ${members[alone].label}: ${
          probed.filter((op) => !op.ok).length
        } of ${probed.length} failed`,
      );
      await sleep(jitter(1500, 2500));
      const [a, b] = [(c + 1) % 3, (c + 2) % 3];
      // a cannot receive from b; b still receives from a.
      await lab.cut(a, b, "one-way");
      await hold(
        `cycle ${c + 1}: ${members[a].label} cannot receive from ${members[b].label}`,
        a,
        b,
      );
    }
    // What the cut-off side queued runs once it reaches the others again: let it.
    await sleep(s.settleMs ?? 15_000);
    const stats = await w.stop();
    log(`writers stopped: ${stats.acked} acknowledged, ${stats.failed} failed; checking`);
    const report = await checkMembers(w, members, key);
    return result("d. netns partitions (two-way, one-way)", t0, cycles.count, stats, report, {
      notes,
      errors,
    });
  } finally {
    await tearDown(w, gateways, members);
    await lab.close();
    running.labs.delete(lab);
  }
}

/** One row of the summary table per result. */
export function summaryTable(
  results: Array<ScenarioResult | { scenario: string; skipped: string }>,
): string {
  const ms = (xs: number[]) =>
    xs.length === 0 ? "—" : xs.map((x) => Number.isNaN(x) ? "MISSED" : `${(x / 1000).toFixed(1)} s`)
      .join(", ");
  const head = [
    "scenario",
    "cycles",
    "wall",
    "acked writes",
    "failed writes",
    "lost",
    "stale",
    "corrupt",
    "resurrected",
    "phantom",
    "listing disagreements",
    "older unacked",
    "unreadable",
    "layout-change time",
    "removed-node-empty time",
  ];
  const rows = results.map((r) =>
    "skipped" in r
      ? [r.scenario, r.skipped.replace(/[|\n]+/g, " "), ...head.slice(2).map(() => "—")]
      : [
        r.scenario,
        String(r.cycles),
        `${(r.wallMs / 1000).toFixed(0)} s`,
        String(r.stats.acked),
        String(r.stats.failed),
        String(r.report.lost),
        String(r.report.stale),
        String(r.report.corrupt),
        String(r.report.resurrected),
        String(r.report.phantom),
        String(r.report.listingDisagreements),
        String(r.report.olderUnacked),
        String(r.report.unreadable),
        ms(r.layoutMs),
        ms(r.emptyMs),
      ]
  );
  return [
    `| ${head.join(" | ")} |`,
    `| ${head.map((_, i) => i === 0 ? "---" : "---:").join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}
