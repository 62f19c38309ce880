/**
 * The cluster screen: GetClusterStatus and GetClusterHealth read together as one verdict, and
 * the nodes, refreshed every 5 seconds while the tab is visible.
 */
import type { FreeSpaceResp, NodeResp } from "../../shared/admin.ts";
import { api } from "./api.ts";
import { ago, bytes, shortId, time } from "./format.ts";
import { ErrorNote, Loading, PageTitle, usePolling } from "./ui.tsx";
import { type Snapshot, verdictOf } from "./verdict.ts";
import { TableHead } from "./table_head.tsx";

export const REFRESH_MS = 5000;

/** A disk's used share as a bar, with the free space in words. */
function Disk({ d, what }: { d: FreeSpaceResp | undefined; what: string }) {
  if (!d || !d.total) return <>—</>;
  const used = d.total - d.available;
  const pct = Math.round((100 * used) / d.total);
  const full = d.reserve !== undefined && d.available < d.reserve;
  return (
    <span class="disk">
      <meter
        min={0}
        max={d.total}
        value={used}
        high={d.total * 0.85}
        optimum={0}
        aria-label={`${what}: ${pct}% used`}
      />
      <span class="small">
        {bytes(d.available)} free of {bytes(d.total)}
      </span>
      {full && (
        <span
          class="badge bad"
          title={`Less than the ${
            bytes(d.reserve!)
          } kept free (min_free_space): new data is refused, deletes still work`}
        >
          full: writes refused
        </span>
      )}
    </span>
  );
}

function NodeRow({ n }: { n: NodeResp }) {
  const role = n.role;
  return (
    <tr>
      <td data-label="Node">
        <span class="strong">{n.hostname ?? "—"}</span> <code title={n.id}>{shortId(n.id)}</code>
        {n.addr && <div class="muted small mono">{n.addr}</div>}
      </td>
      <td data-label="State">
        {n.isUp ? <span class="badge good">up</span> : <span class="badge bad">down</span>}
        {n.draining && <span class="badge warn">draining</span>}
      </td>
      <td data-label="Last seen">{n.isUp ? "now" : ago(n.lastSeenSecsAgo)}</td>
      <td data-label="Zone">{role ? role.zone : <span class="muted">no role</span>}</td>
      <td data-label="Capacity">
        {role ? (role.capacity === null ? "gateway" : bytes(role.capacity)) : "—"}
      </td>
      <td data-label="Data disk">
        <Disk d={n.dataPartition} what="Data disk" />
      </td>
      <td data-label="Metadata disk">
        <Disk d={n.metadataPartition} what="Metadata disk" />
      </td>
      <td data-label="Version">{n.garageVersion ?? "—"}</td>
    </tr>
  );
}

async function loadSnapshot(): Promise<Snapshot> {
  const [status, health] = await Promise.all([api.clusterStatus(), api.clusterHealth()]);
  return { status, health, at: new Date() };
}

export function ClusterView() {
  const { data: snap, error, loading, refresh: load } = usePolling(loadSnapshot, REFRESH_MS);

  const verdict = snap ? verdictOf(snap) : null;
  return (
    <section aria-labelledby="page-title">
      <div class="title-row">
        <PageTitle title="Cluster">Cluster</PageTitle>
        <div class="actions">
          <span class="muted small" aria-live="off">
            {snap ? `Updated ${time(snap.at)}, every ${REFRESH_MS / 1000} s` : ""}
          </span>
          <button type="button" onClick={load} disabled={loading}>
            {loading ? "Refreshing…" : "Refresh"}
          </button>
        </div>
      </div>
      <ErrorNote
        action={snap
          ? "Refreshing the cluster status (what is shown may be stale)"
          : "Reading the cluster status"}
        error={error}
      />
      {!snap && !error && <Loading what="the cluster status" />}
      {snap && verdict && (
        <>
          <div class={`verdict ${verdict.tone}`} role="status" aria-live="polite">
            <h2>{verdict.title}</h2>
            {verdict.lines.map((l) => <p key={l}>{l}</p>)}
            {verdict.next && (
              <p>
                <a class="button" href={verdict.next.hash}>{verdict.next.text}</a>
              </p>
            )}
          </div>
          <dl class="stats">
            <div>
              <dt>Layout version</dt>
              <dd>{snap.status.layoutVersion}</dd>
            </div>
            <div>
              <dt>Nodes connected</dt>
              <dd>{snap.health.connectedNodes} / {snap.health.knownNodes}</dd>
            </div>
            <div>
              <dt>Storage nodes up</dt>
              <dd>{snap.health.storageNodesOk} / {snap.health.storageNodes}</dd>
            </div>
            <div>
              <dt>Partitions with quorum</dt>
              <dd>{snap.health.partitionsQuorum} / {snap.health.partitions}</dd>
            </div>
            <div>
              <dt>Partitions fully copied</dt>
              <dd>{snap.health.partitionsAllOk} / {snap.health.partitions}</dd>
            </div>
          </dl>
          <h2>Nodes</h2>
          <table class="cards">
            <TableHead
              caption="Nodes of the cluster"
              columns={[
                "Node",
                "State",
                "Last seen",
                "Zone",
                "Capacity",
                "Data disk",
                "Metadata disk",
                "Version",
              ]}
            />
            <tbody>
              {snap.status.nodes.map((n) => <NodeRow key={n.id} n={n} />)}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
