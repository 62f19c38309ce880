/**
 * Request/response calls between nodes. A call to this node runs its handler directly; a call
 * to another node goes through the transport the net layer plugs in.
 */
export type Handler = (msg: unknown, from: string) => Promise<unknown>;

export interface Transport {
  call(node: string, endpoint: string, msg: unknown, timeoutMs: number): Promise<unknown>;
}

export interface CallOptions {
  timeoutMs?: number;
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

const DEFAULT_TIMEOUT_MS = 30_000;

export class Rpc {
  readonly #handlers = new Map<string, Handler>();
  transport?: Transport;

  constructor(readonly self: string) {}

  register(endpoint: string, handler: Handler): void {
    this.#handlers.set(endpoint, handler);
  }

  /** Runs a request that arrived from `from` (this node or a peer). */
  handle(endpoint: string, msg: unknown, from: string): Promise<unknown> {
    const h = this.#handlers.get(endpoint);
    if (!h) return Promise.reject(new Error(`no handler for ${endpoint}`));
    return h(msg, from);
  }

  call<T>(node: string, endpoint: string, msg: unknown, opts: CallOptions = {}): Promise<T> {
    if (node === this.self) return this.handle(endpoint, msg, node) as Promise<T>;
    if (!this.transport) {
      return Promise.reject(new Error(`node ${node.slice(0, 16)} is not reachable`));
    }
    return this.transport.call(
      node,
      endpoint,
      msg,
      opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    ) as Promise<
      T
    >;
  }
}

/** Asks every node at once; resolves with the first `need` answers, or fails once it cannot. */
export function quorum<T>(
  nodes: string[],
  need: number,
  ask: (node: string) => Promise<T>,
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
    for (const node of nodes) {
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
          if (!done && nodes.length - errors.length < need) {
            done = true;
            reject(new QuorumError(need, results.length, errors));
          }
        },
      );
    }
  });
}
