/**
 * One bucket: its aliases and usage (GetBucketInfo), the keys' read / write / owner matrix
 * (AllowBucketKey, DenyBucketKey), and deleting it (refused by the API while it holds objects).
 */
import { useState } from "preact/hooks";
import type {
  ApiBucketKeyPerm,
  GetBucketInfoKey,
  GetBucketInfoResponse,
  ListKeysResponse,
} from "../../shared/admin.ts";
import { api } from "./api.ts";
import {
  BucketAliases,
  BucketQuotas,
  BucketVersioning,
  BucketWebsite,
} from "./bucket_settings.tsx";
import { bucketName } from "./buckets.tsx";
import { BucketDocuments } from "./bucket_documents.tsx";
import { PublicBadge } from "./public_badge.tsx";
import { bytes, count, date, plural } from "./format.ts";
import { href, navigate } from "./router.ts";
import { can, noticeFor } from "./state.ts";
import {
  Allowed,
  ConfirmButton,
  CopyField,
  ErrorNote,
  Loading,
  PageTitle,
  type Resource,
  useResource,
} from "./ui.tsx";

type Perm = keyof ApiBucketKeyPerm;
const PERMS: Perm[] = ["read", "write", "owner"];
const PERM_HELP: Record<Perm, string> = {
  read: "list and download objects",
  write: "upload and delete objects",
  owner: "change the bucket's website, CORS and lifecycle settings",
};

const permOnly = (p: Perm): ApiBucketKeyPerm => ({
  read: p === "read",
  write: p === "write",
  owner: p === "owner",
});

function PermissionMatrix(
  { info, onChange }: {
    info: GetBucketInfoResponse;
    onChange: (b: GetBucketInfoResponse) => void;
  },
) {
  // The cell being changed and the value asked for, shown until the API answers.
  const [busy, setBusy] = useState<{ cell: string; on: boolean } | null>(null);
  const [error, setError] = useState<{ action: string; error: unknown } | null>(null);
  const set = async (k: GetBucketInfoKey, p: Perm, on: boolean) => {
    const action = `${on ? "Allowing" : "Denying"} ${p} for key “${k.name}”`;
    setBusy({ cell: `${k.accessKeyId}/${p}`, on });
    setError(null);
    try {
      const req = { bucketId: info.id, accessKeyId: k.accessKeyId, permissions: permOnly(p) };
      onChange(on ? await api.allowBucketKey(req) : await api.denyBucketKey(req));
    } catch (e) {
      setError({ action, error: e });
    } finally {
      setBusy(null);
    }
  };
  if (info.keys.length === 0) {
    return <p class="empty">No key has access to this bucket yet.</p>;
  }
  return (
    <>
      <table class="matrix">
        <caption class="offscreen">Permissions of each key on this bucket</caption>
        <thead>
          <tr>
            <th scope="col">Key</th>
            {PERMS.map((p) => <th scope="col" key={p} title={PERM_HELP[p]}>{p}</th>)}
          </tr>
        </thead>
        <tbody>
          {info.keys.map((k) => (
            <tr key={k.accessKeyId}>
              <th scope="row">
                <a href={href({ screen: "key", id: k.accessKeyId })}>{k.name || "(no name)"}</a>
                <code class="block">{k.accessKeyId}</code>
              </th>
              {PERMS.map((p) => (
                <td key={p}>
                  <input
                    type="checkbox"
                    checked={busy?.cell === `${k.accessKeyId}/${p}` ? busy.on : k.permissions[p]}
                    disabled={busy !== null}
                    aria-label={`${p} for key ${k.name || k.accessKeyId}`}
                    onChange={(e) => set(k, p, e.currentTarget.checked)}
                  />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <p class="hint">
        Read lets the key list and download objects; write, upload and delete them; owner, change
        the bucket's website, CORS and lifecycle settings. A change applies at once.
      </p>
      {error && <ErrorNote action={error.action} error={error.error} />}
    </>
  );
}

function GrantForm(
  { info, keys, onChange }: {
    info: GetBucketInfoResponse;
    keys: Resource<ListKeysResponse>;
    onChange: (b: GetBucketInfoResponse) => void;
  },
) {
  const [keyId, setKeyId] = useState("");
  const [perms, setPerms] = useState<ApiBucketKeyPerm>({ read: true, write: true, owner: false });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const withAccess = new Set(
    info.keys.filter((k) => PERMS.some((p) => k.permissions[p])).map((k) => k.accessKeyId),
  );
  const candidates = (keys.data ?? []).filter((k) => !withAccess.has(k.id));
  const chosen = candidates.some((k) => k.id === keyId) ? keyId : candidates[0]?.id ?? "";

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    if (!chosen) return;
    if (!PERMS.some((p) => perms[p])) {
      setError(new Error("Choose at least one permission."));
      return;
    }
    setBusy(true);
    try {
      onChange(
        await api.allowBucketKey({ bucketId: info.id, accessKeyId: chosen, permissions: perms }),
      );
      setKeyId("");
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (keys.error) return <ErrorNote action="Listing the keys" error={keys.error} />;
  if (!keys.data) return <Loading what="the keys" />;
  if (candidates.length === 0) {
    return (
      <p class="hint">
        {keys.data.length === 0 ? "There are no access keys yet" : "Every key already has access"}:
        {" "}
        <a href={href({ screen: "keys" })}>create a key</a> to give it access here.
      </p>
    );
  }
  return (
    <form class="card inline-form" onSubmit={submit} aria-labelledby="grant-title">
      <h3 id="grant-title">Give a key access</h3>
      <div class="row">
        <div class="field grow">
          <label for="grant-key">Key</label>
          <select id="grant-key" value={chosen} onChange={(e) => setKeyId(e.currentTarget.value)}>
            {candidates.map((k) => (
              <option key={k.id} value={k.id}>{k.name || "(no name)"} — {k.id}</option>
            ))}
          </select>
        </div>
        <fieldset class="perms">
          <legend>Permissions</legend>
          {PERMS.map((p) => (
            <label class="check" key={p} title={PERM_HELP[p]}>
              <input
                type="checkbox"
                checked={perms[p]}
                onChange={(e) => setPerms({ ...perms, [p]: e.currentTarget.checked })}
              />{" "}
              {p}
            </label>
          ))}
        </fieldset>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Allowing…" : "Allow"}
        </button>
      </div>
      <ErrorNote action="Giving the key access" error={error} />
    </form>
  );
}

export function BucketView({ id }: { id: string }) {
  const bucket = useResource(() => api.bucketInfo(id));
  const keys = useResource(() => can("ListKeys") ? api.listKeys() : Promise.resolve([]));
  const [deleteError, setDeleteError] = useState<unknown>(null);
  const b = bucket.data;
  const name = b ? bucketName(b) : id;

  const remove = async () => {
    setDeleteError(null);
    try {
      await api.deleteBucket(id);
      noticeFor({ screen: "buckets" }, `Bucket “${name}” deleted.`);
      navigate({ screen: "buckets" });
    } catch (e) {
      setDeleteError(e);
    }
  };

  return (
    <section aria-labelledby="page-title">
      <p class="crumbs">
        <a href={href({ screen: "buckets" })}>Buckets</a> /
      </p>
      <PageTitle title={b ? `Bucket ${name}` : "Bucket"}>
        {b
          ? (
            <>
              Bucket “{name}”{b.access.isPublic && (
                <>
                  <PublicBadge bucketId={b.id} />
                </>
              )}
            </>
          )
          : (
            <>
              Bucket <code>{id.slice(0, 16)}</code>
            </>
          )}
      </PageTitle>
      <ErrorNote action="Reading the bucket" error={bucket.error} />
      {!b && !bucket.error && <Loading what="the bucket" />}
      {b && (
        <>
          <dl class="stats">
            <div>
              <dt>Objects</dt>
              <dd>{count(b.objects)}</dd>
            </div>
            <div>
              <dt>Size</dt>
              <dd>{bytes(b.bytes)}</dd>
            </div>
            <div>
              <dt>Unfinished uploads</dt>
              <dd>
                {count(b.unfinishedMultipartUploads)}
                {b.unfinishedMultipartUploadBytes > 0 && (
                  <span class="muted small">({bytes(b.unfinishedMultipartUploadBytes)})</span>
                )}
              </dd>
            </div>
            <div>
              <dt>Quotas</dt>
              <dd>
                {b.quotas.maxSize === null && b.quotas.maxObjects === null ? "none" : [
                  b.quotas.maxSize !== null && `${bytes(b.quotas.maxSize)}`,
                  b.quotas.maxObjects !== null && plural(b.quotas.maxObjects, "object"),
                ].filter(Boolean).join(", ")}
              </dd>
            </div>
          </dl>
          <div class="card">
            <dl class="facts">
              <div>
                <dt>Global aliases</dt>
                <dd>{b.globalAliases.length ? b.globalAliases.join(", ") : "none"}</dd>
              </div>
              <div>
                <dt>Created</dt>
                <dd>{date(b.created)}</dd>
              </div>
              <div>
                <dt>Website access</dt>
                <dd>
                  {b.websiteAccess
                    ? `on (index ${b.websiteConfig?.indexDocument ?? "—"}${
                      b.websiteConfig?.errorDocument
                        ? `, error ${b.websiteConfig.errorDocument}`
                        : ""
                    })`
                    : "off"}
                </dd>
              </div>
            </dl>
            <CopyField id="bucket-id" label="Bucket ID" value={b.id} />
          </div>

          <p>
            <a class="button" href={href({ screen: "objects", id: b.id, prefix: "" })}>
              Browse objects
            </a>
          </p>

          <Allowed to={["AddBucketAlias", "RemoveBucketAlias"]}>
            <h2>Aliases</h2>
            <BucketAliases b={b} onChange={bucket.set} />
          </Allowed>

          <Allowed to="UpdateBucket">
            <h2>Quotas</h2>
            <BucketQuotas
              key={`q${b.quotas.maxSize}/${b.quotas.maxObjects}`}
              b={b}
              onChange={bucket.set}
            />

            <h2>Versions and object lock</h2>
            <BucketVersioning
              key={`v${b.versioning}/${JSON.stringify(b.objectLock)}`}
              b={b}
              onChange={bucket.set}
            />
          </Allowed>

          <h2>Public access</h2>
          <div class="card">
            <p>
              {b.access.isPublic
                ? "Anyone, without a key, can use this bucket (its policy or ACL says so)."
                : `Only keys given access can use this bucket${
                  b.access.policy ? "; it has a policy" : ""
                }.`}{" "}
              <a href={href({ screen: "access", id: b.id })}>
                Policy, public access block and ACL
              </a>
            </p>
          </div>

          <Allowed to="UpdateBucket">
            <h2>Website</h2>
            <BucketWebsite b={b} onChange={bucket.set} />
          </Allowed>

          <Allowed to={["GetBucketDocuments", "UpdateBucket"]}>
            <h2>CORS, lifecycle and routing rules</h2>
            <BucketDocuments b={b} onChange={bucket.set} />
          </Allowed>

          <Allowed to={["AllowBucketKey", "DenyBucketKey"]}>
            <h2>Keys and permissions</h2>
            <PermissionMatrix info={b} onChange={bucket.set} />
            <Allowed to="ListKeys">
              <GrantForm info={b} keys={keys} onChange={bucket.set} />
            </Allowed>
          </Allowed>

          <Allowed to="DeleteBucket">
            <h2>Delete</h2>
            <div class="card danger-zone">
              <p>
                A bucket can be deleted only when it is empty: no objects, no unfinished uploads
                and, on a versioned bucket, no old versions or delete markers.
              </p>
              <ConfirmButton
                label="Delete bucket"
                question={`Delete the bucket “${name}”? This cannot be undone.`}
                confirmLabel="Yes, delete the bucket"
                onConfirm={remove}
              />
              <ErrorNote action="Deleting the bucket" error={deleteError} />
            </div>
          </Allowed>
        </>
      )}
    </section>
  );
}
