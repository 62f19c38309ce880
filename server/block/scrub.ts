/**
 * Scrub: re-reads every block on this node and checks it against its hash (the CRC32 checked on
 * reads catches bit rot, not every corruption). A bad copy is deleted and queued for resync,
 * which fetches a good one from a peer. Pausable; its position survives a restart.
 */
import type { StepResult, Worker } from "../util/worker.ts";
import { blockHash, type BlockManager } from "./manager.ts";

const STATE_KEY = ["scrub"];
/** A full pass starts by itself this long after the previous one ended. */
const INTERVAL_MS = 30 * 24 * 3_600_000;
const BATCH = 32;

interface ScrubState {
  /** Hash after which the pass resumes; null when no pass runs. */
  cursor: string | null;
  checked: number;
  total: number;
  corrupt: number;
  lastCompleted: number | null;
}

export type ScrubCommand = "start" | "pause" | "resume" | "cancel";

export class Scrub implements Worker {
  readonly name = "block scrub";
  /** Sleep twice as long as each batch took: a pass never crowds out client requests. */
  tranquility = 2;
  paused = false;
  #state: ScrubState = { cursor: null, checked: 0, total: 0, corrupt: 0, lastCompleted: null };
  #loaded = false;

  constructor(readonly blocks: BlockManager) {}

  idleMs(): number {
    return 3_600_000;
  }

  /** When the last full pass ended (null: never), and the corrupt blocks it found. */
  get lastPass(): { completed: number | null; corrupt: number } {
    return { completed: this.#state.lastCompleted, corrupt: this.#state.corrupt };
  }

  describe() {
    const s = this.#state;
    return {
      progress: s.cursor !== null
        ? `${s.checked}/${s.total} blocks (${s.total ? Math.floor(100 * s.checked / s.total) : 0}%)`
        : undefined,
      freeform: [
        `corrupt blocks found: ${s.corrupt}`,
        `last completed: ${s.lastCompleted ? new Date(s.lastCompleted).toISOString() : "never"}`,
      ],
    };
  }

  async command(c: ScrubCommand): Promise<void> {
    await this.#load();
    if (c === "start") await this.#begin();
    if (c === "pause") this.paused = true;
    if (c === "resume") this.paused = false;
    if (c === "cancel") {
      this.#state = { ...this.#state, cursor: null };
      await this.#save();
    }
  }

  async #load(): Promise<void> {
    if (this.#loaded) return;
    const v = (await this.blocks.sys.kv.get<ScrubState>(STATE_KEY)).value;
    if (v) this.#state = v;
    this.#loaded = true;
  }

  async #save(): Promise<void> {
    await this.blocks.sys.kv.set(STATE_KEY, this.#state);
  }

  async #begin(): Promise<void> {
    let total = 0;
    for await (const _ of this.blocks.store.list()) total++;
    this.paused = false;
    this.#state = { ...this.#state, cursor: "", checked: 0, total, corrupt: 0 };
    await this.#save();
  }

  async step(): Promise<StepResult> {
    await this.#load();
    const s = this.#state;
    if (s.cursor === null) {
      if (Date.now() - (s.lastCompleted ?? 0) < INTERVAL_MS) return "idle";
      await this.#begin();
    }
    const batch = await this.#nextBatch(this.#state.cursor!);
    if (batch.length === 0) {
      this.#state = { ...this.#state, cursor: null, lastCompleted: Date.now() };
      await this.#save();
      return "idle";
    }
    for (const hash of batch) {
      const data = await this.blocks.store.read(hash);
      if (!data || blockHash(data) !== hash) {
        this.#state.corrupt++;
        await this.blocks.store.delete(hash);
        await this.blocks.resync.enqueue([hash]);
      }
      this.#state.checked++;
      this.#state.cursor = hash;
    }
    await this.#save();
    return "busy";
  }

  async #nextBatch(cursor: string): Promise<string[]> {
    const out: string[] = [];
    for await (const h of this.blocks.store.list(cursor)) {
      out.push(h);
      if (out.length === BATCH) break;
    }
    return out;
  }
}
