/**
 * The layout screen: which nodes store data, in which zone, with what capacity. Changes are
 * staged, drawn as a preview (who gains and loses partitions), then applied as the next
 * version or reverted; the versions still in use are listed below.
 */
import { Fragment } from "preact";
import { useState } from "preact/hooks";
import type {
  ApplyClusterLayoutResponse,
  GetClusterLayoutHistoryResponse,
  GetClusterLayoutResponse,
  GetClusterStatusResponse,
  LayoutNodeRole,
  NodeResp,
  NodeRoleChange,
  PreviewClusterLayoutChangesResponse,
} from "../../shared/admin.ts";
import { call } from "./api.ts";
import { ConnectNode } from "./connect_node.tsx";
import { bytes, shortId } from "./format.ts";
import { LayoutHistory } from "./layout_history.tsx";
import type { Placement } from "./layout_math.ts";
import { LayoutPicture } from "./layout_preview.tsx";
import { RoleForm } from "./layout_role_form.tsx";
import {
  Allowed,
  ConfirmButton,
  ErrorNote,
  Loading,
  Notice,
  PageTitle,
  useResource,
} from "./ui.tsx";
import { TableHead } from "./table_head.tsx";
import { can } from "./state.ts";

interface Snapshot {
  layout: GetClusterLayoutResponse;
  status: GetClusterStatusResponse;
  history: GetClusterLayoutHistoryResponse;
  preview: PreviewClusterLayoutChangesResponse | null;
}

async function load(): Promise<Snapshot> {
  const [layout, status, history] = await Promise.all([
    call<GetClusterLayoutResponse>("GetClusterLayout"),
    call<GetClusterStatusResponse>("GetClusterStatus"),
    call<GetClusterLayoutHistoryResponse>("GetClusterLayoutHistory"),
  ]);
  const staged = layout.stagedRoleChanges.length > 0 || layout.stagedParameters !== null;
  const preview = staged
    ? await call<PreviewClusterLayoutChangesResponse>("PreviewClusterLayoutChanges")
    : null;
  return { layout, status, history, preview };
}

function stagedText(c: NodeRoleChange, name: string): string {
  if ("remove" in c) return `${name}: remove from the layout`;
  const what = c.capacity === null ? "gateway (no storage)" : `capacity ${bytes(c.capacity)}`;
  const tags = c.tags.length ? `, tags ${c.tags.join(", ")}` : "";
  return `${name}: zone ${c.zone}, ${what}${tags}`;
}

function placementOf(s: Snapshot): Placement {
  const zoneBefore: Record<string, string> = {};
  const zoneAfter: Record<string, string> = {};
  const names: Record<string, string> = {};
  for (const r of s.layout.roles) zoneBefore[r.id] = r.zone;
  if (s.preview && "newLayout" in s.preview) {
    for (const r of s.preview.newLayout.roles) zoneAfter[r.id] = r.zone;
  }
  // Several nodes may share a host name (containers, one test machine): the id tells them apart.
  for (const n of s.status.nodes) {
    names[n.id] = n.hostname ? `${n.hostname} ${n.id.slice(0, 8)}` : shortId(n.id);
  }
  return { zoneBefore, zoneAfter, names };
}

function neverAnswered(n: NodeResp): boolean {
  return !n.isUp && n.lastSeenSecsAgo === null;
}

function UpDown({ n }: { n: NodeResp | undefined }) {
  if (!n) return null;
  if (n.isUp) return <span class="badge good">up</span>;
  return <span class="badge bad">{neverAnswered(n) ? "never answered" : "down"}</span>;
}

/** What a node says of itself before it has a role: host, version, disks. */
function NodeFacts({ n }: { n: NodeResp }) {
  const disk = (d: NodeResp["dataPartition"]) =>
    d ? `${bytes(d.available)} free of ${bytes(d.total)}` : "unknown";
  if (!n.hostname && !n.garageVersion) return null;
  return (
    <dl class="facts">
      <div>
        <dt>Host</dt>
        <dd>{n.hostname ?? "unknown"}</dd>
      </div>
      <div>
        <dt>Version</dt>
        <dd>{n.garageVersion ?? "unknown"}</dd>
      </div>
      <div>
        <dt>Data disk</dt>
        <dd>{disk(n.dataPartition)}</dd>
      </div>
      <div>
        <dt>Metadata disk</dt>
        <dd>{disk(n.metadataPartition)}</dd>
      </div>
    </dl>
  );
}

/**
 * Why the staged layout cannot be applied yet. Too few storage nodes is a step still to take
 * (a hint saying how many), not a failure; anything else is shown as the server says it.
 */
function PreviewProblem({ error }: { error: string }) {
  const m = /needs at least (\d+) storage node\(s\) for replication factor \d+, and has (\d+)/
    .exec(error);
  if (m) {
    const more = Number(m[1]) - Number(m[2]);
    return (
      <p class="note" role="status">
        Assign {more} more storage node{more === 1 ? "" : "s"}{" "}
        (a zone and a capacity) before applying: each partition keeps {m[1]}{" "}
        copies, on different nodes.
      </p>
    );
  }
  return (
    <div class="note error" role="alert">
      <strong>These changes cannot be applied.</strong> {error}{" "}
      Change or remove a staged role, or revert.
    </div>
  );
}

function ZoneRedundancy({ layout, onStaged }: {
  layout: GetClusterLayoutResponse;
  onStaged: () => void;
}) {
  const zr = (layout.stagedParameters ?? layout.parameters).zoneRedundancy;
  const [error, setError] = useState<unknown>(null);
  const set = async (value: string) => {
    setError(null);
    try {
      await call("UpdateClusterLayout", {
        body: {
          parameters: {
            zoneRedundancy: value === "maximum" ? "maximum" : { atLeast: Number(value) },
          },
        },
      });
      onStaged();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div class="field">
      <label for="zone-redundancy">Copies of each partition must be in at least</label>
      <select
        id="zone-redundancy"
        value={zr === "maximum" ? "maximum" : String(zr.atLeast)}
        onChange={(e) => set(e.currentTarget.value)}
      >
        <option value="maximum">as many zones as possible</option>
        {[1, 2, 3, 4, 5].map((n) => (
          <option key={n} value={String(n)}>{n === 1 ? "1 zone" : `${n} zones`}</option>
        ))}
      </select>
      <ErrorNote action="Changing the zone redundancy" error={error} />
    </div>
  );
}

export function LayoutView() {
  const snap = useResource(load);
  const [editing, setEditing] = useState<string | null>(null);
  const [actionError, setActionError] = useState<{ action: string; error: unknown } | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const s = snap.data;

  const act = async (action: string, fn: () => Promise<unknown>, message?: string) => {
    setActionError(null);
    setDone(null);
    try {
      await fn();
      if (message) setDone(message);
    } catch (error) {
      setActionError({ action, error });
    }
    await snap.reload();
  };

  if (!s) {
    return (
      <section aria-labelledby="page-title">
        <PageTitle title="Layout">Layout</PageTitle>
        <ErrorNote action="Reading the layout" error={snap.error} />
        {!snap.error && <Loading what="the layout" />}
      </section>
    );
  }

  const { layout, status, preview } = s;
  const names = placementOf(s).names;
  const name = (id: string) => names[id] ?? shortId(id);
  const roles = new Map(layout.roles.map((r) => [r.id, r]));
  const staged = new Map(layout.stagedRoleChanges.map((c) => [c.id, c]));
  const zones = [...new Set(layout.roles.map((r) => r.zone))].sort();
  const newNodes = status.nodes.filter((n) => !roles.has(n.id) && !staged.has(n.id));
  const byId = new Map(status.nodes.map((n) => [n.id, n]));
  // Nodes with a role, then nodes whose first role is staged: they stay in view until applied.
  const rows: { id: string; role: Omit<LayoutNodeRole, "id">; stagedNew: boolean }[] = [
    ...layout.roles.map((r) => ({ id: r.id, role: r, stagedNew: false })),
    ...layout.stagedRoleChanges.flatMap((c) =>
      "remove" in c || roles.has(c.id) ? [] : [{
        id: c.id,
        role: { ...c, storedPartitions: null, usableCapacity: null },
        stagedNew: true,
      }]
    ),
  ];
  const hasStaged = layout.stagedRoleChanges.length > 0 || layout.stagedParameters !== null;
  const next = layout.version + 1;
  const form = (id: string) => (
    <RoleForm
      id={id}
      current={roles.get(id) ?? null}
      zones={zones}
      onStaged={() => {
        setEditing(null);
        snap.reload();
      }}
      onCancel={() => setEditing(null)}
    />
  );

  return (
    <section aria-labelledby="page-title">
      <div class="title-row">
        <PageTitle title="Layout">Layout</PageTitle>
        <div class="actions">
          <button type="button" onClick={snap.reload} disabled={snap.loading}>Refresh</button>
        </div>
      </div>
      <ErrorNote action="Refreshing the layout" error={snap.error} />
      {done && <Notice>{done}</Notice>}
      {actionError && <ErrorNote action={actionError.action} error={actionError.error} />}
      <dl class="stats">
        <div>
          <dt>Layout version</dt>
          <dd>{layout.version}</dd>
        </div>
        <div>
          <dt>Storage nodes</dt>
          <dd>{layout.roles.filter((r) => r.capacity !== null).length}</dd>
        </div>
        <div>
          <dt>Zones</dt>
          <dd>{zones.length}</dd>
        </div>
        <div>
          <dt>Partition size</dt>
          <dd>{layout.partitionSize ? bytes(layout.partitionSize) : "—"}</dd>
        </div>
      </dl>

      <h2>Nodes</h2>
      <table class="cards layout-nodes">
        <TableHead
          caption="Nodes and their roles"
          columns={["Node", "Zone", "Capacity", "Partitions", "Tags", { offscreen: "Actions" }]}
        />
        <tbody>
          {rows.map(({ id, role, stagedNew }) => (
            <Fragment key={id}>
              <tr>
                <td data-label="Node">
                  <span class="strong" title={id}>{name(id)}</span> <UpDown n={byId.get(id)} />
                  {stagedNew
                    ? <span class="badge warn">new, staged</span>
                    : staged.has(id) && <span class="badge warn">change staged</span>}
                </td>
                <td data-label="Zone">{role.zone}</td>
                <td data-label="Capacity">
                  {role.capacity === null ? "gateway" : bytes(role.capacity)}
                </td>
                <td data-label="Partitions">{stagedNew ? "—" : role.storedPartitions ?? "—"}</td>
                <td data-label="Tags">{role.tags.join(", ") || "—"}</td>
                <td data-label="Actions" class="row-actions">
                  {can("UpdateClusterLayout") && (
                    <>
                      <button
                        type="button"
                        class="small"
                        aria-expanded={editing === id}
                        onClick={() => setEditing(editing === id ? null : id)}
                      >
                        Change role<span class="offscreen">of {name(id)}</span>
                      </button>
                      <button
                        type="button"
                        class="small"
                        onClick={() =>
                          act(
                            `Staging the removal of ${name(id)}`,
                            () =>
                              call("UpdateClusterLayout", {
                                body: { roles: [{ id, remove: true }] },
                              }),
                          )}
                      >
                        Remove<span class="offscreen">{name(id)} from the layout</span>
                      </button>
                    </>
                  )}
                </td>
              </tr>
              {editing === id && (
                <tr class="detail">
                  <td colSpan={6}>{form(id)}</td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
      {rows.length === 0 && (
        <p class="empty">No node has a role yet: give the nodes below a zone and a capacity.</p>
      )}

      {newNodes.length > 0 && (
        <>
          <h2>Nodes without a role</h2>
          <p class="hint">
            Connected, but storing nothing and serving no requests until they have a role.
          </p>
          <ul class="plain">
            {newNodes.map((n) => (
              <li key={n.id} class="card">
                <p>
                  <span class="strong" title={n.id}>{name(n.id)}</span> <UpDown n={n} />
                  {n.addr && <span class="muted small">{n.addr}</span>}
                </p>
                <NodeFacts n={n} />
                {neverAnswered(n)
                  ? (
                    <>
                      <p class="note warn">
                        This node has never answered at{" "}
                        {n.addr ?? "its address"}: the address may be mistyped (<code>node id</code>
                        {" "}
                        on that machine prints the right one). Connect it again below, or forget it.
                      </p>
                      <Allowed to="ForgetClusterNode">
                        <button
                          type="button"
                          onClick={() =>
                            act(
                              `Forgetting ${name(n.id)}`,
                              () => call("ForgetClusterNode", { query: { id: n.id } }),
                              `Node ${shortId(n.id)} forgotten.`,
                            )}
                        >
                          Forget<span class="offscreen">{name(n.id)}</span>
                        </button>
                      </Allowed>
                    </>
                  )
                  : editing === n.id
                  ? form(n.id)
                  : can("UpdateClusterLayout") && (
                    <button
                      type="button"
                      onClick={() => setEditing(n.id)}
                    >
                      Assign a role<span class="offscreen">to {name(n.id)}</span>
                    </button>
                  )}
              </li>
            ))}
          </ul>
        </>
      )}

      <h2>Staged changes</h2>
      <div class="card staged">
        {!hasStaged && <p>Nothing staged. Changes to roles wait here until you apply them.</p>}
        {layout.stagedRoleChanges.length > 0 && (
          <ul>
            {layout.stagedRoleChanges.map((c) => <li key={c.id}>{stagedText(c, name(c.id))}</li>)}
          </ul>
        )}
        {layout.stagedParameters && (
          <p>
            Zone redundancy: {layout.stagedParameters.zoneRedundancy === "maximum"
              ? "as many zones as possible"
              : `at least ${layout.stagedParameters.zoneRedundancy.atLeast} zones`}
          </p>
        )}
        <Allowed to="UpdateClusterLayout">
          <ZoneRedundancy layout={layout} onStaged={snap.reload} />
        </Allowed>
        {preview && "error" in preview && <PreviewProblem error={preview.error} />}
        {preview && "newLayout" in preview && (
          <>
            <h3>Preview of version {next}</h3>
            <LayoutPicture
              changes={preview.changes}
              placement={placementOf(s)}
              copiesMoved={preview.copiesMoved}
              copiesTotal={preview.copiesTotal}
              partitionSize={preview.newLayout.partitionSize}
              roles={preview.newLayout.roles}
              first={layout.version === 0}
            />
            <details>
              <summary>The preview in words</summary>
              <pre class="block">{preview.message.join("\n")}</pre>
            </details>
          </>
        )}
        {hasStaged && (
          <div class="actions">
            {preview && "newLayout" in preview && can("ApplyClusterLayout") && (
              <ConfirmButton
                label={`Apply as version ${next}`}
                question={`Apply the staged changes as layout version ${next}? Data starts moving between nodes at once.`}
                confirmLabel={`Yes, apply version ${next}`}
                onConfirm={() =>
                  act(
                    "Applying the layout",
                    () =>
                      call<ApplyClusterLayoutResponse>("ApplyClusterLayout", {
                        body: { version: next },
                      }),
                    `Layout version ${next} applied: data is moving to where it now belongs (see Operations for progress).`,
                  )}
              />
            )}
            <Allowed to="RevertClusterLayout">
              <button
                type="button"
                onClick={() =>
                  act(
                    "Reverting the staged changes",
                    () => call("RevertClusterLayout"),
                    "Staged changes discarded.",
                  )}
              >
                Revert staged changes
              </button>
            </Allowed>
          </div>
        )}
      </div>

      <Allowed to="ConnectClusterNodes">
        <ConnectNode onConnected={snap.reload} />
      </Allowed>

      <h2>History</h2>
      <LayoutHistory history={s.history} name={name} />
    </section>
  );
}
