/**
 * What a key may do on each bucket, edited from the key's side: a checkbox per right, and a
 * form to allow it on another bucket.
 */
import { useState } from "preact/hooks";
import type { ApiBucketKeyPerm, GetKeyInfoResponse } from "../../shared/admin.ts";
import { api } from "./api.ts";
import { bucketName } from "./buckets.tsx";
import { shortId } from "./format.ts";
import { href } from "./router.ts";
import { ErrorNote, Loading, useAction, useResource } from "./ui.tsx";
import { SelectField } from "./fields.tsx";

const RIGHTS: (keyof ApiBucketKeyPerm)[] = ["read", "write", "owner"];

export function KeyBuckets({ k, reload }: { k: GetKeyInfoResponse; reload: () => Promise<void> }) {
  const action = useAction();
  // The box shows the asked state at once; the key's answer replaces it when it comes.
  const [asked, setAsked] = useState<Record<string, boolean>>({});
  const toggle = async (bucketId: string, right: keyof ApiBucketKeyPerm, on: boolean) => {
    setAsked({ ...asked, [`${bucketId}/${right}`]: on });
    await action.run(async () => {
      const req = {
        bucketId,
        accessKeyId: k.accessKeyId,
        permissions: { read: false, write: false, owner: false, [right]: true },
      };
      await (on ? api.allowBucketKey(req) : api.denyBucketKey(req));
      await reload();
    });
    setAsked({});
  };
  return (
    <>
      {k.buckets.length === 0
        ? <p class="empty">None yet: allow the key on a bucket below.</p>
        : (
          <table class="cards matrix">
            <caption class="offscreen">Rights of this key on each bucket</caption>
            <thead>
              <tr>
                <th scope="col">Bucket</th>
                {RIGHTS.map((r) => <th scope="col" key={r}>{r}</th>)}
              </tr>
            </thead>
            <tbody>
              {k.buckets.map((b) => {
                const label = b.globalAliases[0] ?? b.localAliases[0] ?? shortId(b.id);
                return (
                  <tr key={b.id}>
                    <td data-label="Bucket">
                      <a href={href({ screen: "bucket", id: b.id })}>{label}</a>
                    </td>
                    {RIGHTS.map((r) => (
                      <td data-label={r} key={r}>
                        <input
                          type="checkbox"
                          checked={asked[`${b.id}/${r}`] ?? b.permissions[r]}
                          disabled={action.busy}
                          aria-label={`${r} on bucket ${label}`}
                          onChange={(e) => toggle(b.id, r, e.currentTarget.checked)}
                        />
                      </td>
                    ))}
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      <ErrorNote action="Changing the key's rights" error={action.error} />
      <AllowOnBucket k={k} reload={reload} />
    </>
  );
}

function AllowOnBucket({ k, reload }: { k: GetKeyInfoResponse; reload: () => Promise<void> }) {
  const buckets = useResource(api.listBuckets);
  const [bucketId, setBucketId] = useState("");
  const [perms, setPerms] = useState<ApiBucketKeyPerm>({ read: true, write: true, owner: false });
  const action = useAction();
  const have = new Set(k.buckets.map((b) => b.id));
  const others = (buckets.data ?? []).filter((b) => !have.has(b.id));
  const chosen = bucketId || others[0]?.id || "";
  const submit = async (e: Event) => {
    e.preventDefault();
    await action.run(async () => {
      await api.allowBucketKey({
        bucketId: chosen,
        accessKeyId: k.accessKeyId,
        permissions: perms,
      });
      setBucketId("");
      await reload();
    });
  };
  if (!buckets.data) return <Loading what="the buckets" />;
  if (others.length === 0) return null;
  return (
    <form class="card inline-form" onSubmit={submit} aria-labelledby="allow-on-title">
      <h3 id="allow-on-title">Allow on another bucket</h3>
      <div class="row">
        <SelectField id="allow-on-bucket" label="Bucket" value={chosen} onValue={setBucketId}>
          {others.map((b) => <option key={b.id} value={b.id}>{bucketName(b)}</option>)}
        </SelectField>
        <fieldset class="perms">
          <legend>Rights</legend>
          {RIGHTS.map((r) => (
            <label class="check" key={r}>
              <input
                type="checkbox"
                checked={perms[r]}
                onChange={(e) => setPerms({ ...perms, [r]: e.currentTarget.checked })}
              />{" "}
              {r}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={action.busy || !RIGHTS.some((r) => perms[r])}>
          Allow on bucket
        </button>
      </div>
      <ErrorNote action="Allowing the key" error={action.error} />
    </form>
  );
}
