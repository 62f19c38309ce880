/**
 * A presigned link to one object: signed with a key that can read the bucket, valid for a
 * chosen time, for someone without a key of their own.
 */
import { useState } from "preact/hooks";
import type { GetBucketInfoResponse, PresignBucketObjectResponse } from "../../shared/admin.ts";
import { api } from "./api.ts";
import { date } from "./format.ts";
import { CopyField, ErrorNote } from "./ui.tsx";
import { SelectField } from "./fields.tsx";

const LIFETIMES: [string, number][] = [
  ["1 hour", 3600],
  ["1 day", 86400],
  ["7 days", 7 * 86400],
];

export function ObjectLink(
  { bucket, objectKey }: { bucket: GetBucketInfoResponse; objectKey: string },
) {
  const readers = bucket.keys.filter((k) => k.permissions.read);
  const [keyId, setKeyId] = useState(readers[0]?.accessKeyId ?? "");
  const [secs, setSecs] = useState(3600);
  const [link, setLink] = useState<PresignBucketObjectResponse | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (!readers.length) {
    return (
      <p class="note warn">
        A link is signed with a key that can read this bucket, and none can: allow a key to read it
        on the <a href={`#/buckets/${encodeURIComponent(bucket.id)}`}>bucket's page</a>.
      </p>
    );
  }
  const create = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setLink(
        await api.presignObject({
          bucketId: bucket.id,
          key: objectKey,
          accessKeyId: keyId,
          expiresInSecs: secs,
        }),
      );
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="inline-form link-form" onSubmit={create} aria-label={`Link to ${objectKey}`}>
      <div class="row">
        <SelectField id="link-key" label="Signed with key" value={keyId} onValue={setKeyId}>
          {readers.map((k) => (
            <option key={k.accessKeyId} value={k.accessKeyId}>
              {k.name || k.accessKeyId}
            </option>
          ))}
        </SelectField>
        <SelectField
          id="link-life"
          label="Valid for"
          value={String(secs)}
          onValue={(v) => setSecs(Number(v))}
        >
          {LIFETIMES.map(([label, s]) => <option key={s} value={String(s)}>{label}</option>)}
        </SelectField>
        <button type="submit" disabled={busy}>{busy ? "Signing…" : "Create link"}</button>
      </div>
      <ErrorNote action="Creating the link" error={error} />
      {link && (
        <>
          <CopyField id="object-link" label="Presigned link" value={link.url} />
          <p class="hint">
            Anyone with this link can download the object until {date(link.expiresAt)}.
          </p>
        </>
      )}
    </form>
  );
}
