/**
 * Who besides its keys may use a bucket: whether it is public and why, its policy (edited as
 * JSON, checked by the server, with templates for the common cases), its public access block
 * and its canned ACL. Each form saves on its own with UpdateBucket.
 */
import { useState } from "preact/hooks";
import type { ApiPublicAccessBlock, GetBucketInfoResponse } from "../../shared/admin.ts";
import { api, call } from "./api.ts";
import { bucketName } from "./buckets.tsx";
import { TextField } from "./fields.tsx";
import { PublicBadge } from "./public_badge.tsx";
import { href } from "./router.ts";
import { ConfirmButton, ErrorNote, Loading, PageTitle, useAction, useResource } from "./ui.tsx";

type Info = GetBucketInfoResponse;
type Flag = keyof ApiPublicAccessBlock;

const FLAGS: { flag: Flag; label: string; help: string }[] = [
  {
    flag: "blockPublicAcls",
    label: "Block public ACLs",
    help: "refuse new public-read, public-read-write and authenticated-read ACLs",
  },
  {
    flag: "ignorePublicAcls",
    label: "Ignore public ACLs",
    help: "public ACLs already set on the bucket and its objects stop granting anything",
  },
  {
    flag: "blockPublicPolicy",
    label: "Block public policies",
    help: "refuse a policy that grants anything to everyone",
  },
  {
    flag: "restrictPublicBuckets",
    label: "Restrict public buckets",
    help: "a public policy already set stops applying to callers without a key",
  },
];

const ACLS: { acl: string; help: string }[] = [
  { acl: "private", help: "only the keys given access" },
  { acl: "public-read", help: "anyone may list the objects" },
  { acl: "public-read-write", help: "anyone may list, upload and delete objects" },
  { acl: "authenticated-read", help: "any key of the cluster may list the objects" },
];

/** A policy letting anyone download the objects under `prefix` ("" for all of them). */
export function publicReadPolicy(bucket: string, prefix: string): string {
  return JSON.stringify(
    {
      Version: "2012-10-17",
      Statement: [{
        Sid: prefix ? "PublicReadOfPrefix" : "PublicRead",
        Effect: "Allow",
        Principal: "*",
        Action: "s3:GetObject",
        Resource: `arn:aws:s3:::${bucket}/${prefix}*`,
      }],
    },
    null,
    2,
  );
}

/** Why the bucket is public, in words, from what the API reports. */
function reasons(b: Info): string[] {
  const a = b.access;
  const out: string[] = [];
  if (a.policy && !a.effectiveBlock.restrictPublicBuckets && a.isPublic) {
    out.push("its policy grants something to everyone");
  }
  if (!a.effectiveBlock.ignorePublicAcls) {
    if (a.acl === "public-read") out.push("its ACL lets anyone list its objects");
    if (a.acl === "public-read-write") out.push("its ACL lets anyone list, upload and delete");
  }
  return out;
}

function Verdict({ b }: { b: Info }) {
  const why = reasons(b);
  return (
    <div class="card">
      {b.access.isPublic
        ? (
          <p>
            <PublicBadge bucketId={b.id} /> Anyone, without a key, can use this bucket:{" "}
            {why.length ? why.join("; ") : "its policy grants something to everyone"}.
          </p>
        )
        : (
          <p>
            <span class="badge good">private</span>{" "}
            Only the keys given access can use this bucket. Objects made public one by one (their
            own public-read ACL) stay readable by their URL.
          </p>
        )}
    </div>
  );
}

function PolicyEditor({ b, onChange }: { b: Info; onChange: (b: Info) => void }) {
  const [text, setText] = useState(b.access.policy ?? "");
  const [prefix, setPrefix] = useState("");
  const [saved, setSaved] = useState<string | null>(null);
  const action = useAction();
  const name = b.globalAliases[0];
  const save = (policy: string | null) =>
    action.run(async () => {
      setSaved(null);
      const next = await call<Info>("UpdateBucket", { query: { id: b.id }, body: { policy } });
      onChange(next);
      setText(next.access.policy ?? "");
      setSaved(policy === null ? "Policy removed." : "Policy saved.");
    });
  return (
    <form
      class="card inline-form"
      aria-label="Bucket policy"
      onSubmit={(e) => {
        e.preventDefault();
        save(text.trim() ? text : null);
      }}
    >
      <p class="hint">
        A bucket policy is AWS's JSON policy language: statements that allow or deny actions to
        everyone (<code>"Principal": "*"</code>) or to named keys, on the bucket or on objects under
        a prefix, with conditions. A Deny wins over everything. The server checks the whole policy
        and names what it does not accept.
      </p>
      {name
        ? (
          <div class="row">
            <button type="button" onClick={() => setText(publicReadPolicy(name, ""))}>
              Template: public read of the whole bucket
            </button>
            <TextField
              id="policy-prefix"
              label="Prefix"
              value={prefix}
              placeholder="e.g. media/"
              onValue={setPrefix}
            />
            <button
              type="button"
              disabled={!prefix}
              onClick={() => setText(publicReadPolicy(name, prefix))}
            >
              Template: public read of a prefix
            </button>
          </div>
        )
        : (
          <p class="hint">
            Policies name a bucket by its global alias: give this bucket one (on{" "}
            <a href={href({ screen: "bucket", id: b.id })}>its page</a>) to use the templates.
          </p>
        )}
      <div class="field">
        <label for="policy-text">Policy (JSON)</label>
        <textarea
          id="policy-text"
          class="mono"
          rows={14}
          spellcheck={false}
          value={text}
          placeholder="No policy: only the keys given access can use the bucket."
          onInput={(e) => setText(e.currentTarget.value)}
        />
      </div>
      <div class="row">
        <button type="submit" class="primary" disabled={action.busy || !text.trim()}>
          {action.busy ? "Saving…" : "Save policy"}
        </button>
        {b.access.policy && (
          <ConfirmButton
            label="Remove policy"
            question="Remove the bucket's policy? What it allows stops at once."
            confirmLabel="Yes, remove it"
            onConfirm={async () => {
              await save(null);
            }}
          />
        )}
      </div>
      {saved && <p class="note ok" role="status">{saved}</p>}
      <ErrorNote action="Saving the policy" error={action.error} />
    </form>
  );
}

function BlockSwitches({ b, onChange }: { b: Info; onChange: (b: Info) => void }) {
  const own = b.access.publicAccessBlock;
  const [flags, setFlags] = useState<ApiPublicAccessBlock>(
    own ?? {
      blockPublicAcls: false,
      ignorePublicAcls: false,
      blockPublicPolicy: false,
      restrictPublicBuckets: false,
    },
  );
  const action = useAction();
  const byCluster = (f: Flag) => b.access.effectiveBlock[f] && !own?.[f];
  const save = (e: Event) => {
    e.preventDefault();
    const any = FLAGS.some(({ flag }) => flags[flag]);
    action.run(async () =>
      onChange(
        await call<Info>("UpdateBucket", {
          query: { id: b.id },
          body: { publicAccessBlock: any ? flags : null },
        }),
      )
    );
  };
  return (
    <form class="card inline-form" aria-label="Public access block" onSubmit={save}>
      <p class="hint">
        The public access block is a safety catch over the policy and the ACLs: what it blocks no
        policy or ACL can open. A switch set for the whole cluster (in the server's configuration)
        holds here whatever the bucket says.
      </p>
      {FLAGS.map(({ flag, label, help }) => (
        <label class="check block" key={flag}>
          <input
            type="checkbox"
            checked={byCluster(flag) || flags[flag]}
            disabled={byCluster(flag)}
            onChange={(e) => setFlags({ ...flags, [flag]: e.currentTarget.checked })}
          />{" "}
          <span>
            <strong>{label}</strong>: {help}
            {byCluster(flag) && <span class="muted small">(set for the whole cluster)</span>}
          </span>
        </label>
      ))}
      <button type="submit" disabled={action.busy}>Save public access block</button>
      <ErrorNote action="Saving the public access block" error={action.error} />
    </form>
  );
}

function AclForm({ b, onChange }: { b: Info; onChange: (b: Info) => void }) {
  const [acl, setAcl] = useState(b.access.acl);
  const action = useAction();
  const save = (e: Event) => {
    e.preventDefault();
    action.run(async () =>
      onChange(await call<Info>("UpdateBucket", { query: { id: b.id }, body: { acl } }))
    );
  };
  return (
    <form class="card inline-form" aria-label="Bucket ACL" onSubmit={save}>
      <p class="hint">
        A canned ACL is the older, coarser way to open a bucket. It lets others list (or change) the
        bucket's objects, not download them: downloads are opened by the policy, or object by object
        with the object's own ACL.
      </p>
      <fieldset class="choices">
        <legend>Canned ACL</legend>
        {ACLS.map((a) => (
          <label class="check block" key={a.acl}>
            <input
              type="radio"
              name="bucket-acl"
              value={a.acl}
              checked={acl === a.acl}
              onChange={() => setAcl(a.acl)}
            />{" "}
            <span>
              <code>{a.acl}</code>: {a.help}
            </span>
          </label>
        ))}
      </fieldset>
      <button type="submit" disabled={action.busy || acl === b.access.acl}>Save ACL</button>
      <ErrorNote action="Saving the ACL" error={action.error} />
    </form>
  );
}

export function AccessView({ id }: { id: string }) {
  const bucket = useResource(() => api.bucketInfo(id));
  const b = bucket.data;
  const name = b ? bucketName(b) : id.slice(0, 16);
  return (
    <section aria-labelledby="page-title">
      <p class="crumbs">
        <a href={href({ screen: "buckets" })}>Buckets</a> /{" "}
        <a href={href({ screen: "bucket", id })}>{name}</a> /
      </p>
      <PageTitle title={`Access to ${name}`}>Public access to “{name}”</PageTitle>
      <ErrorNote action="Reading the bucket" error={bucket.error} />
      {!b && !bucket.error && <Loading what="the bucket" />}
      {b && (
        <>
          <Verdict b={b} />
          <h2>Bucket policy</h2>
          <PolicyEditor b={b} onChange={bucket.set} />
          <h2>Public access block</h2>
          <BlockSwitches
            key={JSON.stringify(b.access.publicAccessBlock)}
            b={b}
            onChange={bucket.set}
          />
          <h2>ACL</h2>
          <AclForm key={b.access.acl} b={b} onChange={bucket.set} />
        </>
      )}
    </section>
  );
}
