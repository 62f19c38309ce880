/**
 * One object's history on a versioned bucket: every version and delete marker, newest first,
 * with its size, date, id, lock and tags; an old version can be downloaded or restored (copied
 * back as the latest).
 */
import { useState } from "preact/hooks";
import type { BucketObjectVersion } from "../../shared/admin.ts";
import { api } from "./api.ts";
import { bytes, date } from "./format.ts";
import { downloadObject } from "./transfer.ts";
import { ErrorNote, Loading, useAction, useResource } from "./ui.tsx";
import { TableHead } from "./table_head.tsx";

function Lock({ v }: { v: BucketObjectVersion }) {
  if (!v.retention && !v.legalHold) return <span class="muted">—</span>;
  return (
    <>
      {v.retention && (
        <span class="badge" title={`retained until ${v.retention.retainUntil}`}>
          {v.retention.mode} until {date(v.retention.retainUntil)}
        </span>
      )} {v.legalHold && <span class="badge">legal hold</span>}
    </>
  );
}

export function ObjectVersions(
  { bucketId, objectKey, onRestored }: {
    bucketId: string;
    objectKey: string;
    onRestored: () => void;
  },
) {
  const versions = useResource(() => api.objectVersions(bucketId, objectKey));
  const action = useAction();
  const [done, setDone] = useState<string | null>(null);
  const restore = (v: BucketObjectVersion) =>
    action.run(async () => {
      const r = await api.restoreVersion({ bucketId, key: objectKey, versionId: v.versionId });
      setDone(`Version ${v.versionId} restored as the latest (${r.versionId}).`);
      versions.reload();
      onRestored();
    });
  const list = versions.data?.versions;
  return (
    <div class="versions">
      <ErrorNote action="Reading the versions" error={versions.error} />
      {!list && !versions.error && <Loading what="the versions" />}
      {list && (
        <table class="cards">
          <TableHead
            caption={`Versions of ${objectKey}`}
            columns={["Version", "Modified", "Size", "Lock", "Tags", { offscreen: "Actions" }]}
          />
          <tbody>
            {list.map((v) => (
              <tr key={v.versionId}>
                <td data-label="Version" class="mono">
                  {v.versionId}
                  {v.isLatest && <span class="badge">latest</span>}
                  {v.deleteMarker && <span class="badge">delete marker</span>}
                </td>
                <td data-label="Modified">{date(v.lastModified)}</td>
                <td data-label="Size">{v.deleteMarker ? "—" : bytes(v.size)}</td>
                <td data-label="Lock">
                  <Lock v={v} />
                </td>
                <td data-label="Tags">
                  {v.tags.length
                    ? v.tags.map((t) => <code key={t.key}>{t.key}={t.value}</code>)
                    : <span class="muted">—</span>}
                </td>
                <td data-label="Actions" class="row-actions">
                  {!v.deleteMarker && (
                    <button
                      type="button"
                      class="small"
                      onClick={() =>
                        action.run(() => downloadObject(bucketId, objectKey, v.versionId))}
                    >
                      Download<span class="offscreen">version {v.versionId}</span>
                    </button>
                  )}
                  {!v.deleteMarker && !v.isLatest && (
                    <button
                      type="button"
                      class="small"
                      disabled={action.busy}
                      onClick={() => restore(v)}
                    >
                      Restore<span class="offscreen">version {v.versionId}</span>
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {done && <p class="note" role="status">{done}</p>}
      <ErrorNote action="Changing the versions" error={action.error} />
    </div>
  );
}
