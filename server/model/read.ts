/** Streams an object's bytes (or a byte range of them), fetching the next block ahead. */
import type { Model } from "./model.ts";
import type { ObjectVersion, VersionData } from "./object.ts";
import type { VersionBlock } from "./version.ts";

export interface ByteRange {
  start: number;
  /** inclusive */
  end: number;
}

type Readable = ObjectVersion & {
  state: { s: "complete"; data: Exclude<VersionData, { t: "delete" }> };
};

/** Byte ranges of each part of a multipart object, in order. */
export async function partRanges(model: Model, uuid: string): Promise<Map<number, ByteRange>> {
  const parts = new Map<number, ByteRange>();
  let pos = 0;
  for await (const b of model.versionBlocks(uuid)) {
    const r = parts.get(b.part);
    if (r) r.end = pos + b.size - 1;
    else parts.set(b.part, { start: pos, end: pos + b.size - 1 });
    pos += b.size;
  }
  return parts;
}

export function readObject(
  model: Model,
  v: Readable,
  range?: ByteRange,
): ReadableStream<Uint8Array> {
  const data = v.state.data;
  const r = range ?? { start: 0, end: data.meta.size - 1 };
  if (data.t === "inline") {
    const bytes = data.bytes.subarray(r.start, r.end + 1);
    return new ReadableStream({
      start(c) {
        if (bytes.length) c.enqueue(bytes);
        c.close();
      },
    });
  }
  const rows = model.versionBlocks(v.uuid);
  let pos = 0;
  let next:
    | Promise<{ block: VersionBlock; at: number; data: Promise<Uint8Array> } | null>
    | undefined;

  /** The next block overlapping the range, with its download already started. */
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
      return { block: value, at, data };
    }
  };

  return new ReadableStream({
    async pull(c) {
      const cur = await (next ?? fetchNext());
      if (!cur) {
        c.close();
        return;
      }
      next = fetchNext();
      next.catch(() => {});
      const bytes = await cur.data;
      const from = Math.max(0, r.start - cur.at);
      const to = Math.min(bytes.length, r.end + 1 - cur.at);
      c.enqueue(from === 0 && to === bytes.length ? bytes : bytes.subarray(from, to));
    },
    cancel() {
      rows.return(undefined);
    },
  }, { highWaterMark: 0 });
}
