/**
 * Worker variables (GetWorkerVariable, SetWorkerVariable), named as Garage names them: how hard
 * a node's background work may push (resync and scrub tranquility, resync workers) and when the
 * daily lifecycle pass runs, plus a few read-only facts. What is set is kept in the node's own
 * database, so a restart keeps it; each node has its own values.
 */
import { MAX_RESYNC_WORKERS } from "../../block/resync.ts";
import { ModelError } from "../errors.ts";
import type { Model } from "../model.ts";

interface Variable {
  get(): string;
  /** Applies a value `checkVariable` accepted; absent for read-only variables. */
  set?(n: number): void;
}

const KEY = ["worker_vars"];

/** The variables a node can be given, and the whole numbers each takes. */
const SETTABLE = new Map<string, [number, number]>([
  ["resync-tranquility", [0, 1000]],
  ["resync-worker-count", [1, MAX_RESYNC_WORKERS]],
  ["scrub-tranquility", [0, 1000]],
  ["lifecycle-hour", [0, 23]],
]);
const READ_ONLY = [
  "scrub-last-completed",
  "scrub-corruptions-detected",
  "lifecycle-last-completed",
];

/**
 * Checks a variable's name (and a value to set it to) the same on every node, before any is
 * asked: answers the value as a number, or throws saying what is wrong.
 */
export function checkVariable(name: string, value?: string): number | undefined {
  const range = SETTABLE.get(name);
  if (!range && !READ_ONLY.includes(name)) {
    throw new ModelError(
      "badRequest",
      `No worker variable ${name}; the variables are ${
        [...SETTABLE.keys(), ...READ_ONLY].join(", ")
      }`,
    );
  }
  if (value === undefined) return undefined;
  if (!range) throw new ModelError("badRequest", `${name} is read-only`);
  const [min, max] = range;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min || n > max) {
    throw new ModelError(
      "badRequest",
      `${name} must be a whole number from ${min} to ${max}, got "${value}"`,
    );
  }
  return n;
}

const when = (ms: number | null) => ms === null ? "never" : new Date(ms).toISOString();

export class WorkerVariables {
  readonly #vars = new Map<string, Variable>();

  constructor(readonly model: Model) {
    const { blocks, scrub, lifecycle } = model;
    this.#vars.set("resync-tranquility", {
      get: () => String(blocks.resync.tranquility),
      set: (n) => blocks.resync.tranquility = n,
    });
    this.#vars.set("resync-worker-count", {
      get: () => String(blocks.resync.workers),
      set: (n) => blocks.resync.workers = n,
    });
    this.#vars.set("scrub-tranquility", {
      get: () => String(scrub.tranquility),
      set: (n) => scrub.tranquility = n,
    });
    this.#vars.set("lifecycle-hour", {
      get: () => String(lifecycle.hour),
      set: (n) => lifecycle.hour = n,
    });
    this.#vars.set("scrub-last-completed", { get: () => when(scrub.lastPass.completed) });
    this.#vars.set("scrub-corruptions-detected", { get: () => String(scrub.lastPass.corrupt) });
    this.#vars.set("lifecycle-last-completed", { get: () => when(lifecycle.lastFinished) });
  }

  /** Every variable, or the one named. */
  get(name?: string): Record<string, string> {
    if (name === undefined) {
      return Object.fromEntries([...this.#vars].map(([n, v]) => [n, v.get()]));
    }
    checkVariable(name);
    return { [name]: this.#vars.get(name)!.get() };
  }

  /** Sets a variable on this node and keeps it; answers the value now in force. */
  async set(name: string, value: string): Promise<string> {
    const n = checkVariable(name, value)!;
    const kv = this.model.sys.kv;
    const saved = (await kv.get<Record<string, number>>(KEY)).value ?? {};
    await kv.set(KEY, { ...saved, [name]: n });
    const v = this.#vars.get(name)!;
    v.set!(n);
    return v.get();
  }

  /** Applies the values this node kept (at start). */
  async load(): Promise<void> {
    const saved = (await this.model.sys.kv.get<Record<string, number>>(KEY)).value ?? {};
    for (const [name, n] of Object.entries(saved)) this.#vars.get(name)?.set?.(n);
  }
}
