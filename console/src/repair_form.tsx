/** Launches a repair or a scrub command on one node or on all of them. */
import { useState } from "preact/hooks";
import type { LaunchRepairOperationResponse, NodeResp, RepairType } from "../../shared/admin.ts";
import { call } from "./api.ts";
import { ErrorNote, Notice } from "./ui.tsx";
import { SelectField } from "./fields.tsx";

/** Each operation, what it does in words, and whether it reads every block (heavy). */
const OPERATIONS: {
  value: string;
  label: string;
  help: string;
  repair: RepairType;
  heavy?: boolean;
}[] = [
  {
    value: "tables",
    label: "Sync metadata tables",
    help:
      "Compares every table partition with its other copies now (Merkle trees) and fetches what differs.",
    repair: "tables",
  },
  {
    value: "blocks",
    label: "Sync data blocks",
    help:
      "Checks every block this node should hold, fetches missing ones and hands over those it no longer should hold.",
    repair: "blocks",
    heavy: true,
  },
  {
    value: "scrub-start",
    label: "Start a scrub",
    help:
      "Re-reads every block on disk and checks its hash; a corrupt copy is replaced from another node.",
    repair: { scrub: "start" },
    heavy: true,
  },
  {
    value: "scrub-pause",
    label: "Pause the scrub",
    help: "Pauses a running scrub where it is.",
    repair: { scrub: "pause" },
  },
  {
    value: "scrub-resume",
    label: "Resume the scrub",
    help: "Resumes a paused scrub.",
    repair: { scrub: "resume" },
  },
  {
    value: "scrub-cancel",
    label: "Cancel the scrub",
    help: "Stops a scrub; the next one starts from the beginning.",
    repair: { scrub: "cancel" },
  },
  {
    value: "versions",
    label: "Repair versions",
    help: "Finds object versions whose object is gone and deletes them, releasing their blocks.",
    repair: "versions",
  },
  {
    value: "blockRefs",
    label: "Repair block references",
    help:
      "Finds block references whose version is gone and deletes them, so unused blocks are collected.",
    repair: "blockRefs",
  },
  {
    value: "multipartUploads",
    label: "Repair multipart uploads",
    help: "Finds uploads whose object is gone and cleans them up.",
    repair: "multipartUploads",
  },
  {
    value: "rebalance",
    label: "Rebalance data",
    help: "Moves blocks to where the current layout puts them.",
    repair: "rebalance",
    heavy: true,
  },
  {
    value: "lifecycle",
    label: "Run lifecycle rules now",
    help: "Applies the buckets' expiration rules now instead of at the next daily pass.",
    repair: "lifecycle",
  },
];

export function RepairForm({ nodes, name, onLaunched }: {
  nodes: NodeResp[];
  name: (id: string) => string;
  onLaunched: () => void;
}) {
  const [node, setNode] = useState("*");
  const [op, setOp] = useState(OPERATIONS[0].value);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const chosen = OPERATIONS.find((o) => o.value === op)!;

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const r = await call<LaunchRepairOperationResponse>("LaunchRepairOperation", {
        query: { node },
        body: { repairType: chosen.repair },
      });
      const ok = Object.keys(r.success);
      const failed = Object.entries(r.error);
      if (failed.length) {
        throw new Error(failed.map(([id, m]) => `${name(id)}: ${m}`).join("; "));
      }
      setDone(
        `${chosen.label}: launched on ${
          ok.length === 1 ? name(ok[0]) : `${ok.length} nodes`
        }. Its progress shows in the workers below.`,
      );
      onLaunched();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card inline-form" onSubmit={submit} aria-labelledby="repair-title">
      <h2 id="repair-title">Launch a repair</h2>
      <div class="row">
        <SelectField id="repair-op" label="Operation" value={op} onValue={setOp}>
          {OPERATIONS.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
        </SelectField>
        <SelectField id="repair-node" label="On" value={node} onValue={setNode}>
          <option value="*">all nodes</option>
          {nodes.map((n) => <option key={n.id} value={n.id}>{name(n.id)}</option>)}
        </SelectField>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Launching…" : "Launch"}
        </button>
      </div>
      <p class="hint" id="repair-help">
        {chosen.help}
        {chosen.heavy && " It reads every block: expect disk load until it is done."}
      </p>
      {done && <Notice>{done}</Notice>}
      <ErrorNote action="Launching the repair" error={error} />
    </form>
  );
}
