/**
 * Request/response calls between nodes. A call to this node runs its handler directly; a call
 * to another node goes through the transport the net layer plugs in.
 */
import { Priority } from "../net/conn.ts";
import type { Endpoint, EndpointHandler } from "./endpoint.ts";

export { Priority };

/** A handler as the wire reaches it: the request is what its endpoint declares. */
type Handler = (msg: unknown, from: string) => Promise<unknown>;

export interface Transport {
  call(
    node: string,
    endpoint: string,
    msg: unknown,
    priority: Priority,
    timeoutMs: number,
  ): Promise<unknown>;
  isUp(node: string): boolean;
}

export interface CallOptions {
  timeoutMs?: number;
  priority?: Priority;
}

/** Not enough nodes answered; carries each failure so the caller can explain. */
export class QuorumError extends Error {
  constructor(readonly quorum: number, readonly ok: number, readonly errors: Error[]) {
    super(
      `quorum not reached: ${ok} of ${quorum} required answers` +
        (errors.length ? ` (${errors.map((e) => e.message).join("; ")})` : ""),
    );
  }
}

export class Rpc {
  readonly #handlers = new Map<string, Handler>();
  transport?: Transport;

  constructor(readonly self: string, readonly timeoutMs = 30_000) {}

  register<Req, Res>(ep: Endpoint<Req, Res>, handler: EndpointHandler<Req, Res>): void {
    // The one place a message takes its declared type: what a peer sends is what it encoded
    // from the same declaration.
    this.#handlers.set(ep.path, async (msg, from) => await handler(msg as Req, from));
  }

  /** Runs a request that arrived from `from` (this node or a peer). */
  handle(endpoint: string, msg: unknown, from: string): Promise<unknown> {
    const h = this.#handlers.get(endpoint);
    if (!h) return Promise.reject(new Error(`no handler for ${endpoint}`));
    return h(msg, from);
  }

  call<Req, Res>(
    node: string,
    ep: Endpoint<Req, Res>,
    msg: Req,
    opts: CallOptions = {},
  ): Promise<Res> {
    if (node === this.self) return this.handle(ep.path, msg, node) as Promise<Res>;
    if (!this.transport) {
      return Promise.reject(new Error(`node ${node.slice(0, 16)} is not reachable`));
    }
    return this.transport.call(
      node,
      ep.path,
      msg,
      opts.priority ?? Priority.Normal,
      opts.timeoutMs ?? this.timeoutMs,
    ) as Promise<Res>;
  }

  isUp(node: string): boolean {
    return node === this.self || (this.transport?.isUp(node) ?? false);
  }
}

/**
 * Resolves with the first `need` answers, or fails once it cannot have them. Writes ask every
 * node at once (`spread: "all"`); reads ask the first `need` nodes of the list, best first,
 * and one more each time one fails.
 */
export function quorum<T>(
  nodes: string[],
  need: number,
  ask: (node: string) => Promise<T>,
  spread: "all" | "needed" = "all",
): Promise<T[]> {
  if (nodes.length < need) {
    return Promise.reject(
      new QuorumError(need, 0, [
        new Error(`only ${nodes.length} node(s) hold this data in the layout`),
      ]),
    );
  }
  // A cluster of one (or a table on one replica): no bookkeeping between the caller and the answer.
  if (nodes.length === 1 && need === 1) {
    return ask(nodes[0]).then((r) => [r], (e) => {
      throw new QuorumError(1, 0, [e instanceof Error ? e : new Error(String(e))]);
    });
  }
  return new Promise((resolve, reject) => {
    const results: T[] = [];
    const errors: Error[] = [];
    let done = false;
    let next = 0;
    const start = () => {
      const node = nodes[next++];
      ask(node).then(
        (r) => {
          results.push(r);
          if (!done && results.length >= need) {
            done = true;
            resolve(results.slice());
          }
        },
        (e) => {
          errors.push(e instanceof Error ? e : new Error(String(e)));
          if (done) return;
          if (nodes.length - errors.length < need) {
            done = true;
            reject(new QuorumError(need, results.length, errors));
          } else if (next < nodes.length) start();
        },
      );
    };
    const first = spread === "all" ? nodes.length : need;
    for (let i = 0; i < first; i++) start();
  });
}

/**
 * A write to several replica sets at once (one per live layout version): every node of their
 * union is asked once; done when each set has `need` successes, failed once one cannot.
 */
export function quorumEach<T>(
  sets: string[][],
  need: number,
  ask: (node: string) => Promise<T>,
): Promise<T[]> {
  if (sets.length === 1) return quorum(sets[0], need, ask);
  const short = sets.find((s) => s.length < need);
  if (short || sets.length === 0) {
    return Promise.reject(
      new QuorumError(need, 0, [
        new Error(`only ${short?.length ?? 0} node(s) hold this data in the layout`),
      ]),
    );
  }
  const nodes = [...new Set(sets.flat())];
  return new Promise((resolve, reject) => {
    const ok = new Set<string>();
    const answers: T[] = [];
    const failed = new Map<string, Error>();
    let done = false;
    const settle = () => {
      if (done) return;
      if (sets.every((s) => s.filter((n) => ok.has(n)).length >= need)) {
        done = true;
        resolve(answers.slice());
      } else if (sets.some((s) => s.filter((n) => !failed.has(n)).length < need)) {
        done = true;
        reject(new QuorumError(need, ok.size, [...failed.values()]));
      }
    };
    for (const node of nodes) {
      ask(node).then((answer) => {
        ok.add(node);
        answers.push(answer);
        settle();
      }, (e) => {
        failed.set(node, e instanceof Error ? e : new Error(String(e)));
        settle();
      });
    }
  });
}
