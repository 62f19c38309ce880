/** Streams an object's bytes (or a byte range of them), fetching the next block ahead. */
import type { Model } from "../model.ts";
import { concatBytes } from "../../util/bytes.ts";
import type { ObjectVersion, VersionData } from "../tables/object.ts";

/** Blocks fetched ahead of the client: bounds a GET's memory to this many blocks. */
const READ_AHEAD = 3;

export interface ByteRange {
  start: number;
  /** inclusive */
  end: number;
}

/** A part of a multipart object: its bytes, and its checksum when the upload had one. */
export interface PartRange extends ByteRange {
  checksum?: string;
}

type Readable = ObjectVersion & {
  state: { s: "complete"; data: Exclude<VersionData, { t: "delete" }> };
};

/** Byte ranges of each part of a multipart object, in order. */
export async function partRanges(model: Model, uuid: string): Promise<Map<number, PartRange>> {
  const parts = new Map<number, PartRange>();
  let pos = 0;
  for await (const b of model.versionBlocks(uuid)) {
    const r = parts.get(b.part);
    if (r) r.end = pos + b.size - 1;
    else {
      const range: PartRange = { start: pos, end: pos + b.size - 1 };
      if (b.partChecksum !== undefined) range.checksum = b.partChecksum;
      parts.set(b.part, range);
    }
    pos += b.size;
  }
  return parts;
}

/**
 * The object's bytes, or a range of them. `open` decrypts what was sealed (SSE-C): blocks and
 * inline bytes are stored sealed, their sizes and offsets are those of the plain bytes.
 */
export function readObject(
  model: Model,
  v: Readable,
  range?: ByteRange,
  open?: (sealed: Uint8Array) => Uint8Array,
): ReadableStream<Uint8Array> {
  const data = v.state.data;
  const r = range ?? { start: 0, end: data.meta.size - 1 };
  if (data.t === "inline") {
    const bytes = (open ? open(data.bytes) : data.bytes).subarray(r.start, r.end + 1);
    return new ReadableStream({
      start(c) {
        if (bytes.length) c.enqueue(bytes);
        c.close();
      },
    });
  }
  const rows = model.blocksToRead(v.uuid, data.meta.size);
  let pos = 0;
  /** Blocks whose download has started, in order; a few ahead of what the client has taken. */
  const ahead: Array<Promise<{ at: number; data: Promise<Uint8Array[]> } | null>> = [];

  /** The next block overlapping the range, its download started. */
  const fetchNext = async () => {
    for (;;) {
      const { done, value } = await rows.next();
      if (done) return null;
      const at = pos;
      pos += value.size;
      if (at + value.size <= r.start) continue;
      if (at > r.end) return null;
      const data = model.blocks.get(value.hash);
      data.catch(() => {});
      return { at, data };
    }
  };
  // Rows are listed one after the other, so each fetch starts once the previous row is known.
  const fill = () => {
    while (ahead.length < READ_AHEAD) {
      const prev = ahead[ahead.length - 1];
      const p = (prev ?? Promise.resolve(undefined)).then((x) => x === null ? null : fetchNext());
      p.catch(() => {});
      ahead.push(p);
    }
  };

  let sent = r.start;
  return new ReadableStream({
    async pull(c) {
      fill();
      const cur = await ahead.shift()!;
      if (!cur) {
        // Ending cleanly here would hand the client a short body as if it were whole.
        if (sent <= r.end) c.error(new Error(`version ${v.uuid} lists fewer bytes than its size`));
        else c.close();
        return;
      }
      fill();
      const pieces = open ? [open(concatBytes(await cur.data))] : await cur.data;
      let at = cur.at;
      for (const piece of pieces) {
        const from = Math.max(0, r.start - at);
        const to = Math.min(piece.length, r.end + 1 - at);
        at += piece.length;
        if (from >= to) continue;
        sent += to - from;
        c.enqueue(from === 0 && to === piece.length ? piece : piece.subarray(from, to));
      }
    },
    cancel() {
      rows.return(undefined);
    },
  }, { highWaterMark: 0 });
}

/**
 * readObject, its first bytes already fetched: a GET whose data cannot be read fails before
 * its status line is sent, instead of sending 200 and then cutting the body.
 */
export async function openObject(
  model: Model,
  v: Readable,
  range?: ByteRange,
  open?: (sealed: Uint8Array) => Uint8Array,
): Promise<ReadableStream<Uint8Array>> {
  const reader = readObject(model, v, range, open).getReader();
  let first: ReadableStreamReadResult<Uint8Array> | undefined = await reader.read();
  return new ReadableStream({
    async pull(c) {
      const { done, value } = first ?? await reader.read();
      first = undefined;
      if (done) c.close();
      else c.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  }, { highWaterMark: 0 });
}
