/**
 * Asks a node to retry syncing some of its failing blocks (or all of them) now. A retried block
 * leaves the list until it fails again, taking this button with it: `onDone` gets the outcome
 * for the page to show.
 */
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
  onDone: (said: string) => void;
}) {
  const [busy, setBusy] = useState(false);
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
      onDone(`${plural(n, "block")} queued for a retry now.`);
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
      <ErrorNote action="Retrying" error={error} />
    </span>
  );
}
