/**
 * The snapshot thread's own side (see snapshots.ts): copies the node's database with SQLite's
 * `VACUUM INTO`, one read transaction, so the copy is consistent while the node goes on writing.
 * It runs off the main thread: copying a large database takes seconds.
 */
import { DatabaseSync } from "node:sqlite";

interface Parent {
  onmessage: ((e: MessageEvent<{ db: string; target: string }>) => void) | null;
  postMessage(m: { ok: true } | { ok: false; message: string }): void;
}

const parent = self as unknown as Parent;

parent.onmessage = ({ data: { db, target } }) => {
  try {
    const conn = new DatabaseSync(db, { readOnly: true });
    try {
      conn.prepare("VACUUM INTO ?").run(target);
    } finally {
      conn.close();
    }
    parent.postMessage({ ok: true });
  } catch (e) {
    parent.postMessage({ ok: false, message: (e as Error).message });
  }
};
