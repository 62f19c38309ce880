/**
 * One connection to a peer, carrying requests both ways at once. Each message is cut into
 * frames; the writer always sends the next frame of the most urgent message, taking messages
 * of one priority in turn, so a block transfer never delays a metadata call by more than a
 * frame.
 */
import type { Socket } from "node:net";
import { decode, encodeMessage } from "../util/msgpack.ts";
import { concatBytes } from "../util/bytes.ts";
import {
  encodeFrame,
  type Frame,
  FrameError,
  FrameReader,
  HEADER,
  Kind,
  MAX_FRAME,
} from "./frame.ts";
import { FlowWindow } from "./window.ts";

const EMPTY = new Uint8Array(0);

export const Priority = {
  /** Pings and cluster state: must get through a saturated link. */
  High: 0,
  /** Requests a client is waiting for. */
  Normal: 1,
  /** Repair and rebalancing traffic. */
  Background: 2,
} as const;
export type Priority = typeof Priority[keyof typeof Priority];

/** A message larger than this is refused: a peer cannot make this node buffer without bound. */
export const MAX_MESSAGE = 64 * 1024 * 1024;
/** Frames gathered into one socket write. */
const WRITE_BATCH = 64 * 1024;
/** Urgent messages may exceed the flow window (window.ts) by this much. */
const RESERVE = 64 * 1024;
/** The receiver reports what it consumed in steps of this much. */
const WINDOW_STEP = 32 * 1024;

export type RequestHandler = (endpoint: string, msg: unknown) => Promise<unknown>;

/** The peer answered with an error: its message, as the remote handler raised it. */
export class RemoteError extends Error {}

export class PeerTimeout extends Error {}

export class ConnectionClosed extends Error {}

interface Outgoing {
  kind: Kind;
  stream: number;
  priority: Priority;
  payload: Uint8Array;
  offset: number;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Frames of one message received so far. */
class Assembly {
  parts: Uint8Array[] = [];
  size = 0;

  add(payload: Uint8Array): void {
    this.size += payload.length;
    if (this.size > MAX_MESSAGE) throw new FrameError(`message exceeds ${MAX_MESSAGE} bytes`);
    this.parts.push(payload);
  }

  bytes(): Uint8Array {
    return concatBytes(this.parts, this.size);
  }
}

export class Connection {
  #nextStream = 1;
  readonly #pending = new Map<number, Pending>();
  /** Incoming requests and responses being reassembled, by kind and stream. */
  readonly #assembling = new Map<number, Assembly>();
  /** Requests of the peer it no longer waits for. */
  readonly #cancelled = new Set<number>();
  readonly #queues: Outgoing[][] = [[], [], []];
  /** Window reports, sent before anything else and outside the window. */
  readonly #control: Uint8Array[] = [];
  #scheduled = false;
  #blocked = false;
  /** The last batch ended because the window was full (not for lack of data). */
  #limited = false;
  readonly #window = new FlowWindow();
  /** Bytes consumed here and not yet reported to the peer. */
  #unreported = 0;
  #closed?: Error;
  readonly #reader = new FrameReader();
  readonly closed: Promise<Error>;
  #onClosed!: (e: Error) => void;
  /** Bytes written to and read from the socket (frames and their headers, before TLS). */
  sent = 0;
  received = 0;

  constructor(readonly socket: Socket, public handler: RequestHandler) {
    this.closed = new Promise((r) => this.#onClosed = r);
    socket.on("data", (chunk: Uint8Array) => {
      this.received += chunk.length;
      try {
        for (const f of this.#reader.push(chunk)) this.#receive(f);
      } catch (e) {
        this.close(e instanceof Error ? e : new Error(String(e)));
      }
    });
    socket.on("drain", () => {
      this.#blocked = false;
      this.#pump();
    });
    // A reset is how many peers hang up: callers see one kind of loss, the cause kept.
    socket.on(
      "error",
      (e: Error) => this.close(new ConnectionClosed(`connection lost: ${e.message}`, { cause: e })),
    );
    socket.on("close", () => this.close(new ConnectionClosed("connection closed by the peer")));
  }

  get isClosed(): boolean {
    return this.#closed !== undefined;
  }

  /** Sends a request and resolves with the peer's answer. */
  call(endpoint: string, msg: unknown, priority: Priority, timeoutMs: number): Promise<unknown> {
    if (this.#closed) return Promise.reject(this.#closed);
    const stream = this.#nextStream;
    this.#nextStream = this.#nextStream >= 0x7fffffff ? 1 : this.#nextStream + 1;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(stream);
        this.#send(Kind.Cancel, stream, Priority.High, new Uint8Array(0));
        reject(new PeerTimeout(`no answer to ${endpoint} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(stream, { resolve, reject, timer });
      this.#send(Kind.Request, stream, priority, encodeMessage([endpoint, msg]));
    });
  }

  close(reason: Error = new ConnectionClosed("connection closed")): void {
    if (this.#closed) return;
    this.#closed = reason;
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(reason);
    }
    this.#pending.clear();
    this.#queues.forEach((q) => q.length = 0);
    this.socket.destroy();
    this.#onClosed(reason);
  }

  #receive(f: Frame): void {
    if (f.kind === Kind.Window) {
      this.#window.acked(f.stream);
      this.#pump();
      return;
    }
    this.#consumed(HEADER + f.payload.length);
    if (f.kind === Kind.Cancel) {
      this.#cancelled.add(f.stream);
      return;
    }
    const id = f.kind === Kind.Request ? f.stream : -f.stream;
    let bytes = f.payload;
    if (f.more || this.#assembling.has(id)) {
      const a = this.#assembling.get(id) ?? new Assembly();
      a.add(f.payload);
      if (f.more) {
        this.#assembling.set(id, a);
        return;
      }
      this.#assembling.delete(id);
      bytes = a.bytes();
    }
    if (f.kind === Kind.Request) this.#serve(f.stream, f.priority as Priority, bytes);
    else this.#answered(f.stream, bytes);
  }

  async #serve(stream: number, priority: Priority, bytes: Uint8Array): Promise<void> {
    let reply: unknown[];
    try {
      const [endpoint, msg] = decode(bytes) as [string, unknown];
      reply = [0, await this.handler(endpoint, msg)];
    } catch (e) {
      reply = [1, e instanceof Error ? e.message : String(e)];
    }
    if (this.#cancelled.delete(stream) || this.#closed) return;
    this.#send(Kind.Response, stream, priority, encodeMessage(reply));
  }

  #answered(stream: number, bytes: Uint8Array): void {
    const p = this.#pending.get(stream);
    if (!p) return;
    this.#pending.delete(stream);
    clearTimeout(p.timer);
    try {
      const [status, value] = decode(bytes) as [number, unknown];
      if (status === 0) p.resolve(value);
      else p.reject(new RemoteError(String(value)));
    } catch (e) {
      p.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  #consumed(bytes: number): void {
    this.#unreported += bytes;
    if (this.#unreported < WINDOW_STEP) return;
    // The count travels in the stream id field: a Window frame has no payload.
    this.#control.push(encodeFrame(Kind.Window, this.#unreported, false, Priority.High, EMPTY));
    this.#unreported = 0;
    this.#schedule();
  }

  #send(kind: Kind, stream: number, priority: Priority, payload: Uint8Array): void {
    if (this.#closed) return;
    this.#queues[priority].push({ kind, stream, priority, payload, offset: 0 });
    this.#schedule();
  }

  /** Messages queued in the same tick leave in one write. */
  #schedule(): void {
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => {
        this.#scheduled = false;
        this.#pump();
      });
    }
  }

  /**
   * The next frame to send: window reports first, then the most urgent priority, its messages
   * in turn, as far as the window allows.
   */
  #nextFrame(): Uint8Array | undefined {
    const control = this.#control.shift();
    if (control) return control;
    const q = this.#queues.find((q) => q.length > 0);
    if (!q) return undefined;
    const extra = q === this.#queues[Priority.Background] ? 0 : RESERVE;
    if (!this.#window.allows(HEADER + MAX_FRAME, extra)) {
      this.#limited = true;
      return undefined;
    }
    const m = q.shift()!;
    const end = Math.min(m.offset + MAX_FRAME, m.payload.length);
    const more = end < m.payload.length;
    const frame = encodeFrame(
      m.kind,
      m.stream,
      more,
      m.priority,
      m.payload.subarray(m.offset, end),
    );
    m.offset = end;
    if (more) q.push(m);
    this.#window.sent(frame.length);
    return frame;
  }

  #pump(): void {
    while (!this.#blocked && !this.#closed) {
      const frames: Uint8Array[] = [];
      let size = 0;
      this.#limited = false;
      while (size < WRITE_BATCH) {
        const f = this.#nextFrame();
        if (!f) break;
        frames.push(f);
        size += f.length;
      }
      if (frames.length === 0) return;
      this.sent += size;
      const ok = this.socket.write(concatBytes(frames, size));
      this.#window.wrote(this.#limited);
      if (!ok) this.#blocked = true;
    }
  }
}
