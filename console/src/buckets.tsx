/** The buckets screen: the list, and a form that creates a bucket under a global alias. */
import { useState } from "preact/hooks";
import type { ListBucketsResponse, ListBucketsResponseItem } from "../../shared/admin.ts";
import { api } from "./api.ts";
import { date, shortId } from "./format.ts";
import { href, navigate } from "./router.ts";
import { noticeFor } from "./state.ts";
import { PublicBadge } from "./public_badge.tsx";
import { Allowed, ErrorNote, Loading, PageTitle, useResource } from "./ui.tsx";
import { TableHead } from "./table_head.tsx";

export function bucketName(b: { id: string; globalAliases: string[] }): string {
  return b.globalAliases[0] ?? shortId(b.id);
}

function CreateBucketForm() {
  const [alias, setAlias] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    const name = alias.trim();
    if (!name) {
      setError(new Error("Enter a name for the bucket (its global alias)."));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const b = await api.createBucket({ globalAlias: name });
      noticeFor(
        { screen: "bucket", id: b.id },
        `Bucket “${name}” created. Give a key access to it below.`,
      );
      navigate({ screen: "bucket", id: b.id });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <form class="card inline-form" onSubmit={submit} aria-labelledby="create-bucket-title">
      <h2 id="create-bucket-title">Create a bucket</h2>
      <div class="row">
        <div class="field grow">
          <label for="bucket-alias">Bucket name (global alias)</label>
          <input
            id="bucket-alias"
            value={alias}
            placeholder="e.g. backups"
            autoComplete="off"
            autoCapitalize="none"
            spellcheck={false}
            aria-describedby="bucket-alias-help"
            onInput={(e) => setAlias(e.currentTarget.value)}
          />
        </div>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Creating…" : "Create bucket"}
        </button>
      </div>
      <p id="bucket-alias-help" class="hint">
        3 to 63 lowercase letters, digits, dots and hyphens, as S3 bucket names.
      </p>
      <ErrorNote action="Creating the bucket" error={error} />
    </form>
  );
}

function Aliases({ b }: { b: ListBucketsResponseItem }) {
  if (b.localAliases.length === 0) return <>—</>;
  return (
    <>
      {b.localAliases.map((l, i) => (
        <span key={`${l.accessKeyId}/${l.alias}`}>
          {i > 0 && ", "}
          {l.alias} <span class="muted">(key {shortId(l.accessKeyId, 10)})</span>
        </span>
      ))}
    </>
  );
}

function BucketTable({ buckets }: { buckets: ListBucketsResponse }) {
  if (buckets.length === 0) {
    return <p class="empty">No buckets yet. Create one above.</p>;
  }
  return (
    <table class="cards">
      <TableHead caption="Buckets" columns={["Name", "Other aliases", "Bucket ID", "Created"]} />
      <tbody>
        {buckets.map((b) => (
          <tr key={b.id}>
            <td data-label="Name">
              <a href={href({ screen: "bucket", id: b.id })}>{bucketName(b)}</a>
              {b.isPublic && (
                <>
                  <PublicBadge bucketId={b.id} />
                </>
              )}
              {b.globalAliases.length > 1 && (
                <span class="muted">, {b.globalAliases.slice(1).join(", ")}</span>
              )}
            </td>
            <td data-label="Other aliases">
              <Aliases b={b} />
            </td>
            <td data-label="Bucket ID">
              <code title={b.id}>{shortId(b.id)}</code>
            </td>
            <td data-label="Created">{date(b.created)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function BucketsView() {
  const buckets = useResource(api.listBuckets);
  return (
    <section aria-labelledby="page-title">
      <PageTitle title="Buckets">Buckets</PageTitle>
      <Allowed to="CreateBucket">
        <CreateBucketForm />
      </Allowed>
      <h2>All buckets</h2>
      <ErrorNote action="Listing the buckets" error={buckets.error} />
      {buckets.data
        ? <BucketTable buckets={buckets.data} />
        : !buckets.error && <Loading what="the buckets" />}
    </section>
  );
}
