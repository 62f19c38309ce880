/**
 * The copying thread's own side (see copy.ts): copies the node's database with SQLite's
 * `VACUUM INTO`, one read transaction, so the copy is consistent while the node goes on writing.
 */
import { DatabaseSync } from "node:sqlite";

interface Parent {
  onmessage:
    | ((
      e: MessageEvent<{ db: string; target: string; pageSize: number; readOnly: boolean }>,
    ) => void)
    | null;
  postMessage(m: { ok: true } | { ok: false; message: string }): void;
}

const parent = self as unknown as Parent;

parent.onmessage = ({ data: { db, target, pageSize, readOnly } }) => {
  try {
    const conn = new DatabaseSync(db, { readOnly });
    try {
      // Taken by the copy (not by the source, which keeps its own).
      conn.exec(`PRAGMA page_size = ${Number(pageSize)}`);
      conn.prepare("VACUUM INTO ?").run(target);
    } finally {
      conn.close();
    }
    parent.postMessage({ ok: true });
  } catch (e) {
    parent.postMessage({ ok: false, message: (e as Error).message });
  }
};
