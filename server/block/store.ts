/** Blocks on this node's disk: data_dir/ab/cd/<hash>, written tmp → fsync → rename. */
import { join } from "node:path";
import { randomHex } from "../util/ids.ts";

export class BlockStore {
  constructor(readonly dir: string, readonly fsync: boolean) {}

  path(hash: string): string {
    return join(this.dir, hash.slice(0, 2), hash.slice(2, 4), hash);
  }

  async exists(hash: string): Promise<boolean> {
    try {
      await Deno.stat(this.path(hash));
      return true;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return false;
      throw e;
    }
  }

  /** Writes a block unless it is already there (content addressing makes that a no-op). */
  async write(hash: string, data: Uint8Array): Promise<void> {
    const path = this.path(hash);
    if (await this.exists(hash)) return;
    const dir = join(this.dir, hash.slice(0, 2), hash.slice(2, 4));
    await Deno.mkdir(dir, { recursive: true });
    const tmp = `${path}.tmp-${randomHex(4)}`;
    const f = await Deno.open(tmp, { write: true, create: true, truncate: true });
    try {
      let off = 0;
      while (off < data.length) off += await f.write(data.subarray(off));
      if (this.fsync) await f.syncData();
    } finally {
      f.close();
    }
    await Deno.rename(tmp, path);
    if (this.fsync) {
      // The rename is durable only once the directory entry is.
      const d = await Deno.open(dir, { read: true });
      try {
        await d.syncData();
      } finally {
        d.close();
      }
    }
  }

  /** The block's bytes, or null when this node does not have it. */
  async read(hash: string): Promise<Uint8Array | null> {
    try {
      return await Deno.readFile(this.path(hash));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return null;
      throw e;
    }
  }

  async delete(hash: string): Promise<void> {
    try {
      await Deno.remove(this.path(hash));
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }

  /** Every block hash on this node (for scrub and repair). */
  async *list(): AsyncGenerator<string> {
    const sub = async function* (dir: string): AsyncGenerator<Deno.DirEntry & { dir: string }> {
      try {
        for await (const e of Deno.readDir(dir)) yield { ...e, dir };
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
    };
    for await (const a of sub(this.dir)) {
      if (!a.isDirectory) continue;
      for await (const b of sub(join(this.dir, a.name))) {
        if (!b.isDirectory) continue;
        for await (const f of sub(join(this.dir, a.name, b.name))) {
          if (f.isFile && /^[0-9a-f]{64}$/.test(f.name)) yield f.name;
        }
      }
    }
  }
}
