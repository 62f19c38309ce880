/**
 * One object in detail (GetBucketObjectInfo): what was stored with it, its checksum, lock, tags
 * and ACL, and whether anyone can download it without a key, with the URL to hand out if so.
 */
import type { BucketObjectInfo } from "../../shared/admin.ts";
import { api } from "./api.ts";
import { bytes, date } from "./format.ts";
import { CopyField, ErrorNote, Loading, useResource } from "./ui.tsx";

function Pairs({ pairs, empty }: { pairs: [string, string][]; empty: string }) {
  if (pairs.length === 0) return <span class="muted">{empty}</span>;
  return (
    <>
      {pairs.map(([k, v]) => (
        <code key={k} class="block">
          {k}: {v}
        </code>
      ))}
    </>
  );
}

function whoReads(o: BucketObjectInfo): string {
  switch (o.publicRead) {
    case "policy":
      return "anyone, without a key: the bucket's policy allows it";
    case "objectAcl":
      return `anyone, without a key: its own ACL is ${o.acl}`;
    default:
      return "only keys allowed to read the bucket";
  }
}

export function ObjectDetails({ bucketId, objectKey }: { bucketId: string; objectKey: string }) {
  const info = useResource(() => api.objectInfo(bucketId, objectKey));
  const o = info.data;
  return (
    <div class="object-details">
      <ErrorNote action="Reading the object's details" error={info.error} />
      {!o && !info.error && <Loading what="the object's details" />}
      {o && (
        <>
          <dl class="facts" aria-label={`Details of ${objectKey}`}>
            <div>
              <dt>Type</dt>
              <dd>{o.contentType ?? <span class="muted">none given</span>}</dd>
            </div>
            <div>
              <dt>Size</dt>
              <dd>
                {bytes(o.size)}
                {o.parts !== null && <span class="muted small">({o.parts} parts)</span>}
              </dd>
            </div>
            <div>
              <dt>Modified</dt>
              <dd>{date(o.lastModified)}</dd>
            </div>
            <div>
              <dt>ETag</dt>
              <dd class="mono">{o.etag}</dd>
            </div>
            <div>
              <dt>Version</dt>
              <dd class="mono">{o.versionId}</dd>
            </div>
            <div>
              <dt>Checksum</dt>
              <dd class="mono">
                {o.checksum
                  ? `${o.checksum.algorithm} ${o.checksum.value}`
                  : <span class="muted">none stored</span>}
              </dd>
            </div>
            {o.encrypted && (
              <div>
                <dt>Encryption</dt>
                <dd>with the uploader's own key (SSE-C): downloads need that key</dd>
              </div>
            )}
            <div>
              <dt>Metadata</dt>
              <dd>
                <Pairs pairs={Object.entries(o.metadata)} empty="none" />
              </dd>
            </div>
            <div>
              <dt>Headers</dt>
              <dd>
                <Pairs pairs={Object.entries(o.headers)} empty="none" />
              </dd>
            </div>
            <div>
              <dt>Tags</dt>
              <dd>
                <Pairs pairs={o.tags.map((t) => [t.key, t.value])} empty="none" />
              </dd>
            </div>
            <div>
              <dt>Lock</dt>
              <dd>
                {o.retention
                  ? `${o.retention.mode} until ${date(o.retention.retainUntil)}`
                  : "no retention"}
                {o.legalHold && ", legal hold"}
              </dd>
            </div>
            <div>
              <dt>ACL</dt>
              <dd>
                <code>{o.acl}</code>
              </dd>
            </div>
            <div>
              <dt>Who can download it</dt>
              <dd>
                {o.publicRead && <span class="badge warn">public</span>}
                {whoReads(o)}
              </dd>
            </div>
          </dl>
          {o.publicUrl && (
            <CopyField
              id={`public-url-${objectKey.replace(/[^\w-]/g, "_")}`}
              label="Public URL"
              value={o.publicUrl}
            />
          )}
        </>
      )}
    </div>
  );
}
