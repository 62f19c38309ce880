/**
 * The lifecycle worker, as Garage's: once a day, just after midnight UTC, it walks the buckets
 * that have lifecycle rules, expires the objects and aborts the multipart uploads that are due.
 * An operator runs a pass at once with the `lifecycle` repair (LaunchRepairOperation).
 */
import { writeVersion } from "../objects/object_write.ts";
import { newUuid } from "../../util/ids.ts";
import type { StepResult, Worker } from "../../util/worker.ts";
import { getBucket } from "../buckets/bucket_ops.ts";
import {
  bucketLifecycle,
  type LifecycleRule,
  objectExpires,
  uploadExpires,
} from "../buckets/lifecycle.ts";
import type { Model } from "../model.ts";
import { mpuSortKey } from "../tables/mpu.ts";
import { visibleVersion } from "../tables/object.ts";

const PAGE = 200;
/** When the last pass started, so that a restart does not run the day's pass again. */
const LAST_PASS_KEY = ["lifecycle", "last_pass"];

interface Counts {
  scanned: number;
  expired: number;
  aborted: number;
}

interface Pass {
  /** Also the pass's notion of now: every object is judged against the same instant. */
  started: number;
  buckets: string[];
  index: number;
  phase: "objects" | "uploads";
  cursor?: string;
  counts: Counts;
}

const iso = (ms: number) => new Date(ms).toISOString();
const summary = (c: Counts) =>
  `${c.scanned} objects scanned, ${c.expired} expired, ${c.aborted} uploads aborted`;

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

  #nextPass(): number {
    const last = this.#lastStarted;
    return last == null ? Date.now() : (Math.floor(last / this.dayMs) + 1) * this.dayMs;
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
    const more = rules.length > 0 &&
      (pass.phase === "objects"
        ? await this.#expire(pass, id, rules)
        : await this.#abort(pass, id, rules));
    if (more) return "busy";
    pass.cursor = undefined;
    if (pass.phase === "objects" && rules.length > 0) {
      pass.phase = "uploads";
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
      counts: { scanned: 0, expired: 0, aborted: 0 },
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
      if (!v) continue;
      pass.counts.scanned++;
      const obj = { key: e.key, size: v.state.data.meta.size, created: v.timestamp };
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
