/**
 * The layout versions still in use: while data moves to a new version, the old one is still
 * written to, and reads use the newest version every storage node has caught up with.
 */
import type { GetClusterLayoutHistoryResponse } from "../../shared/admin.ts";
import { TableHead } from "./table_head.tsx";

export function LayoutHistory({ history, name }: {
  history: GetClusterLayoutHistoryResponse;
  name: (id: string) => string;
}) {
  const behind = Object.entries(history.syncTrackers).filter(([, v]) => v < history.currentVersion);
  return (
    <div class="card history">
      {history.versions.length === 0 && <p>No layout has been applied yet.</p>}
      {history.versions.length > 0 && (
        <table class="cards">
          <TableHead
            caption="Layout versions in use"
            columns={["Version", "Status", "Storage nodes", "Gateways"]}
          />
          <tbody>
            {[...history.versions].reverse().map((v) => (
              <tr key={v.version}>
                <td data-label="Version">{v.version}</td>
                <td data-label="Status">
                  {v.status === "current"
                    ? <span class="badge good">current</span>
                    : <span class="badge warn">draining: data still moving off it</span>}
                  {v.version === history.readVersion && <span class="badge">reads</span>}
                </td>
                <td data-label="Storage nodes">{v.storageNodes}</td>
                <td data-label="Gateways">{v.gatewayNodes}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p class="hint">
        {behind.length === 0
          ? `Every node has synced version ${history.currentVersion}; older versions are dropped.`
          : `Still syncing to version ${history.currentVersion}: ${
            behind.map(([id, v]) => `${name(id)} (at ${v})`).join(", ")
          }.`}
      </p>
    </div>
  );
}
