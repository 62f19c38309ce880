/**
 * Streams a body into blocks: every chunk is hashed once (MD5 for the ETag, SHA-256 when the
 * payload is signed, the requested checksum), cut into `block_size` blocks, and each block is
 * stored on its replicas while the next one is read. At most a few blocks are in memory.
 */
import { blockHash } from "../../block/manager.ts";
import type { ChecksumAlgorithm } from "../../util/checksum.ts";
import { BodyDigests, type Digests } from "./digests.ts";
import type { Model } from "../model.ts";
import type { VersionBlock, VersionOwner } from "../tables/version.ts";

/** Objects smaller than this are stored in their metadata entry, not in blocks. */
export const INLINE_MAX = 3072;
/** Blocks being stored while the next one is read; bounds memory per request. */
const IN_FLIGHT = 2;
/**
 * Bytes asked of the body per read. Deno allocates the size of the view asked for on its side
 * for each read: with 1 MiB views, 32 uploads cost ~45 MiB more than with 64 KiB ones.
 */
const READ_SIZE = 64 * 1024;
/** Block rows recorded per metadata write. */
const ROW_BATCH = 16;

/** Reading the request body failed (client gone, bad framing…); `cause` says why. */
export class BodyError extends Error {
  constructor(override readonly cause: unknown) {
    super(`request body could not be read: ${(cause as Error)?.message ?? cause}`);
  }
}

export interface WriteOptions {
  /** Compute the SHA-256 of the whole body (signed payloads verify it). */
  sha256?: boolean;
  checksum?: ChecksumAlgorithm;
  /** Always store blocks (multipart parts), however small the body. */
  noInline?: boolean;
  /** Recorded on the version's first row, so that a repair can find it if the write dies. */
  owner?: VersionOwner;
  /** The announced body length: a small body then gets a buffer of its size, not a block's. */
  sizeHint?: number;
  /** Encrypts each block (SSE-C); sizes and offsets stay those of the plain bytes. */
  seal?: (plain: Uint8Array) => Uint8Array;
  /**
   * A body that fits one block is not stored but handed back (`single`): the caller sends it
   * with the entry that names it, in one round trip.
   */
  holdSingle?: boolean;
}

/** A body's one block, read and not stored yet. */
export interface SingleBlock {
  hash: string;
  data: Uint8Array;
  /** Its version row (with the write's owner). */
  row: VersionBlock;
  /** Gives its buffer back; called once every replica has answered, or when it is not sent. */
  release(): void;
}

export interface WriteResult extends Digests {
  /** The body itself when it is small enough to be stored inline (no block written). */
  inline?: Uint8Array;
  /** The body's one block, when `holdSingle` asked for it. */
  single?: SingleBlock;
  blocks: number;
}

function byobReader(body: ReadableStream<Uint8Array>): ReadableStreamBYOBReader | undefined {
  try {
    return body.getReader({ mode: "byob" });
  } catch {
    return undefined;
  }
}

export async function writeBlocks(
  model: Model,
  version: string,
  part: number,
  body: ReadableStream<Uint8Array>,
  opts: WriteOptions = {},
): Promise<WriteResult> {
  const pool = model.blockBuffers;
  const blockSize = pool.size;
  const digests = new BodyDigests(opts);
  // One byte more than announced, so the read that finds the end has room to be made.
  const hint = opts.sizeHint;
  let buf = hint !== undefined && hint < blockSize ? new Uint8Array(hint + 1) : pool.take();
  let fill = 0;
  let offset = 0;
  let blocks = 0;
  const begun = Date.now();
  const inFlight: Promise<void>[] = [];
  let failure: unknown;
  /** A full first block kept back while the body may end with it (see holdSingle). */
  let held: Uint8Array | undefined;
  let rows: VersionBlock[] = [];
  const recordRows = async () => {
    const batch = rows;
    rows = [];
    if (batch.length === 0) return;
    await Promise.all([
      model.versions.insertMany(batch),
      model.blockRefs.insertMany(batch.map((r) => ({ hash: r.hash, version, deleted: false }))),
    ]);
  };

  /** The first `length` bytes of `block`, sealed if asked, with their hash and row. */
  const cut = (block: Uint8Array, length: number) => {
    const data = opts.seal ? opts.seal(block.subarray(0, length)) : block.subarray(0, length);
    const hash = blockHash(data);
    const row: VersionBlock = { version, part, offset, hash, size: length, deleted: false };
    // The owner on the first row lets a repair release what a write that died left behind.
    if (blocks === 0 && opts.owner) Object.assign(row, { owner: opts.owner, at: begun });
    return { data, hash, row };
  };

  /** Stores the first `length` bytes of `block`, which goes back to the pool afterwards. */
  const flush = async (block: Uint8Array, length: number) => {
    const { data, hash, row } = cut(block, length);
    // Rows go out with their blocks, not after them: a version is read only once the object
    // entry names it, which waits for both.
    rows.push(row);
    offset += length;
    blocks++;
    // Blocks being stored hold memory: all uploads together wait for room in a shared budget.
    // A block leaves it once the write quorum has it: a slow replica must not stall every
    // upload (the block manager bounds what such replicas hold), and its buffer goes back to
    // the pool once every replica has answered.
    const release = await model.writeBudget.acquire();
    const stored = model.blocks.put(hash, data, () => pool.give(block));
    stored.then(release, release);
    const task = rows.length >= ROW_BATCH
      ? Promise.all([stored, recordRows()]).then(() => {})
      : stored;
    task.catch((e) => failure ??= e);
    inFlight.push(task);
    if (inFlight.length >= IN_FLIGHT) await inFlight.shift();
  };

  /** Makes room after a read filled the buffer: a larger one, or the block goes out. */
  const full = async () => {
    if (buf.length < blockSize) {
      const bigger = pool.take();
      bigger.set(buf);
      buf = bigger;
      return;
    }
    const block = buf;
    fill = 0;
    if (opts.holdSingle && blocks === 0 && !held && hint === blockSize) {
      // Announced as exactly one block: held for the caller, unless more comes after all.
      held = block;
      buf = new Uint8Array(1);
      return;
    }
    // The next buffer is taken once this block has room to go out: uploads waiting for the
    // write budget would otherwise each hold an empty block beside their full one.
    await flush(block, blockSize);
    buf = pool.take();
  };

  /** The body went on past the block held: it goes out as any other. */
  const releaseHeld = async () => {
    const block = held!;
    held = undefined;
    await flush(block, blockSize);
  };

  // A byte stream (a plain request body) is read straight into the block being filled: no
  // intermediate chunk per read. A transformed body (aws-chunked) gives chunks to copy.
  const byob = byobReader(body);
  const reader = byob ?? body.getReader();
  try {
    for (;;) {
      if (failure) throw failure;
      if (byob) {
        const capacity = buf.length;
        const view = new Uint8Array(buf.buffer, fill, Math.min(READ_SIZE, capacity - fill));
        const { done, value } = await byob.read(view)
          .catch((e) => {
            throw new BodyError(e);
          });
        // The read transfers the buffer and hands it back (empty at the end, or not at all).
        if (value) buf = new Uint8Array(value.buffer, 0, capacity);
        if (done) break;
        digests.update(value);
        if (held) await releaseHeld();
        fill += value.length;
        if (fill === buf.length) await full();
      } else {
        const { done, value } = await (reader as ReadableStreamDefaultReader<Uint8Array>).read()
          .catch((e) => {
            throw new BodyError(e);
          });
        if (done) break;
        digests.update(value);
        if (held) await releaseHeld();
        let pos = 0;
        while (pos < value.length) {
          const n = Math.min(buf.length - fill, value.length - pos);
          buf.set(value.subarray(pos, pos + n), fill);
          fill += n;
          pos += n;
          if (fill === buf.length) await full();
        }
      }
    }
    const result: WriteResult = { ...digests.result(), blocks: 0 };
    if (held) {
      const block = held;
      const single = { ...cut(block, blockSize), release: () => pool.give(block) };
      return { ...result, blocks: 1, single };
    }
    if (blocks === 0 && result.size < INLINE_MAX && !opts.noInline) {
      const inline = opts.seal ? opts.seal(buf.subarray(0, fill)) : buf.slice(0, fill);
      pool.give(buf);
      return { ...result, inline };
    }
    if (blocks === 0 && fill > 0 && opts.holdSingle) {
      const block = buf;
      const single = { ...cut(block, fill), release: () => pool.give(block) };
      return { ...result, blocks: 1, single };
    }
    if (fill > 0) await flush(buf, fill);
    else pool.give(buf);
    await Promise.all([...inFlight, recordRows()]);
    if (failure) throw failure;
    return { ...result, blocks };
  } catch (e) {
    if (held) pool.give(held);
    await Promise.allSettled(inFlight);
    // What was stored must be findable, so that releasing the version releases its blocks.
    await recordRows().catch(() => {});
    reader.cancel().catch(() => {});
    throw e;
  }
}
