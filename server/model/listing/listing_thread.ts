/**
 * A thread that reads object listing pages. A page is 1,001 Deno KV entries, and decoding them
 * (an object, key parts and a buffer each) was more than half of the main thread's time per
 * page, on the thread that also parses, authenticates and renders every other request. The
 * thread reads through its own connection to the node's database, which sees every commit
 * made before the read begins. It starts on the first listing (pages are read here until it
 * is up) and stops after a while without one, so a node nobody lists does not hold its heap.
 */
import { log } from "../../util/log.ts";
import type { ListParams, ListResult } from "./listing.ts";
import type { ObjectListing } from "./object_listing.ts";
import { fromColumns, type PageColumns } from "./page_columns.ts";

/** The thread stops after this long without a listing. */
const IDLE_MS = 30_000;
/** After the thread failed to start, pages are read here for this long before trying again. */
const RETRY_MS = 60_000;

export type ToThread =
  | { kind: "open"; path: string; table: string }
  | { kind: "page"; id: number; pk: string; params: ListParams };

export type FromThread =
  | { kind: "ready" }
  | { kind: "failed"; message: string }
  | { kind: "page"; id: number; page: PageColumns }
  | { kind: "error"; id: number; message: string };

interface Pending {
  resolve: (page: ListResult<ObjectListing>) => void;
  reject: (e: Error) => void;
}

export type ThreadState = "stopped" | "starting" | "running" | "failed";

export class ListingThread {
  #worker?: Worker;
  #ready = false;
  #retryAt = 0;
  /** Stopped with the node: not started again. */
  #closed = false;
  readonly #waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  #idle?: ReturnType<typeof setTimeout>;
  #nextId = 0;
  readonly #pending = new Map<number, Pending>();

  /** `path` is the node's Deno KV database, `table` the object table's name. */
  constructor(readonly path: string, readonly table: string, readonly idleMs = IDLE_MS) {}

  get state(): ThreadState {
    if (this.#ready) return "running";
    if (this.#worker) return "starting";
    return Date.now() < this.#retryAt ? "failed" : "stopped";
  }

  /** Starts the thread if it is not, and resolves once it reads pages. */
  whenRunning(): Promise<void> {
    if (!this.#worker) this.#start();
    if (this.#ready) return Promise.resolve();
    if (!this.#worker) {
      return Promise.reject(new Error("the listing thread failed to start, or was stopped"));
    }
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** A page of pk's objects read on the thread, or undefined while it is not up (it starts). */
  page(pk: string, params: ListParams): Promise<ListResult<ObjectListing>> | undefined {
    if (!this.#worker) this.#start();
    if (!this.#ready) return undefined;
    this.#keepAlive();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#post({ kind: "page", id, pk, params });
    });
  }

  stop(): void {
    this.#closed = true;
    this.#stop("the node is stopping");
  }

  #post(m: ToThread): void {
    this.#worker!.postMessage(m);
  }

  #start(): void {
    if (this.#closed || Date.now() < this.#retryAt) return;
    const worker = new Worker(new URL("./listing_worker.ts", import.meta.url), {
      type: "module",
      name: "listing",
    });
    worker.onmessage = (e: MessageEvent<FromThread>) => this.#receive(e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      this.#fail(e.message);
    };
    this.#worker = worker;
    this.#post({ kind: "open", path: this.path, table: this.table });
    this.#keepAlive();
  }

  #receive(m: FromThread): void {
    if (m.kind === "ready") {
      this.#ready = true;
      for (const w of this.#waiters.splice(0)) w.resolve();
    } else if (m.kind === "failed") this.#fail(m.message);
    else {
      const p = this.#pending.get(m.id);
      this.#pending.delete(m.id);
      if (m.kind === "page") p?.resolve(fromColumns(m.page));
      else p?.reject(new Error(m.message));
    }
  }

  #fail(message: string): void {
    log.warn("the listing thread failed: listing on the main thread for a minute", {
      error: message,
    });
    this.#retryAt = Date.now() + RETRY_MS;
    this.#stop(`the listing thread failed: ${message}`);
  }

  #keepAlive(): void {
    clearTimeout(this.#idle);
    const idle = setTimeout(() => {
      if (this.#pending.size) this.#keepAlive();
      else this.#stop("idle");
    }, this.idleMs);
    // An idle timer must not keep a stopping process alive.
    Deno.unrefTimer(idle);
    this.#idle = idle;
  }

  #stop(reason: string): void {
    clearTimeout(this.#idle);
    this.#worker?.terminate();
    this.#worker = undefined;
    this.#ready = false;
    for (const p of this.#pending.values()) p.reject(new Error(reason));
    this.#pending.clear();
    for (const w of this.#waiters.splice(0)) w.reject(new Error(reason));
  }
}
