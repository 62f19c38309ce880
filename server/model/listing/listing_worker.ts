/**
 * The listing thread's own side (see listing_thread.ts): opens the node's database and answers
 * page requests with pages read and folded exactly as the main thread would.
 */
import { readRange } from "../../table/range.ts";
import type { FromThread, ToThread } from "./listing_thread.ts";
import { listingOfBytes, objectPage } from "./object_listing.ts";
import { toColumns } from "./page_columns.ts";

/** What a worker's global scope offers it (the main program is checked with window types). */
interface Parent {
  onmessage: ((e: MessageEvent<ToThread>) => void) | null;
  postMessage(m: FromThread): void;
}

const parent = self as unknown as Parent;
let opened: Promise<{ kv: Deno.Kv; table: string }> | undefined;

parent.onmessage = async ({ data: m }) => {
  if (m.kind === "open") {
    opened = Deno.openKv(m.path).then((kv) => ({ kv, table: m.table }));
    opened.then(
      () => parent.postMessage({ kind: "ready" }),
      (e) => parent.postMessage({ kind: "failed", message: String(e) }),
    );
    return;
  }
  try {
    const { kv, table } = await opened!;
    const page = await objectPage((q) => readRange(kv, table, m.pk, q, listingOfBytes), m.params);
    parent.postMessage({ kind: "page", id: m.id, page: toColumns(page) });
  } catch (e) {
    parent.postMessage({ kind: "error", id: m.id, message: String(e) });
  }
};
