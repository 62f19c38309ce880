/**
 * Joining nodes into one cluster without a command line: each node's console shows its own
 * address (`<id>@<host:port>`) to copy, and takes the addresses of others to connect to.
 */
import { useState } from "preact/hooks";
import type {
  ConnectClusterNodesResponse,
  GetClusterStatusResponse,
  GetNodeInfoResponse,
} from "../../shared/admin.ts";
import { call } from "./api.ts";
import { CopyField, ErrorNote, useResource } from "./ui.tsx";

/** This node's peer address: its id from GetNodeInfo, its RPC address from the status. */
async function selfAddress(): Promise<string> {
  const [info, status] = await Promise.all([
    call<GetNodeInfoResponse>("GetNodeInfo", { query: { node: "self" } }),
    call<GetClusterStatusResponse>("GetClusterStatus"),
  ]);
  const id = Object.keys(info.success)[0];
  const addr = status.nodes.find((n) => n.id === id)?.addr;
  return addr ? `${id}@${addr}` : id;
}

export function ConnectNode({ onConnected }: { onConnected: () => void }) {
  const self = useResource(selfAddress);
  const [text, setText] = useState("");
  const [results, setResults] = useState<[string, string | null][]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const peers = text.split(/[\s,]+/).filter(Boolean);
    if (!peers.length) return;
    setBusy(true);
    setError(null);
    try {
      const r = await call<ConnectClusterNodesResponse>("ConnectClusterNodes", { body: peers });
      setResults(peers.map((p, i) => [p, r[i].success ? null : r[i].error ?? "failed"]));
      if (r.every((x) => x.success)) setText("");
      onConnected();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="card">
      <h2 id="connect-title">Add nodes to the cluster</h2>
      <p class="hint">
        Start Remise on the new machine with the same{" "}
        <code>rpc_secret</code>, open its console, copy its node address, and paste it here. Then
        give it a role on the Layout screen.
      </p>
      {self.data && <CopyField id="self-address" label="This node's address" value={self.data} />}
      <ErrorNote action="Reading this node's address" error={self.error} />
      <form class="inline-form" onSubmit={submit} aria-labelledby="connect-title">
        <div class="field">
          <label for="peer-address">Address of a node to connect (id@host:port)</label>
          <textarea
            id="peer-address"
            class="mono"
            rows={2}
            value={text}
            spellcheck={false}
            onInput={(e) => setText(e.currentTarget.value)}
          />
        </div>
        <button type="submit" disabled={busy || !text.trim()}>
          {busy ? "Connecting…" : "Connect"}
        </button>
      </form>
      <ErrorNote action="Connecting" error={error} />
      {results.length > 0 && (
        <ul class="results" aria-live="polite">
          {results.map(([p, err]) => (
            <li key={p} class={err ? "bad" : "good"}>
              <code>{p.slice(0, 16)}…</code> {err ? `could not be connected: ${err}` : "connected"}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
