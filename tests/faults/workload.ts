/**
 * The workload of the nemesis suite: writers that log every acknowledged operation, and a
 * checker that reads every key back through every live node once the faults are over.
 *
 * Writers. Each writer owns its keys (`w<writer>/…`), so the operations on one key are
 * serialized by one client and their order is the order of their acknowledgements. A writer
 * PUTs random bytes of a log-uniform size between 1 KiB and 300 KiB (below 3 KiB an object is
 * stored inline; above 64 KiB, the suite's block_size, it spans blocks), sometimes overwrites
 * one of its earlier keys and sometimes deletes one. Every operation is logged with the key,
 * the SHA-256 of what it wrote (or "deleted"), when it started and when it was acknowledged; a
 * failed one (an error, a timeout, a refused connection) is logged as failed and counted, never
 * fatal: its outcome is unknown, as it is for any S3 client.
 *
 * Checker. For every key ever attempted it GETs the key through every node and lists the
 * bucket through every node, and sorts what it sees, per key:
 *
 * | category              | what some node shows                                                |
 * | --------------------- | ------------------------------------------------------------------- |
 * | lost                  | the key missing, while the last acknowledged operation was a PUT    |
 * | stale                 | an older acknowledged PUT of the key instead of the last one        |
 * | corrupt               | bytes that no PUT of the key ever sent (acknowledged or not)        |
 * | resurrected           | an acknowledged PUT, while the last acknowledged operation deleted  |
 * | phantom               | a key listed or readable that no writer ever tried to write         |
 * | listing disagreements | nodes list different keys or sizes, or a listing and a GET differ   |
 * |                       | (for a key with a failed write: still after 10 s of anti-entropy)   |
 * | older unacknowledged  | the result of a failed operation older than the last acknowledged   |
 * | unreadable            | GET (4 tries) or listing (6 tries) through the node kept failing    |
 *
 * What a failed operation issued AFTER the last acknowledged one wrote may legitimately be
 * seen (it may have reached the nodes before its answer was lost): that is counted as
 * `unackedVisible`, for information, not as a fault. A failed operation issued BEFORE the last
 * acknowledged one cannot win against it in a store that orders the writes to a key, so its
 * result is `olderUnacked` (linearizability would allow it: the suite asserts it is 0 and says
 * so apart from `stale`, so that a failure names the case).
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import type { GetClusterLayoutHistoryResponse } from "../../shared/admin.ts";
import { blockFiles } from "../cluster.ts";
import type { TestNode } from "../harness.ts";
import { randomBytes } from "../s3/client.ts";

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An S3 client as the writers and the checker use it: bounded waits, one retry. */
export function workloadClient(node: TestNode, key: Credentials, maxAttempts = 2): S3Client {
  return new S3Client({
    endpoint: node.s3,
    region: node.region,
    credentials: key,
    forcePathStyle: true,
    maxAttempts,
    requestHandler: {
      connectionTimeout: 3_000,
      requestTimeout: 20_000,
      throwOnRequestTimeout: true,
    },
  });
}

/**
 * Where writers send their requests: one node's S3 endpoint, pointed at the node again when it
 * restarts on new ports (or at another node, as a load balancer would be re-pointed).
 */
export class Gateway {
  #client: S3Client;
  #old: S3Client[] = [];
  label: string;

  constructor(node: TestNode, label: string, readonly key: Credentials) {
    this.label = label;
    this.#client = workloadClient(node, key);
  }

  get client(): S3Client {
    return this.#client;
  }

  /** Sends the next requests to `node`; requests still in flight finish on the old client. */
  point(node: TestNode, label = this.label): void {
    this.#old.push(this.#client);
    this.#client = workloadClient(node, this.key);
    this.label = label;
  }

  destroy(): void {
    for (const c of [...this.#old, this.#client]) c.destroy();
    this.#old = [];
  }
}

/** One operation of a writer, as logged. */
export interface Op {
  key: string;
  writer: number;
  kind: "put" | "delete";
  /** SHA-256 (hex) of the body sent, or "deleted". */
  hash: string;
  size: number;
  /** The gateway it went through. */
  via: string;
  start: number;
  /** When the client had the answer (the ack time when `ok`). */
  end: number;
  ok: boolean;
  error?: string;
}

export interface WorkloadOptions {
  bucket: string;
  /**
   * One entry per writer: the gateways it uses, its k-th operation going through the
   * (k + writer) % length-th (a single gateway: always that one).
   */
  writers: Gateway[][];
  /** A fixed pool of keys per writer, overwritten again and again; unbounded new keys if unset. */
  keysPerWriter?: number;
  minSize?: number;
  maxSize?: number;
  /** Share of operations overwriting one of the writer's earlier keys (0.2). */
  overwriteRate?: number;
  /** Share of operations deleting one of the writer's keys (0.1). */
  deleteRate?: number;
  /** Pause after each operation, ms (0). */
  pauseMs?: number;
  /** Pause after a failed operation, so a node that is down is not hammered (200). */
  failurePauseMs?: number;
  /**
   * After each acknowledged operation, GET the key through the writer's next gateway and
   * classify what it returns as the checker would (a read-your-writes check across nodes).
   */
  readBack?: boolean;
  /** Where failures other than refused connections are told as they happen. */
  log?: (line: string) => void;
}

export interface WorkloadStats {
  acked: number;
  ackedPuts: number;
  ackedDeletes: number;
  failed: number;
  /** The most frequent failure messages, with their counts. */
  errors: Array<[string, number]>;
  /** Per gateway: operations acknowledged and failed, and the longest one (ms). */
  byGateway: Record<string, { acked: number; failed: number; maxMs: number }>;
  /**
   * Reads after acknowledged operations (`readBack`), those that failed (the node was down)
   * and those that did not see the operation.
   */
  readBacks: number;
  readBackErrors: number;
  readBackFaults: string[];
}

export async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A size log-uniformly spread between min and max: as many 1–3 KiB objects as 100–300 KiB. */
function randomSize(min: number, max: number): number {
  return Math.round(Math.exp(Math.log(min) + Math.random() * (Math.log(max) - Math.log(min))));
}

function errorText(e: unknown): string {
  const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = err.$metadata?.httpStatusCode;
  return `${err.name ?? "Error"}${status ? ` ${status}` : ""}: ${
    (err.message ?? String(e)).slice(0, 120)
  }`;
}

/** Writers running until `stop()`; their log is what the checker checks. */
export class Workload {
  /** Every operation, in the order they ended. */
  readonly ops: Op[] = [];
  /** Per key, its operations in the order the owning writer issued them. */
  readonly byKey = new Map<string, Op[]>();
  #stopped = false;
  #loops: Promise<void>[];
  #errors = new Map<string, number>();
  #readBacks = 0;
  #readBackErrors = 0;
  #readBackFaults: string[] = [];

  constructor(readonly o: WorkloadOptions) {
    this.#loops = o.writers.map((gws, i) => this.#run(i, gws));
  }

  async #run(w: number, gateways: Gateway[]): Promise<void> {
    const o = this.o;
    const min = o.minSize ?? 1024;
    const max = o.maxSize ?? 300 * 1024;
    const overwrite = o.overwriteRate ?? 0.2;
    const del = o.deleteRate ?? 0.1;
    const mine: string[] = [];
    /** Keys whose last operation by this writer was a PUT. */
    const live = new Set<string>();
    let next = 0;
    for (let k = 0; !this.#stopped; k++) {
      const gw = gateways[(k + w) % gateways.length];
      const r = Math.random();
      let key: string;
      let kind: "put" | "delete" = "put";
      if (o.keysPerWriter) {
        key = `w${w}/k${Math.floor(Math.random() * o.keysPerWriter)}`;
        if (live.has(key) && r < del) kind = "delete";
      } else if (live.size > 0 && r < del) {
        const candidates = [...live];
        key = candidates[Math.floor(Math.random() * candidates.length)];
        kind = "delete";
      } else if (mine.length > 0 && r < del + overwrite) {
        key = mine[Math.floor(Math.random() * mine.length)];
      } else {
        key = `w${w}/o${next++}`;
      }
      if (!mine.includes(key)) mine.push(key);
      const op = await this.perform(w, gw, kind, key, randomSize(min, max));
      const ops = this.byKey.get(key)!;
      if (kind === "delete" && op.ok) live.delete(key);
      else if (kind === "put") live.add(key);
      if (o.readBack && op.ok) {
        const via = gateways[(k + w + 1) % gateways.length];
        const seen = await readKey(via.client, o.bucket, key, 2);
        // A node that is down (restarting) cannot be read through: not a fault of the store.
        const c = "error" in seen ? "ok" : classify(ops, seen);
        if ("error" in seen) this.#readBackErrors++;
        else this.#readBacks++;
        if (c !== "ok" && c !== "unacked") {
          this.#readBackFaults.push(
            `${c}: ${key} read through ${via.label} after its ${op.kind} through ${gw.label}`,
          );
        }
      }
      if (!op.ok) await sleep(o.failurePauseMs ?? 200);
      else if (o.pauseMs) await sleep(o.pauseMs);
    }
  }

  /**
   * One logged operation as writer `w` (a writer of the loop, or an index of its own for a
   * scripted one, which must then be the only one to touch `key`): a PUT of `size` random
   * bytes or a DELETE. A failure is logged and counted, never thrown.
   */
  async perform(
    w: number,
    gw: Gateway,
    kind: "put" | "delete",
    key: string,
    size: number,
  ): Promise<Op> {
    const op: Op = {
      key,
      writer: w,
      kind,
      hash: "deleted",
      size: 0,
      via: gw.label,
      start: Date.now(),
      end: 0,
      ok: false,
    };
    let ops = this.byKey.get(key);
    if (!ops) this.byKey.set(key, ops = []);
    ops.push(op);
    try {
      if (kind === "put") {
        const body = randomBytes(size);
        op.size = body.length;
        op.hash = await sha256(body);
        op.start = Date.now();
        await gw.client.send(new PutObjectCommand({ Bucket: this.o.bucket, Key: key, Body: body }));
      } else {
        await gw.client.send(new DeleteObjectCommand({ Bucket: this.o.bucket, Key: key }));
      }
      op.ok = true;
    } catch (e) {
      // Its outcome is unknown: whether the key now holds it or not, both are possible.
      op.error = errorText(e);
      if (!/ECONNREFUSED/.test(op.error)) {
        this.o.log?.(`${kind} ${key} through ${gw.label} failed: ${op.error}`);
      }
      const short = op.error.replace(/\d+/g, "#").slice(0, 90);
      this.#errors.set(short, (this.#errors.get(short) ?? 0) + 1);
    }
    op.end = Date.now();
    this.ops.push(op);
    return op;
  }

  /** Ends the writers after their current operations. */
  async stop(): Promise<WorkloadStats> {
    this.#stopped = true;
    await Promise.all(this.#loops);
    return this.stats();
  }

  stats(): WorkloadStats {
    const acked = this.ops.filter((o) => o.ok);
    const byGateway: WorkloadStats["byGateway"] = {};
    for (const op of this.ops) {
      const g = byGateway[op.via] ??= { acked: 0, failed: 0, maxMs: 0 };
      if (op.ok) g.acked++;
      else g.failed++;
      g.maxMs = Math.max(g.maxMs, op.end - op.start);
    }
    return {
      acked: acked.length,
      ackedPuts: acked.filter((o) => o.kind === "put").length,
      ackedDeletes: acked.filter((o) => o.kind === "delete").length,
      failed: this.ops.length - acked.length,
      errors: [...this.#errors].sort((a, b) => b[1] - a[1]).slice(0, 5),
      byGateway,
      readBacks: this.#readBacks,
      readBackErrors: this.#readBackErrors,
      readBackFaults: this.#readBackFaults.slice(0, 20),
    };
  }
}

/** A node the checker reads through. */
export interface CheckTarget {
  label: string;
  node: TestNode;
}

export interface CheckReport {
  /** Keys any writer tried to write. */
  keys: number;
  /** GETs made (every key through every node). */
  reads: number;
  lost: number;
  stale: number;
  corrupt: number;
  resurrected: number;
  phantom: number;
  listingDisagreements: number;
  olderUnacked: number;
  unreadable: number;
  /** Keys showing what a failed operation after the last acknowledged one wrote (allowed). */
  unackedVisible: number;
  /**
   * Keys with a failed operation whose listings differed between nodes at first and agreed
   * when looked at again, within `recheckRounds` seconds (allowed).
   */
  listingConverged: number;
  /** A few of the keys in each failing category, with what each node returned. */
  examples: string[];
}

/** The categories that must be 0. */
export const FAULTS = [
  "lost",
  "stale",
  "corrupt",
  "resurrected",
  "phantom",
  "listingDisagreements",
  "olderUnacked",
  "unreadable",
] as const;
export type Fault = typeof FAULTS[number];

type Seen = { present: false } | { present: true; hash: string; size: number } | {
  error: string;
};

/** What a GET through one node shows of the key, retried while the node answers errors. */
async function readKey(c: S3Client, bucket: string, key: string, attempts = 4): Promise<Seen> {
  let last = "";
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      const got = await c.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const body = await got.Body!.transformToByteArray();
      return { present: true, hash: await sha256(new Uint8Array(body)), size: body.length };
    } catch (e) {
      if ((e as { name?: string }).name === "NoSuchKey") return { present: false };
      last = errorText(e);
      await sleep(400 * (attempt + 1));
    }
  }
  return { error: last };
}

/**
 * Whether the listings of a key differ between nodes (present or not, and size), or a node's
 * listing differs from what a GET through it returned.
 */
function disagrees(k: string, row: Seen[], listings: Array<Map<string, number> | string>): boolean {
  let disagree = false;
  const views = listings.map((l, i) => {
    if (typeof l === "string") return undefined;
    const s = row[i];
    const size = l.get(k);
    if (!("error" in s)) {
      if (s.present !== (size !== undefined)) disagree = true;
      if (s.present && size !== undefined && size !== s.size) disagree = true;
    }
    return size === undefined ? "-" : String(size);
  }).filter((v) => v !== undefined);
  return disagree || new Set(views).size > 1;
}

/** Every key of the bucket (under `prefix`) as one node lists it, with its size. */
async function listAll(
  c: S3Client,
  bucket: string,
  prefix?: string,
): Promise<Map<string, number> | string> {
  let last = "";
  for (let attempt = 0; attempt < 6; attempt++) {
    try {
      const out = new Map<string, number>();
      let token: string | undefined;
      do {
        const page = await c.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix,
            ContinuationToken: token,
            MaxKeys: 1000,
          }),
        );
        for (const o of page.Contents ?? []) out.set(o.Key!, o.Size ?? -1);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return out;
    } catch (e) {
      last = errorText(e);
      await sleep(500 * (attempt + 1));
    }
  }
  return last;
}

/**
 * The category of what one node shows of a key, given the key's operations in issue order
 * ("ok" when it is the last acknowledged state, "unacked" when it is what a failed operation
 * after it wrote).
 */
export function classify(
  ops: Op[],
  seen: { present: boolean; hash?: string },
): Fault | "ok" | "unacked" {
  const state = seen.present ? seen.hash! : "deleted";
  let lastAck = -1;
  for (let i = 0; i < ops.length; i++) if (ops[i].ok) lastAck = i;
  // Before any acknowledged operation the key did not exist.
  const want = lastAck >= 0 ? ops[lastAck].hash : "deleted";
  if (state === want) return "ok";
  if (ops.slice(lastAck + 1).some((o) => o.hash === state)) return "unacked";
  const older = ops.slice(0, Math.max(0, lastAck));
  if (!seen.present) {
    // The last acknowledged operation was a PUT and the key is gone.
    return older.some((o) => !o.ok && o.kind === "delete") ? "olderUnacked" : "lost";
  }
  if (!ops.some((o) => o.kind === "put" && o.hash === state)) return "corrupt";
  if (older.some((o) => o.ok && o.hash === state)) {
    return want === "deleted" ? "resurrected" : "stale";
  }
  return "olderUnacked";
}

/**
 * Reads every key the workload ever tried through every target and lists the bucket through
 * each, and counts the keys in each category (a key counts once per category, whatever the
 * number of nodes showing it).
 */
export async function check(
  workload: Workload,
  targets: CheckTarget[],
  key: Credentials,
  o: { concurrency?: number; maxExamples?: number; recheckRounds?: number } = {},
): Promise<CheckReport> {
  const bucket = workload.o.bucket;
  const clients = targets.map((t) => workloadClient(t.node, key, 1));
  const maxExamples = o.maxExamples ?? 12;
  const report: CheckReport = {
    keys: workload.byKey.size,
    reads: 0,
    lost: 0,
    stale: 0,
    corrupt: 0,
    resurrected: 0,
    phantom: 0,
    listingDisagreements: 0,
    olderUnacked: 0,
    unreadable: 0,
    unackedVisible: 0,
    listingConverged: 0,
    examples: [],
  };
  const example = (text: string) => {
    if (report.examples.length < maxExamples) report.examples.push(text);
  };
  try {
    const listings = await Promise.all(clients.map((c) => listAll(c, bucket)));
    const listed = new Set<string>();
    listings.forEach((l, i) => {
      if (typeof l === "string") {
        report.unreadable++;
        example(`unreadable: listing through ${targets[i].label}: ${l}`);
      } else for (const k of l.keys()) listed.add(k);
    });
    const keys = [...new Set([...workload.byKey.keys(), ...listed])].sort();
    const seen = new Map<string, Seen[]>();
    let nextKey = 0;
    await Promise.all(Array.from({ length: o.concurrency ?? 8 }, async () => {
      while (nextKey < keys.length) {
        const k = keys[nextKey++];
        const row: Seen[] = [];
        for (const c of clients) {
          row.push(await readKey(c, bucket, k));
          report.reads++;
        }
        seen.set(k, row);
      }
    }));

    const recheck: string[] = [];
    for (const k of keys) {
      const row = seen.get(k)!;
      const ops = workload.byKey.get(k);
      const show = () =>
        targets.map((t, i) => {
          const s = row[i];
          const l = listings[i];
          const inList = typeof l === "string" ? "?" : l.has(k) ? `listed ${l.get(k)}` : "unlisted";
          const what = "error" in s
            ? `error ${s.error}`
            : s.present
            ? `${s.hash.slice(0, 8)} (${s.size} B)`
            : "missing";
          return `${t.label}: ${what}, ${inList}`;
        }).join("; ") +
        (ops
          ? ` | ops: ${
            ops.map((op) =>
              `${op.kind}${op.kind === "put" ? ` ${op.hash.slice(0, 8)} (${op.size} B)` : ""} ${
                op.ok ? "acked" : `failed (${op.error})`
              } via ${op.via} at ${new Date(op.start).toISOString().slice(11, 23)}`
            ).join(", ")
          }`
          : "");
      const found = new Set<Fault | "unacked">();
      if (!ops) {
        found.add("phantom");
      } else {
        for (const s of row) {
          if ("error" in s) found.add("unreadable");
          else {
            const c = classify(ops, s);
            if (c !== "ok") found.add(c);
          }
        }
      }
      if (disagrees(k, row, listings)) {
        // Nodes may differ for a while on what only a failed write left on some of them, until
        // anti-entropy has passed: such keys are looked at again before they count.
        if (ops?.some((op) => !op.ok)) recheck.push(k);
        else found.add("listingDisagreements");
      }
      for (const f of found) {
        if (f === "unacked") report.unackedVisible++;
        else {
          report[f]++;
          example(`${f}: ${k}: ${show()}`);
        }
      }
    }
    for (let round = 0; recheck.length > 0; round++) {
      if (round === (o.recheckRounds ?? 10)) {
        report.listingDisagreements += recheck.length;
        for (const k of recheck) example(`listingDisagreements: ${k} (still after ${round} s)`);
        break;
      }
      await sleep(1000);
      for (const k of recheck.splice(0)) {
        const row = await Promise.all(clients.map((c) => readKey(c, bucket, k)));
        const views = await Promise.all(clients.map((c) => listAll(c, bucket, k)));
        report.reads += row.length;
        if (disagrees(k, row, views)) recheck.push(k);
        else report.listingConverged++;
      }
    }
  } finally {
    for (const c of clients) c.destroy();
  }
  return report;
}

/** The categories that are not 0. */
export function faultsOf(r: CheckReport): Partial<Record<Fault, number>> {
  return Object.fromEntries(FAULTS.filter((f) => r[f] !== 0).map((f) => [f, r[f]]));
}

/** The report as a two-column Markdown table, with the examples below it. */
export function formatReport(r: CheckReport): string {
  const rows: Array<[string, number]> = [
    ["keys checked", r.keys],
    ["GETs", r.reads],
    ["lost", r.lost],
    ["stale", r.stale],
    ["corrupt", r.corrupt],
    ["resurrected", r.resurrected],
    ["phantom", r.phantom],
    ["listing disagreements", r.listingDisagreements],
    ["older unacknowledged", r.olderUnacked],
    ["unreadable", r.unreadable],
    ["unacknowledged visible (allowed)", r.unackedVisible],
    ["listings converged on a second look (allowed)", r.listingConverged],
  ];
  return [
    "| category | keys |",
    "| --- | ---: |",
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    ...r.examples.map((e) => `  ${e}`),
  ].join("\n");
}

/**
 * Waits until every node has ended the layout change to `version` (its history holds that one
 * version only) and returns the ms from `since`; throws once `boundMs` from `since` is over.
 */
export async function layoutChangeEnded(
  nodes: TestNode[],
  version: number,
  since: number,
  boundMs: number,
): Promise<number> {
  const pending = new Set(nodes);
  const last = new Map<TestNode, string>();
  while (pending.size > 0) {
    for (const n of [...pending]) {
      try {
        const h = await n.api<GetClusterLayoutHistoryResponse>(
          "GET",
          "/v2/GetClusterLayoutHistory",
        );
        last.set(
          n,
          `current ${h.currentVersion}, versions ${
            h.versions.map((v) => v.version).join(",")
          }, sync ${JSON.stringify(h.syncTrackers)}`,
        );
        if (h.currentVersion >= version && h.versions.length === 1) pending.delete(n);
      } catch (e) {
        last.set(n, String(e));
      }
    }
    if (pending.size === 0) break;
    if (Date.now() - since > boundMs) {
      throw new Error(
        `layout change to v${version} not ended on ${pending.size} node(s) after ${boundMs} ms: ${
          [...pending].map((n) => `${n.admin}: ${last.get(n)}`).join("; ")
        }`,
      );
    }
    await sleep(200);
  }
  return Date.now() - since;
}

/**
 * Waits until no block file is left under a node's data folder and returns the ms from
 * `since`; throws once `boundMs` from `since` is over, saying how many are left.
 */
export async function dataDirEmptied(
  dataDir: string,
  since: number,
  boundMs: number,
): Promise<number> {
  for (;;) {
    // A folder removed while it is walked: look again at the next poll.
    const left = await blockFiles(dataDir).catch((e) => {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw e;
    });
    if (left?.length === 0) return Date.now() - since;
    if (Date.now() - since > boundMs) {
      throw new Error(`${left?.length} block file(s) left in ${dataDir} after ${boundMs} ms`);
    }
    await sleep(500);
  }
}
