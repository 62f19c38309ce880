/** The access keys screen: the list, and a form that creates a key and shows its secret once. */
import { useRef, useState } from "preact/hooks";
import type { GetKeyInfoResponse, ListKeysResponse } from "../../shared/admin.ts";
import { api } from "./api.ts";
import { ImportKeyForm } from "./key_import.tsx";
import { KeySnippets } from "./key_snippets.tsx";
import { date, endOfDay } from "./format.ts";
import { href, navigate } from "./router.ts";
import { can, noticeFor } from "./state.ts";
import { Allowed, CopyField, ErrorNote, Loading, PageTitle, useResource } from "./ui.tsx";
import { TableHead } from "./table_head.tsx";

/** The answer of CreateKey, the only time the secret is shown. */
function NewKey({ k, onDone }: { k: GetKeyInfoResponse; onDone: () => void }) {
  return (
    <div class="card secret" role="region" aria-labelledby="new-key-title">
      <h2 id="new-key-title">Key “{k.name}” created</h2>
      <p>
        <strong>Copy the secret now: it is shown only this once.</strong>{" "}
        Give both values to the S3 client (access key id and secret access key).
      </p>
      <CopyField id="new-key-id" label="Access key ID" value={k.accessKeyId} />
      <CopyField id="new-key-secret" label="Secret access key" value={k.secretAccessKey ?? ""} />
      <Allowed to="GetNodeInfo">
        <h3>Use it</h3>
        <KeySnippets keyId={k.accessKeyId} secret={k.secretAccessKey ?? undefined} />
      </Allowed>
      <p class="small">
        {k.permissions.createBucket
          ? "This key may create buckets."
          : "This key may not create buckets."} Give it access to buckets from a bucket's page, or
        {" "}
        <a href={href({ screen: "key", id: k.accessKeyId })}>open the key</a>.
      </p>
      <button type="button" class="primary" onClick={onDone}>I have copied the secret</button>
    </div>
  );
}

function CreateKeyForm({ onCreated }: { onCreated: (k: GetKeyInfoResponse) => void }) {
  const [name, setName] = useState("");
  const [createBucket, setCreateBucket] = useState(false);
  const [until, setUntil] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const k = await api.createKey({
        name: name.trim() || null,
        ...(createBucket ? { allow: { createBucket: true } } : {}),
        ...(until ? { expiration: endOfDay(until) } : {}),
      });
      setName("");
      setCreateBucket(false);
      setUntil("");
      onCreated(k);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card inline-form" onSubmit={submit} aria-labelledby="create-key-title">
      <h2 id="create-key-title">Create a key</h2>
      <div class="row">
        <div class="field grow">
          <label for="key-name">Key name</label>
          <input
            id="key-name"
            value={name}
            placeholder="e.g. backup-server"
            autoComplete="off"
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="key-until">Valid until (UTC, optional)</label>
          <input
            id="key-until"
            type="date"
            value={until}
            onInput={(e) => setUntil(e.currentTarget.value)}
          />
        </div>
        <label class="check">
          <input
            type="checkbox"
            checked={createBucket}
            onChange={(e) => setCreateBucket(e.currentTarget.checked)}
          />{" "}
          Allow creating buckets
        </label>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Creating…" : "Create key"}
        </button>
      </div>
      <ErrorNote action="Creating the key" error={error} />
    </form>
  );
}

function KeyTable({ keys }: { keys: ListKeysResponse }) {
  if (keys.length === 0) {
    return <p class="empty">No access keys yet. Create one above to use the S3 API.</p>;
  }
  return (
    <table class="cards">
      <TableHead caption="Access keys" columns={["Name", "Access key ID", "Created", "Expires"]} />
      <tbody>
        {keys.map((k) => (
          <tr key={k.id}>
            <td data-label="Name">
              <a href={href({ screen: "key", id: k.id })}>{k.name || "(no name)"}</a>
            </td>
            <td data-label="Access key ID">
              <code>{k.id}</code>
            </td>
            <td data-label="Created">{date(k.created)}</td>
            <td data-label="Expires">
              {k.expired
                ? <span class="badge bad">expired {date(k.expiration)}</span>
                : k.expiration
                ? date(k.expiration)
                : "never"}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function KeysView() {
  const keys = useResource(api.listKeys);
  const [created, setCreated] = useState<GetKeyInfoResponse | null>(null);
  const listTitle = useRef<HTMLHeadingElement>(null);
  return (
    <section aria-labelledby="page-title">
      <PageTitle title="Access keys">Access keys</PageTitle>
      {created
        ? (
          <NewKey
            k={created}
            onDone={() => {
              setCreated(null);
              listTitle.current?.focus();
            }}
          />
        )
        : can("CreateKey") && (
          <CreateKeyForm
            onCreated={(k) => {
              setCreated(k);
              keys.reload();
              requestAnimationFrame(() => document.getElementById("new-key-secret")?.focus());
            }}
          />
        )}
      <Allowed to="ImportKey">
        <ImportKeyForm
          onImported={(k) => {
            noticeFor({ screen: "key", id: k.accessKeyId }, `Key “${k.name}” imported.`);
            navigate({ screen: "key", id: k.accessKeyId });
          }}
        />
      </Allowed>
      <h2 tabIndex={-1} ref={listTitle}>All keys</h2>
      <ErrorNote action="Listing the keys" error={keys.error} />
      {keys.data ? <KeyTable keys={keys.data} /> : !keys.error && <Loading what="the keys" />}
    </section>
  );
}
