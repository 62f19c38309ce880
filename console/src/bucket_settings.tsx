/**
 * A bucket's settings: its names (global aliases, and local ones a key sees), its quotas,
 * versioning and object lock, and website access. Each form saves on its own and shows its own
 * error.
 */
import { useState } from "preact/hooks";
import type { GetBucketInfoResponse } from "../../shared/admin.ts";
import { call } from "./api.ts";
import { bytes, parseSize } from "./format.ts";
import { ErrorNote, useAction } from "./ui.tsx";
import { SelectField, TextField } from "./fields.tsx";

type Info = GetBucketInfoResponse;

export function BucketAliases({ b, onChange }: { b: Info; onChange: (b: Info) => void }) {
  const [alias, setAlias] = useState("");
  const [keyId, setKeyId] = useState("");
  const action = useAction();
  const change = (endpoint: "AddBucketAlias" | "RemoveBucketAlias", body: object) =>
    action.run(async () => {
      onChange(await call<Info>(endpoint, { body: { bucketId: b.id, ...body } }));
      setAlias("");
    });
  const submit = (e: Event) => {
    e.preventDefault();
    change(
      "AddBucketAlias",
      keyId ? { localAlias: alias.trim(), accessKeyId: keyId } : { globalAlias: alias.trim() },
    );
  };
  const locals = b.keys.flatMap((k) =>
    k.bucketLocalAliases.map((a) => ({ alias: a, keyId: k.accessKeyId, keyName: k.name }))
  );
  return (
    <div class="card">
      <ul class="aliases">
        {b.globalAliases.map((a) => (
          <li key={a}>
            <code>{a}</code> <span class="muted small">global</span>{" "}
            <button
              type="button"
              class="small"
              disabled={action.busy}
              onClick={() => change("RemoveBucketAlias", { globalAlias: a })}
            >
              Remove<span class="offscreen">the alias {a}</span>
            </button>
          </li>
        ))}
        {locals.map((l) => (
          <li key={`${l.keyId}/${l.alias}`}>
            <code>{l.alias}</code>{" "}
            <span class="muted small">local to key {l.keyName || l.keyId}</span>{" "}
            <button
              type="button"
              class="small"
              disabled={action.busy}
              onClick={() =>
                change("RemoveBucketAlias", { localAlias: l.alias, accessKeyId: l.keyId })}
            >
              Remove<span class="offscreen">the alias {l.alias}</span>
            </button>
          </li>
        ))}
      </ul>
      <form class="inline-form" onSubmit={submit} aria-label="Add an alias">
        <div class="row">
          <TextField id="alias-name" label="New alias" value={alias} onValue={setAlias} />
          <SelectField id="alias-scope" label="Seen by" value={keyId} onValue={setKeyId}>
            <option value="">every key (global)</option>
            {b.keys.map((k) => (
              <option key={k.accessKeyId} value={k.accessKeyId}>
                only key {k.name || k.accessKeyId}
              </option>
            ))}
          </SelectField>
          <button type="submit" disabled={action.busy || !alias.trim()}>Add alias</button>
        </div>
      </form>
      <ErrorNote action="Changing the aliases" error={action.error} />
    </div>
  );
}

export function BucketQuotas({ b, onChange }: { b: Info; onChange: (b: Info) => void }) {
  const [size, setSize] = useState(b.quotas.maxSize === null ? "" : bytes(b.quotas.maxSize));
  const [objects, setObjects] = useState(
    b.quotas.maxObjects === null ? "" : String(b.quotas.maxObjects),
  );
  const [problem, setProblem] = useState<string | null>(null);
  const action = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    setProblem(null);
    const maxSize = size.trim() ? parseSize(size) : null;
    if (maxSize !== null && typeof maxSize !== "number") return setProblem(maxSize.error);
    const maxObjects = objects.trim() ? Number(objects.trim()) : null;
    if (maxObjects !== null && !(Number.isSafeInteger(maxObjects) && maxObjects >= 0)) {
      return setProblem(
        `“${objects}” is not a number of objects: write a whole number, or nothing.`,
      );
    }
    await action.run(async () =>
      onChange(
        await call<Info>("UpdateBucket", {
          query: { id: b.id },
          body: { quotas: { maxSize, maxObjects } },
        }),
      )
    );
  };
  return (
    <form class="card inline-form" onSubmit={submit} aria-label="Quotas">
      <p class="hint">
        Writes that would take the bucket over a quota are refused. Leave a field empty for no
        limit.
      </p>
      <div class="row">
        <TextField
          id="quota-size"
          label="Maximum size"
          value={size}
          placeholder="no limit (e.g. 50 GB)"
          onValue={setSize}
        />
        <TextField
          id="quota-objects"
          label="Maximum objects"
          inputMode="numeric"
          value={objects}
          placeholder="no limit"
          onValue={setObjects}
        />
        <button type="submit" disabled={action.busy}>Save quotas</button>
      </div>
      {problem && <p class="note error" role="alert">{problem}</p>}
      <ErrorNote action="Saving the quotas" error={action.error} />
    </form>
  );
}

export function BucketWebsite({ b, onChange }: { b: Info; onChange: (b: Info) => void }) {
  const [enabled, setEnabled] = useState(b.websiteAccess);
  const [index, setIndex] = useState(b.websiteConfig?.indexDocument ?? "index.html");
  const [errorDoc, setErrorDoc] = useState(b.websiteConfig?.errorDocument ?? "");
  const action = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    await action.run(async () =>
      onChange(
        await call<Info>("UpdateBucket", {
          query: { id: b.id },
          body: {
            websiteAccess: enabled
              ? { enabled, indexDocument: index.trim(), errorDocument: errorDoc.trim() || null }
              : { enabled },
          },
        }),
      )
    );
  };
  const name = b.globalAliases[0];
  return (
    <form class="card inline-form" onSubmit={submit} aria-label="Website">
      <label class="check">
        <input
          type="checkbox"
          checked={enabled}
          onChange={(e) => setEnabled(e.currentTarget.checked)}
        />{" "}
        Serve this bucket as a website
      </label>
      {enabled && (
        <div class="row">
          <TextField id="web-index" label="Index document" value={index} onValue={setIndex} />
          <TextField
            id="web-error"
            label="Error document (optional)"
            value={errorDoc}
            placeholder="e.g. 404.html"
            onValue={setErrorDoc}
          />
        </div>
      )}
      <p class="hint">
        {name
          ? (
            <>
              The website endpoint serves it for the host name <code>{name}</code>, or{" "}
              <code>{name}.</code> followed by the website root domain.
            </>
          )
          : "Give the bucket a global alias: the website endpoint finds buckets by host name."}
      </p>
      <button type="submit" disabled={action.busy}>Save website settings</button>
      <ErrorNote action="Saving the website settings" error={action.error} />
    </form>
  );
}

/**
 * Versioning (Enabled or Suspended, never back to off) and object lock (on for good, with an
 * optional default retention), with what each means said next to it.
 */
export function BucketVersioning({ b, onChange }: { b: Info; onChange: (b: Info) => void }) {
  const rule = b.objectLock?.defaultRetention;
  const [mode, setMode] = useState<string>(rule?.mode ?? "");
  const [days, setDays] = useState(rule ? String(rule.days ?? (rule.years ?? 0) * 365) : "30");
  const [problem, setProblem] = useState<string | null>(null);
  const action = useAction();
  const update = (body: object) =>
    action.run(async () =>
      onChange(await call<Info>("UpdateBucket", { query: { id: b.id }, body }))
    );
  const saveLock = async (e: Event) => {
    e.preventDefault();
    setProblem(null);
    const n = Number(days.trim());
    if (mode && !(Number.isSafeInteger(n) && n >= 1)) {
      return setProblem(`“${days}” is not a number of days: write a whole number from 1.`);
    }
    await update({
      objectLock: { defaultRetention: mode ? { mode, days: n, years: null } : null },
    });
  };
  return (
    <div class="card">
      <p>
        Versioning: <strong>{b.versioning ?? "off"}</strong>
      </p>
      <p class="hint">
        With versioning on, every write keeps the version it replaces and a delete only hides the
        object behind a delete marker; old versions are listed, downloaded and restored from the
        object browser. Once on, versioning can be suspended but not turned off.
      </p>
      <div class="row">
        {b.versioning !== "Enabled" && (
          <button
            type="button"
            disabled={action.busy}
            onClick={() => update({ versioning: "Enabled" })}
          >
            Enable versioning
          </button>
        )}
        {b.versioning === "Enabled" && !b.objectLock && (
          <button
            type="button"
            disabled={action.busy}
            onClick={() => update({ versioning: "Suspended" })}
          >
            Suspend versioning
          </button>
        )}
      </div>
      {b.versioning === "Enabled" && (
        <form class="inline-form" onSubmit={saveLock} aria-label="Object lock">
          <p>
            Object lock: <strong>{b.objectLock ? "on" : "off"}</strong>
            {rule &&
              ` (new versions kept ${rule.mode} for ${rule.days ?? `${rule.years} years`}${
                rule.days ? " days" : ""
              })`}
          </p>
          <p class="hint">
            A locked version cannot be deleted until its retention ends: GOVERNANCE yields to a key
            that owns the bucket and asks to bypass it, COMPLIANCE to no one, not even this console.
            Object lock cannot be turned off.
          </p>
          <div class="row">
            <SelectField id="lock-mode" label="Default retention" value={mode} onValue={setMode}>
              <option value="">none (lock versions one by one)</option>
              <option value="GOVERNANCE">GOVERNANCE</option>
              <option value="COMPLIANCE">COMPLIANCE</option>
            </SelectField>
            {mode && (
              <TextField
                id="lock-days"
                label="Days"
                inputMode="numeric"
                value={days}
                onValue={setDays}
              />
            )}
            <button type="submit" disabled={action.busy}>
              {b.objectLock ? "Save object lock" : "Turn object lock on"}
            </button>
          </div>
        </form>
      )}
      {problem && <p class="note error" role="alert">{problem}</p>}
      <ErrorNote action="Changing versioning" error={action.error} />
    </div>
  );
}
