/**
 * The lifecycle worker, as Garage's: once a day, just after midnight UTC (or the hour set by the
 * `lifecycle-hour` worker variable), it walks the buckets
 * that have lifecycle rules, expires the objects, noncurrent versions and lone delete markers
 * and aborts the multipart uploads that are due.
 * An operator runs a pass at once with the `lifecycle` repair (LaunchRepairOperation).
 */
import { writeVersion } from "../objects/object_write.ts";
import { newUuid } from "../../util/ids.ts";
import type { StepResult, Worker } from "../../util/worker.ts";
import { getBucket } from "../buckets/bucket_ops.ts";
import {
  bucketLifecycle,
  type LifecycleRule,
  markerExpires,
  noncurrentExpires,
  objectExpires,
  uploadExpires,
} from "../buckets/lifecycle.ts";
import type { Model } from "../model.ts";
import { ModelError } from "../errors.ts";
import { historyRange } from "../tables/history.ts";
import { mpuSortKey } from "../tables/mpu.ts";
import { lastComplete, type ObjectEntry, versionIdOf, visibleVersion } from "../tables/object.ts";
import { deleteVersion, keptVersions } from "../objects/versions.ts";

const PAGE = 200;
/** When the last pass started, so that a restart does not run the day's pass again. */
const LAST_PASS_KEY = ["lifecycle", "last_pass"];

interface Counts {
  scanned: number;
  expired: number;
  /** Noncurrent versions and lone delete markers deleted for good. */
  versions: number;
  aborted: number;
}

/** A bucket's pass: current objects, then kept versions, then uploads. */
const PHASES = ["objects", "versions", "uploads"] as const;
type Phase = typeof PHASES[number];

interface Pass {
  /** Also the pass's notion of now: every object is judged against the same instant. */
  started: number;
  buckets: string[];
  index: number;
  phase: Phase;
  cursor?: string;
  counts: Counts;
}

const iso = (ms: number) => new Date(ms).toISOString();
const summary = (c: Counts) =>
  `${c.scanned} objects scanned, ${c.expired} expired, ${c.versions} old versions and markers deleted, ${c.aborted} uploads aborted`;

export class LifecycleWorker implements Worker {
  readonly name = "lifecycle";
  #pass?: Pass;
  /** Start of the last finished pass; null when there was none, undefined until read. */
  #lastStarted?: number | null;
  #last?: { finished: number; counts: Counts };
  #requested = false;

  constructor(readonly model: Model, readonly dayMs: number) {}

  /** Runs a pass now, or right after the one under way (it may have gone past some objects). */
  runNow(): void {
    this.#requested = true;
    this.model.workers.wake(this.name);
  }

  /** The hour (UTC, 0–23) of the day the daily pass starts at (`lifecycle-hour`). */
  hour = 0;

  #nextPass(): number {
    const last = this.#lastStarted;
    const offset = (this.hour * this.dayMs) / 24;
    return last == null
      ? Date.now()
      : (Math.floor((last - offset) / this.dayMs) + 1) * this.dayMs + offset;
  }

  /** When the last pass finished, if one did since the node started. */
  get lastFinished(): number | null {
    return this.#last?.finished ?? null;
  }

  idleMs(): number {
    return Math.max(50, this.#nextPass() - Date.now());
  }

  describe() {
    const pass = this.#pass;
    const last = this.#last;
    const freeform = [`next pass ${iso(this.#nextPass())}`];
    if (last && this.#lastStarted != null) {
      freeform.unshift(
        `last pass started ${iso(this.#lastStarted)}, finished ${iso(last.finished)}`,
      );
    }
    return {
      progress: pass
        ? `pass under way, bucket ${pass.index + 1}/${pass.buckets.length}: ${summary(pass.counts)}`
        : last && `last pass: ${summary(last.counts)}`,
      freeform,
    };
  }

  async step(): Promise<StepResult> {
    const pass = this.#pass ?? await this.#due();
    if (!pass) return "idle";
    const id = pass.buckets[pass.index];
    if (id === undefined) {
      await this.model.sys.kv.set(LAST_PASS_KEY, pass.started);
      this.#lastStarted = pass.started;
      this.#last = { finished: Date.now(), counts: pass.counts };
      this.#pass = undefined;
      return "busy";
    }
    // Read again at each page: rules changed or removed since the pass began apply at once.
    const rules = enabledRules(this.model, id);
    const run = { objects: this.#expire, versions: this.#versions, uploads: this.#abort }[
      pass.phase
    ];
    if (rules.length > 0 && await run.call(this, pass, id, rules)) return "busy";
    pass.cursor = undefined;
    const next = PHASES[PHASES.indexOf(pass.phase) + 1];
    if (next && rules.length > 0) {
      pass.phase = next;
    } else {
      pass.phase = "objects";
      pass.index++;
    }
    return "busy";
  }

  async #due(): Promise<Pass | undefined> {
    if (this.#lastStarted === undefined) {
      this.#lastStarted = (await this.model.sys.kv.get<number>(LAST_PASS_KEY)).value;
    }
    const now = Date.now();
    if (!this.#requested && now < this.#nextPass()) return undefined;
    this.#requested = false;
    const buckets = [...this.model.buckets.store.cached()]
      .filter((b) => !b.deleted && enabledRules(this.model, b.id).length > 0 && this.#mine(b.id))
      .map((b) => b.id);
    this.#pass = {
      started: now,
      buckets,
      index: 0,
      phase: "objects",
      counts: { scanned: 0, expired: 0, versions: 0, aborted: 0 },
    };
    return this.#pass;
  }

  /**
   * A bucket's objects and uploads are all in one partition (the bucket id is their partition
   * key). The first of its nodes that this node sees up processes it: once in the cluster, and
   * still while the first node is down. Nodes that see the cluster differently may both
   * process a bucket for a while, which is harmless: expiring or aborting twice changes nothing.
   */
  #mine(bucketId: string): boolean {
    const sys = this.model.sys;
    return sys.nodesForKey(bucketId).find((n) => n === sys.id || sys.peers.isUp(n)) === sys.id;
  }

  /** Expires the due objects of one page; says whether more pages follow. */
  async #expire(pass: Pass, bucketId: string, rules: LifecycleRule[]): Promise<boolean> {
    const page = await this.model.objects.range(bucketId, { start: pass.cursor, limit: PAGE });
    for (const e of page) {
      const v = visibleVersion(e);
      if (!v) {
        await this.#loneMarker(pass, bucketId, e, rules);
        continue;
      }
      pass.counts.scanned++;
      const obj = {
        key: e.key,
        size: v.state.data.meta.size,
        tags: v.tags?.tags,
        created: v.timestamp,
      };
      if (!rules.some((r) => objectExpires(r, obj, pass.started, this.dayMs))) continue;
      // The delete marker goes just after the version that expired, not at the current time:
      // a write made since the page was read is newer, and stays.
      // On a versioned bucket the marker is a version, and what it hides is kept, as S3 does.
      const bucket = getBucket(this.model, bucketId);
      if (!bucket) return false;
      await writeVersion(this.model, bucket, e.key, newUuid(), v.timestamp + 1, { t: "delete" });
      pass.counts.expired++;
    }
    if (page.length < PAGE) return false;
    pass.cursor = page[page.length - 1].key + "\u0000";
    return true;
  }

  /** ExpiredObjectDeleteMarker: a current delete marker with no version behind it goes. */
  async #loneMarker(pass: Pass, bucketId: string, e: ObjectEntry, rules: LifecycleRule[]) {
    const marker = lastComplete(e);
    if (!marker?.id || !rules.some((r) => markerExpires(r, e.key))) return;
    for await (const _ of keptVersions(this.model, bucketId, e.key)) return;
    await deleteVersion(this.model, bucketId, e.key, marker.id);
    pass.counts.versions++;
  }

  /**
   * NoncurrentVersionExpiration, one key of the history at a time: a kept version is noncurrent
   * since the version after it was written. A locked version stays, whatever the rule says.
   */
  async #versions(pass: Pass, bucketId: string, rules: LifecycleRule[]): Promise<boolean> {
    if (!rules.some((r) => r.noncurrent)) return false;
    const [first] = await this.model.history.range(bucketId, { start: pass.cursor, limit: 1 });
    if (!first) return false;
    const key = first.key;
    const current = lastComplete(await this.model.objects.get(bucketId, key));
    let since = current?.timestamp;
    let rank = 0;
    for await (const h of keptVersions(this.model, bucketId, key)) {
      const v = h.version;
      if (v.uuid === current?.uuid || v.state.s !== "complete") continue;
      const data = v.state.data;
      const candidate = {
        key,
        size: data.t === "delete" ? 0 : data.meta.size,
        tags: v.tags?.tags,
        since: since ?? v.timestamp,
        rank,
      };
      since = v.timestamp;
      rank++;
      if (!rules.some((r) => noncurrentExpires(r, candidate, pass.started, this.dayMs))) continue;
      try {
        await deleteVersion(this.model, bucketId, key, versionIdOf(v));
        pass.counts.versions++;
      } catch (e) {
        if (!(e instanceof ModelError && e.kind === "locked")) throw e;
      }
    }
    pass.cursor = historyRange(key).end;
    return true;
  }

  /** Aborts the due uploads of one page, as AbortMultipartUpload does; says whether more follow. */
  async #abort(pass: Pass, bucketId: string, rules: LifecycleRule[]): Promise<boolean> {
    const page = await this.model.uploads.range(bucketId, { start: pass.cursor, limit: PAGE });
    const due = page.filter((u) =>
      !u.deleted && rules.some((r) => uploadExpires(r, u, pass.started, this.dayMs))
    );
    if (due.length) await this.model.uploads.insertMany(due.map((u) => ({ ...u, deleted: true })));
    pass.counts.aborted += due.length;
    if (page.length < PAGE) return false;
    const last = page[page.length - 1];
    pass.cursor = mpuSortKey(last.key, last.uploadId) + "\u0000";
    return true;
  }
}

function enabledRules(model: Model, bucketId: string): LifecycleRule[] {
  const b = getBucket(model, bucketId);
  return (b && bucketLifecycle(b)?.filter((r) => r.enabled)) ?? [];
}
