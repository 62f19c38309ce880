/**
 * Durable follow-up work written in the same atomic commit as the change that caused it
 * (e.g. "this object version is gone: release its blocks"), so a crash cannot lose it.
 */
import { decode } from "../util/msgpack.ts";
import { randomHex } from "../util/ids.ts";
import { log } from "../util/log.ts";
import type { QueueItem } from "./schema.ts";

const PREFIX = "q";
const BATCH = 100;
const RETRY_MS = 5_000;

export function queueKey(): Deno.KvKey {
  return [PREFIX, Date.now().toString(36).padStart(10, "0") + randomHex(6)];
}

export type Processor = (payload: unknown) => Promise<void>;

export class WorkQueue {
  readonly #processors = new Map<string, Processor>();
  #running = false;
  #again = false;
  #stopped = false;
  #timer?: ReturnType<typeof setTimeout>;
  /** The drain under way, which stopping waits for (the database closes after). */
  #current?: Promise<void>;
  #idle: Array<() => void> = [];

  constructor(readonly kv: Deno.Kv) {}

  register(kind: string, p: Processor): void {
    this.#processors.set(kind, p);
  }

  /** Starts draining now (called after any commit that queued something). */
  kick = (): void => {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    this.#current = this.#drain().catch((e) => {
      log.warn("work queue could not be read; will retry", { error: e });
    }).finally(() => {
      this.#running = false;
      if (this.#again) {
        this.#again = false;
        this.kick();
      } else {
        for (const f of this.#idle.splice(0)) f();
      }
    });
  };

  async pending(): Promise<number> {
    let n = 0;
    for await (const _ of this.kv.list({ prefix: [PREFIX] })) n++;
    return n;
  }

  /** Resolves once the queue is empty (for tests and orderly shutdown). */
  async drained(): Promise<void> {
    while ((await this.pending()) > 0) {
      await new Promise<void>((r) => {
        this.#idle.push(r);
        this.kick();
      });
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#current;
  }

  async #drain(): Promise<void> {
    let failed = false;
    // Each page starts after the last one: items that failed wait for the retry without holding
    // up those behind them (a release kept until a partition heals can wait hours).
    let cursor: string | undefined;
    for (;;) {
      const items: Deno.KvEntry<Uint8Array>[] = [];
      const page = this.kv.list<Uint8Array>({ prefix: [PREFIX] }, { limit: BATCH, cursor });
      for await (const e of page) items.push(e);
      if (items.length === 0 || this.#stopped) break;
      cursor = page.cursor;
      // Done items go in one commit per batch: under many small writes, a commit per item kept
      // the database's thread busy.
      const done: Deno.KvKey[] = [];
      for (const item of items) {
        if (this.#stopped) break;
        const q = decode(item.value) as QueueItem;
        const p = this.#processors.get(q.kind);
        try {
          if (!p) throw new Error(`no processor for queued ${q.kind}`);
          await p(q.payload);
          done.push(item.key);
        } catch (e) {
          failed = true;
          log.warn("queued work failed; will retry", { kind: q.kind, error: e });
        }
      }
      if (done.length) {
        const op = this.kv.atomic();
        for (const key of done) op.delete(key);
        await op.commit();
      }
    }
    if (failed && !this.#stopped) {
      clearTimeout(this.#timer);
      this.#timer = setTimeout(this.kick, RETRY_MS);
    }
  }
}
