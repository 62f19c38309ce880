/**
 * A copy of the node's database made by SQLite's `VACUUM INTO` on a thread of its own (see
 * snapshot_worker.ts): copying a large database takes seconds, and the node goes on meanwhile.
 */

export interface CopyOptions {
  /** The copy's page size. */
  pageSize: number;
  /** Whether the source is opened read-only (it must then be in use, with its log beside it). */
  readOnly: boolean;
}

export function copyDatabase(db: string, target: string, opts: CopyOptions): Promise<void> {
  const worker = new Worker(new URL("./snapshot_worker.ts", import.meta.url), {
    type: "module",
    name: "snapshot",
  });
  return new Promise<void>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<{ ok: boolean; message?: string }>) => {
      if (e.data.ok) resolve();
      else reject(new Error(`the database copy failed: ${e.data.message}`));
    };
    worker.onerror = (e) => {
      e.preventDefault();
      reject(new Error(`the database copy failed: ${e.message}`));
    };
    worker.postMessage({ db, target, ...opts });
  }).finally(() => worker.terminate());
}
