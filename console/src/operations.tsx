/**
 * The operations screen: every node's background workers with their progress, blocks that
 * failed to sync with a retry, and repairs or a scrub launched on one node or all of them.
 */
import { useState } from "preact/hooks";
import type {
  BlockErrorResp,
  GetClusterStatusResponse,
  ListBlockErrorsResponse,
  ListWorkersResponse,
  WorkerInfoResp,
} from "../../shared/admin.ts";
import { call } from "./api.ts";
import { ago, count, plural, shortId, time } from "./format.ts";
import { progressFraction, sortWorkers } from "./operations_model.ts";
import { RepairForm } from "./repair_form.tsx";
import { RetryButton } from "./retry_button.tsx";
import { Allowed, ErrorNote, Loading, Notice, PageTitle, usePolling } from "./ui.tsx";
import { TableHead } from "./table_head.tsx";

export const OPERATIONS_REFRESH_MS = 3000;

interface Snapshot {
  workers: ListWorkersResponse;
  errors: ListBlockErrorsResponse;
  status: GetClusterStatusResponse;
}

async function load(): Promise<Snapshot> {
  const [workers, errors, status] = await Promise.all([
    call<ListWorkersResponse>("ListWorkers", { query: { node: "*" }, body: {} }),
    call<ListBlockErrorsResponse>("ListBlockErrors", { query: { node: "*" } }),
    call<GetClusterStatusResponse>("GetClusterStatus"),
  ]);
  return { workers, errors, status };
}

const STATE_TONE: Record<WorkerInfoResp["state"], string> = {
  busy: "good",
  paused: "warn",
  idle: "",
  done: "",
};

function WorkerRow({ w }: { w: WorkerInfoResp }) {
  const fraction = progressFraction(w.progress);
  return (
    <tr>
      <td data-label="Worker">
        <span class="strong">{w.name}</span>
        {w.freeform.length > 0 && (
          <ul class="freeform">{w.freeform.map((f) => <li key={f}>{f}</li>)}</ul>
        )}
      </td>
      <td data-label="State">
        <span class={`badge ${STATE_TONE[w.state]}`}>{w.state}</span>
      </td>
      <td data-label="Progress" class="progress-cell">
        {fraction !== null && (
          <progress max={1} value={fraction} aria-label={`${w.name} progress`} />
        )}
        <span class="small">
          {w.progress ??
            (w.queueLength
              ? `${count(w.queueLength)} queued`
              : w.state === "done"
              ? "finished"
              : "at rest: nothing to do")}
        </span>
      </td>
      <td data-label="Errors">
        {w.consecutiveErrors > 0
          ? (
            <span class="bad-text">
              {plural(w.consecutiveErrors, "error")} in a row
              {w.lastError && `, last ${ago(w.lastError.secsAgo)}: ${w.lastError.message}`}
            </span>
          )
          : w.errors > 0
          ? `${count(w.errors)} in all`
          : "none"}
      </td>
    </tr>
  );
}

function BlockErrors({ node, errors, name, onRetried }: {
  node: string;
  errors: BlockErrorResp[];
  name: string;
  onRetried: (said: string) => void;
}) {
  return (
    <div class="card">
      <div class="title-row">
        <h3>{name}: {plural(errors.length, "block")} failing to sync</h3>
        <div class="actions">
          <RetryButton node={node} label="Retry all now" all onDone={onRetried} />
        </div>
      </div>
      <table class="cards">
        <TableHead
          caption={`Blocks ${name} could not sync`}
          columns={["Block", "Attempts", "Last error", "Next try", { offscreen: "Retry" }]}
        />
        <tbody>
          {errors.map((e) => (
            <tr key={e.blockHash}>
              <td data-label="Block" class="nowrap">
                <code title={e.blockHash}>{shortId(e.blockHash)}</code>
              </td>
              <td data-label="Attempts">{count(e.errorCount)}</td>
              <td data-label="Last error">
                {e.message} <span class="muted small">({ago(e.lastTrySecsAgo)})</span>
              </td>
              <td data-label="Next try">
                {e.nextTryInSecs > 0 ? `in ${Math.round(e.nextTryInSecs)} s` : "now"}
              </td>
              <td data-label="Retry">
                <RetryButton
                  node={node}
                  label="Retry now"
                  hashes={[e.blockHash]}
                  onDone={onRetried}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function OperationsView() {
  const { data: s, error, at, loading, refresh } = usePolling(load, OPERATIONS_REFRESH_MS);
  const [retried, setRetried] = useState<string | null>(null);
  const onRetried = (said: string) => {
    setRetried(said);
    refresh();
  };
  const name = (id: string) => {
    const n = s?.status.nodes.find((x) => x.id === id);
    return n?.hostname ? `${n.hostname} ${id.slice(0, 8)}` : shortId(id);
  };
  const failing = s ? Object.entries(s.errors.success).filter(([, errs]) => errs.length > 0) : [];
  // A node that is down fails both calls: say it once.
  const unreachable = s
    ? [...new Map([...Object.entries(s.workers.error), ...Object.entries(s.errors.error)])]
    : [];

  return (
    <section aria-labelledby="page-title">
      <div class="title-row">
        <PageTitle title="Operations">Operations</PageTitle>
        <div class="actions">
          <span class="muted small">
            {at ? `Updated ${time(at)}, every ${OPERATIONS_REFRESH_MS / 1000} s` : ""}
          </span>
          <button type="button" onClick={refresh} disabled={loading}>Refresh</button>
        </div>
      </div>
      <ErrorNote action="Reading the workers and block errors" error={error} />
      {!s && !error && <Loading what="the workers" />}
      {s && (
        <>
          <Allowed to="LaunchRepairOperation">
            <RepairForm nodes={s.status.nodes} name={name} onLaunched={refresh} />
          </Allowed>
          {unreachable.map(([id, msg]) => (
            <div key={id} class="note warn" role="alert">
              {name(id)} did not answer:{" "}
              {msg}. Its workers are not shown; check that it is up on the Cluster screen.
            </div>
          ))}

          <h2>Blocks failing to sync</h2>
          {retried && <Notice>{retried}</Notice>}
          {failing.length === 0 && (
            <p class="empty">
              None: every node has the blocks it should hold, as far as it has checked.
            </p>
          )}
          {failing.map(([id, errs]) => (
            <BlockErrors key={id} node={id} errors={errs} name={name(id)} onRetried={onRetried} />
          ))}

          <h2>Workers</h2>
          {Object.entries(s.workers.success).map(([id, ws]) => (
            <div class="card" key={id}>
              <h3>{name(id)}</h3>
              <table class="cards workers">
                <TableHead
                  caption={`Workers of ${name(id)}`}
                  columns={["Worker", "State", "Progress", "Errors"]}
                />
                <tbody>
                  {sortWorkers(ws).map((w) => <WorkerRow key={w.id} w={w} />)}
                </tbody>
              </table>
            </div>
          ))}
        </>
      )}
    </section>
  );
}
