/** One access key: its details, whether it may create buckets, its buckets, deleting it. */
import { useState } from "preact/hooks";
import type { GetKeyInfoResponse } from "../../shared/admin.ts";
import { api } from "./api.ts";
import { KeyBuckets } from "./key_buckets.tsx";
import { KeySnippets } from "./key_snippets.tsx";
import { RenameKey } from "./key_rename.tsx";
import { date, endOfDay } from "./format.ts";
import { href, navigate } from "./router.ts";
import { noticeFor } from "./state.ts";
import {
  Allowed,
  ConfirmButton,
  CopyField,
  ErrorNote,
  Loading,
  PageTitle,
  useAction,
  useResource,
} from "./ui.tsx";

function CreateBucketPermission(
  { k, onChange }: { k: GetKeyInfoResponse; onChange: (k: GetKeyInfoResponse) => void },
) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const toggle = async (allowed: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const next = await api.updateKey(
        k.accessKeyId,
        allowed ? { allow: { createBucket: true } } : { deny: { createBucket: true } },
      );
      onChange(next);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="field">
      <label class="check">
        <input
          type="checkbox"
          checked={k.permissions.createBucket}
          disabled={busy}
          onChange={(e) => toggle(e.currentTarget.checked)}
        />{" "}
        May create buckets (S3 CreateBucket)
      </label>
      <ErrorNote action="Changing the key's permission" error={error} />
    </div>
  );
}

/** When the key stops working: a day (UTC, included), or never. */
function KeyExpiry(
  { k, onChange }: { k: GetKeyInfoResponse; onChange: (k: GetKeyInfoResponse) => void },
) {
  const [until, setUntil] = useState(k.expiration ? k.expiration.slice(0, 10) : "");
  const action = useAction();
  const save = (body: object) =>
    action.run(async () => onChange(await api.updateKey(k.accessKeyId, body)));
  return (
    <form
      class="inline-form"
      aria-label="Expiry"
      onSubmit={(e) => {
        e.preventDefault();
        if (until) save({ expiration: endOfDay(until) });
      }}
    >
      <div class="row">
        <div class="field">
          <label for="key-expiry">Valid until (UTC)</label>
          <input
            id="key-expiry"
            type="date"
            value={until}
            onInput={(e) => setUntil(e.currentTarget.value)}
          />
        </div>
        <button type="submit" disabled={action.busy || !until}>Set expiry</button>
        {k.expiration && (
          <button
            type="button"
            disabled={action.busy}
            onClick={() => save({ neverExpires: true })}
          >
            Never expire
          </button>
        )}
      </div>
      <p class="hint">
        Past that day, every request the key signs is refused (403), until the date is moved.
      </p>
      <ErrorNote action="Changing the expiry" error={action.error} />
    </form>
  );
}

export function KeyView({ id }: { id: string }) {
  const key = useResource(() => api.keyInfo(id));
  const [deleteError, setDeleteError] = useState<unknown>(null);
  const k = key.data;
  const remove = async () => {
    setDeleteError(null);
    try {
      await api.deleteKey(id);
      noticeFor({ screen: "keys" }, `Key “${k?.name ?? id}” deleted.`);
      navigate({ screen: "keys" });
    } catch (e) {
      setDeleteError(e);
    }
  };
  return (
    <section aria-labelledby="page-title">
      <p class="crumbs">
        <a href={href({ screen: "keys" })}>Access keys</a> /
      </p>
      <PageTitle title={k ? `Key ${k.name}` : "Key"}>
        {k ? <>Key “{k.name}”</> : (
          <>
            Key <code>{id}</code>
          </>
        )}
      </PageTitle>
      <ErrorNote action="Reading the key" error={key.error} />
      {!k && !key.error && <Loading what="the key" />}
      {k && (
        <>
          <div class="card">
            <CopyField id="key-id" label="Access key ID" value={k.accessKeyId} />
            <dl class="facts">
              <div>
                <dt>Created</dt>
                <dd>{date(k.created)}</dd>
              </div>
              <div>
                <dt>Expires</dt>
                <dd>
                  {k.expiration ? date(k.expiration) : "never"}
                  {k.expired && <span class="badge bad">expired</span>}
                </dd>
              </div>
            </dl>
            <p class="hint">
              The secret access key was shown once, when the key was created.
            </p>
            <Allowed to="UpdateKey">
              <RenameKey k={k} onChange={key.set} />
              <CreateBucketPermission k={k} onChange={key.set} />
              <KeyExpiry key={k.expiration ?? "never"} k={k} onChange={key.set} />
            </Allowed>
          </div>

          <Allowed to="GetNodeInfo">
            <h2>Use this key</h2>
            <div class="card">
              <KeySnippets keyId={k.accessKeyId} />
            </div>
          </Allowed>

          <h2>Buckets this key can use</h2>
          <KeyBuckets k={k} reload={key.reload} />

          <Allowed to="DeleteKey">
            <h2>Delete</h2>
            <div class="card danger-zone">
              <p>
                Deleting the key stops every client using it at once. Its buckets and their objects
                stay.
              </p>
              <ConfirmButton
                label="Delete key"
                question={`Delete the key “${k.name}” (${k.accessKeyId})? This cannot be undone.`}
                confirmLabel="Yes, delete the key"
                onConfirm={remove}
              />
              <ErrorNote action="Deleting the key" error={deleteError} />
            </div>
          </Allowed>
        </>
      )}
    </section>
  );
}
