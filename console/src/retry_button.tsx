/** Asks a node to retry syncing some of its failing blocks (or all of them) now. */
import { useState } from "preact/hooks";
import type { RetryBlockResyncResponse } from "../../shared/admin.ts";
import { call } from "./api.ts";
import { plural } from "./format.ts";
import { ErrorNote } from "./ui.tsx";

export function RetryButton({ node, label, all, hashes, onDone }: {
  node: string;
  label: string;
  all?: boolean;
  hashes?: string[];
  onDone: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [said, setSaid] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const retry = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await call<RetryBlockResyncResponse>("RetryBlockResync", {
        query: { node },
        body: all ? { all: true } : { blockHashes: hashes },
      });
      const failed = Object.values(r.error);
      if (failed.length) throw new Error(failed.join("; "));
      const n = Object.values(r.success).reduce((s, x) => s + x.count, 0);
      setSaid(`${plural(n, "block")} queued for a retry now.`);
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="retry">
      <button type="button" class="small" disabled={busy} onClick={retry}>
        {busy ? "Retrying…" : label}
      </button>
      <span class="copy-state" role="status">{said ?? ""}</span>
      <ErrorNote action="Retrying" error={error} />
    </span>
  );
}
