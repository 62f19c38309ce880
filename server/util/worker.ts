/**
 * Background workers (resync, scrub, anti-entropy, ...): each runs one step at a time in its own
 * loop, reports what it is doing for ListWorkers, and backs off after errors instead of spinning.
 */
import { log } from "./log.ts";

/** What a step leaves to do: more now, nothing until woken or a while has passed, or never. */
export type StepResult = "busy" | "idle" | "done";

export interface Worker {
  readonly name: string;
  step(): Promise<StepResult>;
  /** How long an idle worker sleeps before looking again (it can be woken earlier). */
  idleMs(): number;
  /** Shown in ListWorkers: how far it is, its queue, what it knows. */
  describe?(): {
    progress?: string;
    queueLength?: number;
    persistentErrors?: number;
    freeform?: string[];
  };
  /** Sleep after each busy step, in multiples of the step's duration (0: none). */
  tranquility?: number;
  /** Paused workers sleep until resumed. */
  paused?: boolean;
}

export type WorkerState = "busy" | "idle" | "done" | "paused";

export interface WorkerInfo {
  id: number;
  name: string;
  state: WorkerState;
  errors: number;
  consecutiveErrors: number;
  lastError: { message: string; at: number } | null;
  tranquility: number | null;
  progress: string | null;
  queueLength: number | null;
  persistentErrors: number | null;
  freeform: string[];
}

interface Running {
  id: number;
  worker: Worker;
  state: WorkerState;
  errors: number;
  consecutiveErrors: number;
  lastError: { message: string; at: number } | null;
  /** Woken since its step began: the step may have missed the new work, so it must not sleep. */
  woken: boolean;
  /** Ends the sleep under way, if any. */
  wake: () => void;
  loop: Promise<void>;
}

const MAX_ERROR_BACKOFF_MS = 60_000;

export class Workers {
  readonly #running: Running[] = [];
  #nextId = 1;
  #stopped = false;

  /**
   * Starts a worker's loop; the returned function wakes it (new work arrived). A finished
   * worker of the same name (a repair run before) leaves the list.
   */
  start(worker: Worker): () => void {
    const i = this.#running.findIndex((r) => r.worker.name === worker.name && r.state === "done");
    if (i >= 0) this.#running.splice(i, 1);
    const r: Running = {
      id: this.#nextId++,
      worker,
      state: "idle",
      errors: 0,
      consecutiveErrors: 0,
      lastError: null,
      woken: false,
      wake: () => {},
      loop: Promise.resolve(),
    };
    this.#running.push(r);
    r.loop = this.#loop(r);
    return () => this.#wake(r);
  }

  /** Starts a one-off job (a repair) unless one of that name is still running. */
  startOnce(worker: Worker): void {
    if (this.#running.some((r) => r.worker.name === worker.name && r.state !== "done")) return;
    this.start(worker);
  }

  wake(name: string): void {
    for (const r of this.#running) if (r.worker.name === name) this.#wake(r);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const r of this.#running) this.#wake(r);
    await Promise.all(this.#running.map((r) => r.loop));
  }

  list(): WorkerInfo[] {
    return this.#running.map((r) => {
      const d = r.worker.describe?.() ?? {};
      return {
        id: r.id,
        name: r.worker.name,
        state: r.worker.paused && r.state !== "done" ? "paused" : r.state,
        errors: r.errors,
        consecutiveErrors: r.consecutiveErrors,
        lastError: r.lastError,
        tranquility: r.worker.tranquility ?? null,
        progress: d.progress ?? null,
        queueLength: d.queueLength ?? null,
        persistentErrors: d.persistentErrors ?? null,
        freeform: d.freeform ?? [],
      };
    });
  }

  #wake(r: Running): void {
    r.woken = true;
    r.wake();
  }

  #sleep(r: Running, ms: number): Promise<void> {
    if (r.woken) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        r.wake = () => {};
        resolve();
      }
      r.wake = done;
    });
  }

  async #loop(r: Running): Promise<void> {
    while (!this.#stopped) {
      r.woken = false;
      if (r.worker.paused) {
        await this.#sleep(r, 3_600_000);
        continue;
      }
      const started = performance.now();
      let result: StepResult;
      try {
        r.state = "busy";
        result = await r.worker.step();
        r.consecutiveErrors = 0;
      } catch (e) {
        r.errors++;
        r.consecutiveErrors++;
        r.lastError = { message: (e as Error).message ?? String(e), at: Date.now() };
        log.warn("worker step failed", { worker: r.worker.name, error: e });
        r.state = "idle";
        await this.#sleep(r, Math.min(MAX_ERROR_BACKOFF_MS, 1000 * 2 ** r.consecutiveErrors));
        continue;
      }
      if (result === "done") {
        r.state = "done";
        return;
      }
      if (result === "busy") {
        const t = r.worker.tranquility ?? 0;
        if (t > 0) await this.#sleep(r, (performance.now() - started) * t);
        continue;
      }
      r.state = "idle";
      await this.#sleep(r, r.worker.idleMs());
    }
  }
}
