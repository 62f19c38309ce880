import { assert, assertEquals } from "../../tests/assert.ts";
import { setLogLevel } from "./log.ts";
import { type StepResult, type Worker, Workers } from "./worker.ts";

// Steps fail on purpose here; a warning for each would only bury the test report.
setLogLevel("error");

const HOUR = 3_600_000;
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

/** Waits a little real time: long enough for a worker that should not step to have stepped. */
const pause = (ms = 20) => new Promise((resolve) => realSetTimeout(resolve, ms));

/** Whether `p` settles within `ms` real milliseconds; a hang fails the test instead of stalling it. */
async function settlesWithin(p: Promise<unknown>, ms = 1_000): Promise<boolean> {
  let timer: Timer | undefined;
  const late = new Promise<false>((resolve) => timer = realSetTimeout(resolve, ms, false));
  try {
    return await Promise.race([p.then(() => true), late]);
  } finally {
    realClearTimeout(timer);
  }
}

/** A worker whose every step lasts until the test ends it. */
class Puppet implements Worker {
  steps = 0;
  paused = false;
  tranquility?: number;
  #ending?: PromiseWithResolvers<StepResult>;
  #stepping = Promise.withResolvers<void>();

  constructor(readonly name: string, readonly idle = HOUR) {}

  idleMs(): number {
    return this.idle;
  }

  step(): Promise<StepResult> {
    this.steps++;
    this.#ending = Promise.withResolvers();
    this.#stepping.resolve();
    return this.#ending.promise;
  }

  /** Resolves while a step is under way. */
  stepping(): Promise<void> {
    return this.#stepping.promise;
  }

  end(result: StepResult | Error): void {
    const ending = this.#ending!;
    this.#ending = undefined;
    this.#stepping = Promise.withResolvers();
    if (result instanceof Error) ending.reject(result);
    else ending.resolve(result);
  }
}

type Timer = ReturnType<typeof setTimeout>;

/**
 * Runs `fn` watching the timers it starts, and fails if one is left pending: Deno's sanitizers
 * do not catch a forgotten timer. With `instant`, every timer fires at once, so the sleeps of
 * idle workers and back-offs are checked (in `delays`) without waiting for them.
 */
async function watchTimers(
  instant: boolean,
  fn: (delays: number[]) => Promise<void>,
): Promise<void> {
  const delays: number[] = [];
  const pending = new Set<Timer>();
  globalThis.setTimeout = ((cb: () => void, ms = 0) => {
    delays.push(ms);
    const timer = realSetTimeout(() => {
      pending.delete(timer);
      cb();
    }, instant ? 0 : ms);
    pending.add(timer);
    return timer;
  }) as typeof setTimeout;
  globalThis.clearTimeout = ((timer: Timer) => {
    pending.delete(timer);
    realClearTimeout(timer);
  }) as typeof clearTimeout;
  try {
    await fn(delays);
  } finally {
    globalThis.setTimeout = realSetTimeout;
    globalThis.clearTimeout = realClearTimeout;
  }
  assertEquals(pending.size, 0, "a timer outlived the workers");
}

Deno.test("a worker steps again at once while busy, and its loop ends when it is done", () =>
  watchTimers(true, async (delays) => {
    const workers = new Workers();
    const w = new Puppet("copier");
    workers.start(w);
    await w.stepping();
    assertEquals(workers.list()[0].state, "busy");
    w.end("busy");
    await w.stepping();
    w.end("busy");
    await w.stepping();
    w.end("done");
    await pause();
    assertEquals(w.steps, 3);
    assertEquals(workers.list()[0].state, "done");
    assertEquals(delays, [], "no sleep between busy steps without tranquility");
    await workers.stop();
  }));

Deno.test("an idle worker sleeps idleMs() before looking again", () =>
  watchTimers(true, async (delays) => {
    const workers = new Workers();
    const w = new Puppet("syncer", 10_000);
    workers.start(w);
    await w.stepping();
    w.end("idle");
    await w.stepping();
    assertEquals(delays, [10_000]);
    w.end("done");
    await workers.stop();
  }));

Deno.test("wake() runs an idle worker at once", () =>
  watchTimers(false, async () => {
    const workers = new Workers();
    const w = new Puppet("resync");
    const wake = workers.start(w);
    await w.stepping();
    w.end("idle");
    await pause();
    assertEquals([w.steps, workers.list()[0].state], [1, "idle"]);
    wake();
    await w.stepping();
    assertEquals(w.steps, 2);
    w.end("idle");
    await pause();
    workers.wake("resync");
    await w.stepping();
    assertEquals(w.steps, 3);
    w.end("done");
    await workers.stop();
  }));

Deno.test("a wake() that comes during a step is not lost", () =>
  watchTimers(false, async () => {
    const workers = new Workers();
    const w = new Puppet("resync");
    const wake = workers.start(w);
    await w.stepping();
    // The step may have looked at its queue before the new work arrived.
    wake();
    w.end("idle");
    assert(await settlesWithin(w.stepping()), "it went to sleep for an hour instead");
    w.end("done");
    await workers.stop();
  }));

Deno.test("a failing step is counted and retried after a back-off that doubles up to a minute", () =>
  watchTimers(true, async (delays) => {
    const workers = new Workers();
    const w = new Puppet("scrub");
    workers.start(w);
    for (let i = 1; i <= 7; i++) {
      await w.stepping();
      w.end(new Error(`disk error ${i}`));
    }
    await w.stepping();
    assertEquals(delays, [2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
    const info = workers.list()[0];
    assertEquals([info.errors, info.consecutiveErrors], [7, 7]);
    assertEquals(info.lastError?.message, "disk error 7");
    w.end("done");
    await workers.stop();
  }));

Deno.test("a step that succeeds again resets the back-off and keeps the error history", () =>
  watchTimers(true, async (delays) => {
    const workers = new Workers();
    const w = new Puppet("scrub");
    workers.start(w);
    await w.stepping();
    w.end(new Error("disk error"));
    await w.stepping();
    w.end("busy");
    await w.stepping();
    const info = workers.list()[0];
    assertEquals([info.errors, info.consecutiveErrors], [1, 0]);
    assertEquals(info.lastError?.message, "disk error");
    w.end(new Error("disk error again"));
    await w.stepping();
    assertEquals(delays, [2_000, 2_000]);
    w.end("done");
    await workers.stop();
  }));

Deno.test("a paused worker does not step until resumed and woken", () =>
  watchTimers(false, async () => {
    const workers = new Workers();
    const w = new Puppet("scrub");
    w.paused = true;
    workers.start(w);
    await pause();
    assertEquals(w.steps, 0);
    assertEquals(workers.list()[0].state, "paused");
    // Waking alone does not resume it: the operator paused it.
    workers.wake("scrub");
    await pause();
    assertEquals(w.steps, 0);
    w.paused = false;
    workers.wake("scrub");
    await w.stepping();
    assertEquals(w.steps, 1);
    w.end("done");
    await workers.stop();
  }));

Deno.test("after a busy step, tranquility sleeps that many times the step's duration", () =>
  watchTimers(true, async (delays) => {
    const workers = new Workers();
    const w = new Puppet("scrub");
    w.tranquility = 2;
    workers.start(w);
    await w.stepping();
    await pause(50);
    w.end("busy");
    await w.stepping();
    assertEquals(delays.length, 1);
    assert(delays[0] >= 100 && delays[0] < 1_000, `slept ${delays[0]} ms`);
    w.end("done");
    await workers.stop();
  }));

Deno.test("list() shows each worker's state and what it says of its progress", () =>
  watchTimers(false, async () => {
    const workers = new Workers();
    const plain = new Puppet("anti-entropy");
    const scrub = Object.assign(new Puppet("scrub"), {
      tranquility: 2,
      describe: () => ({
        progress: "10/40 blocks (25%)",
        queueLength: 3,
        freeform: ["corrupt: 0"],
      }),
    });
    workers.start(plain);
    workers.start(scrub);
    await plain.stepping();
    await scrub.stepping();
    plain.end("idle");
    await pause();
    assertEquals(workers.list(), [
      {
        id: 1,
        name: "anti-entropy",
        state: "idle",
        errors: 0,
        consecutiveErrors: 0,
        lastError: null,
        tranquility: null,
        progress: null,
        queueLength: null,
        persistentErrors: null,
        freeform: [],
      },
      {
        id: 2,
        name: "scrub",
        state: "busy",
        errors: 0,
        consecutiveErrors: 0,
        lastError: null,
        tranquility: 2,
        progress: "10/40 blocks (25%)",
        queueLength: 3,
        persistentErrors: null,
        freeform: ["corrupt: 0"],
      },
    ]);
    scrub.paused = true;
    assertEquals(workers.list()[1].state, "paused", "paused shows even before its step ends");
    scrub.end("done");
    // Ended here rather than by stop(), so that only the test of stop() can hang on it.
    workers.wake("anti-entropy");
    await plain.stepping();
    plain.end("done");
    await workers.stop();
  }));

Deno.test("stop() ends every loop, whether sleeping, paused or in a step", () =>
  watchTimers(false, async () => {
    const workers = new Workers();
    const sleeping = new Puppet("sleeping");
    const paused = Object.assign(new Puppet("paused"), { paused: true });
    const stepping = new Puppet("stepping");
    workers.start(sleeping);
    workers.start(paused);
    workers.start(stepping);
    await sleeping.stepping();
    sleeping.end("idle");
    await stepping.stepping();
    const stopped = workers.stop();
    // The step under way finishes; its worker does not then go to sleep for an hour.
    stepping.end("idle");
    assert(await settlesWithin(stopped), "stop() waited for a worker's sleep");
    assertEquals([sleeping.steps, paused.steps, stepping.steps], [1, 0, 1]);
  }));

Deno.test("a one-off job is not started twice, and a finished one makes room for the next", () =>
  watchTimers(true, async () => {
    const workers = new Workers();
    const first = new Puppet("repair versions");
    workers.startOnce(first);
    await first.stepping();
    const second = new Puppet("repair versions");
    workers.startOnce(second);
    await pause();
    assertEquals([workers.list().length, second.steps], [1, 0], "still running: not doubled");
    first.end("done");
    await pause();
    const third = new Puppet("repair versions");
    workers.startOnce(third);
    await third.stepping();
    assertEquals(workers.list().map((w) => w.state), ["busy"], "the finished run left the list");
    third.end("done");
    await workers.stop();
  }));
