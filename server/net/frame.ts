/**
 * Frames on a peer connection. A message (request or response) travels as one or more frames of
 * at most MAX_FRAME bytes, so a large one never holds the line: frames of other messages are
 * sent between its frames.
 *
 * Header (12 bytes, big-endian): payload length u32, stream id u32, kind u8, flags u8,
 * priority u8, reserved u8.
 */
export const HEADER = 12;
/** Small enough that a metadata call waits little behind a block on a slow link. */
export const MAX_FRAME = 16 * 1024;

export const Kind = {
  Request: 1,
  Response: 2,
  /** The caller gave up on its request (timeout): the answer is no longer wanted. */
  Cancel: 3,
  /** The receiver consumed this many bytes (u32 payload): the sender may send as many more. */
  Window: 4,
} as const;
export type Kind = typeof Kind[keyof typeof Kind];

export const FLAG_MORE = 1;

export interface Frame {
  kind: Kind;
  stream: number;
  more: boolean;
  priority: number;
  payload: Uint8Array;
}

export function encodeFrame(
  kind: Kind,
  stream: number,
  more: boolean,
  priority: number,
  payload: Uint8Array,
  out: Uint8Array = new Uint8Array(HEADER + payload.length),
): Uint8Array {
  const view = new DataView(out.buffer, out.byteOffset, HEADER);
  view.setUint32(0, payload.length);
  view.setUint32(4, stream);
  out[8] = kind;
  out[9] = more ? FLAG_MORE : 0;
  out[10] = priority;
  out[11] = 0;
  out.set(payload, HEADER);
  return out;
}

/** A peer that sends a frame over this is broken or hostile: the connection is closed. */
export class FrameError extends Error {}

/** Cuts a byte stream into frames, whatever the boundaries of the chunks it arrives in. */
export class FrameReader {
  #buf = new Uint8Array(64 * 1024);
  #start = 0;
  #end = 0;

  /** Adds received bytes and returns the frames they complete. */
  push(chunk: Uint8Array): Frame[] {
    this.#append(chunk);
    const frames: Frame[] = [];
    for (;;) {
      const avail = this.#end - this.#start;
      if (avail < HEADER) break;
      const b = this.#buf;
      const s = this.#start;
      const len = ((b[s] << 24) >>> 0) + (b[s + 1] << 16) + (b[s + 2] << 8) + b[s + 3];
      if (len > MAX_FRAME) throw new FrameError(`frame of ${len} bytes exceeds ${MAX_FRAME}`);
      if (avail < HEADER + len) break;
      const kind = b[s + 8] as Kind;
      if (kind < Kind.Request || kind > Kind.Window) {
        throw new FrameError(`unknown frame kind ${kind}`);
      }
      frames.push({
        kind,
        stream: ((b[s + 4] << 24) >>> 0) + (b[s + 5] << 16) + (b[s + 6] << 8) + b[s + 7],
        more: (b[s + 9] & FLAG_MORE) !== 0,
        priority: b[s + 10],
        payload: b.slice(s + HEADER, s + HEADER + len),
      });
      this.#start += HEADER + len;
    }
    return frames;
  }

  #append(chunk: Uint8Array): void {
    if (this.#start === this.#end) this.#start = this.#end = 0;
    if (this.#end + chunk.length > this.#buf.length) {
      const live = this.#end - this.#start;
      const size = Math.max(this.#buf.length, live + chunk.length);
      const next = size > this.#buf.length ? new Uint8Array(size) : this.#buf;
      next.set(this.#buf.subarray(this.#start, this.#end), 0);
      this.#buf = next;
      this.#start = 0;
      this.#end = live;
    }
    this.#buf.set(chunk, this.#end);
    this.#end += chunk.length;
  }
}
