/**
 * The object browser of a bucket: folders by "/", uploads by button or drag and drop with
 * progress, downloads, deletion of the selected objects, presigned links to hand out, and on a
 * versioned bucket each object's versions (deleted objects included); each object's details.
 */
import { Fragment } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type {
  BucketObject,
  GetBucketInfoResponse,
  ListBucketObjectsResponse,
} from "../../shared/admin.ts";
import { api } from "./api.ts";
import { bucketName } from "./buckets.tsx";
import { bytes, date, plural } from "./format.ts";
import { crumbs, folderPath, keyFor, nameIn } from "./object_paths.ts";
import { ObjectLink } from "./object_link.tsx";
import { href, navigate } from "./router.ts";
import { downloadObject, uploadFile } from "./transfer.ts";
import {
  Allowed,
  ConfirmButton,
  ErrorNote,
  Loading,
  Notice,
  PageTitle,
  useAction,
  useResource,
} from "./ui.tsx";
import { TextField } from "./fields.tsx";
import { can } from "./state.ts";
import { addUpload, Uploads, uploadsDone } from "./uploads.tsx";
import { TableHead } from "./table_head.tsx";
import { ObjectVersions } from "./object_versions.tsx";
import { ObjectDetails } from "./object_details.tsx";
import { PublicBadge } from "./public_badge.tsx";

/** The panels a row of the browser opens under it. */
type Panel = "details" | "link" | "versions";

/** Which panels are open, per object key: each button opens and closes its own. */
function usePanels() {
  const [open, setOpen] = useState<Set<string>>(new Set());
  const id = (panel: Panel, key: string) => `${panel}\n${key}`;
  return {
    isOpen: (panel: Panel, key: string) => open.has(id(panel, key)),
    toggle: (panel: Panel, key: string) =>
      setOpen((old) => {
        const next = new Set(old);
        if (!next.delete(id(panel, key))) next.add(id(panel, key));
        return next;
      }),
  };
}

interface Listing {
  objects: BucketObject[];
  prefixes: string[];
  next: string | null;
}

/** The folder's listing, page by page ("Show more" fetches the next page). */
function useListing(bucketId: string, prefix: string, versions: boolean) {
  const [listing, setListing] = useState<Listing | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  const seq = useRef(0);
  const load = useCallback(async (after: string | null) => {
    const n = ++seq.current;
    setLoading(true);
    try {
      const page: ListBucketObjectsResponse = await api.listObjects({
        bucketId,
        prefix,
        delimiter: "/",
        continuationToken: after ?? undefined,
        ...(versions ? { versions: "true" as const } : {}),
      });
      if (n !== seq.current) return;
      setListing((old) => ({
        objects: [...(after && old ? old.objects : []), ...page.objects],
        prefixes: [...(after && old ? old.prefixes : []), ...page.prefixes],
        next: page.nextContinuationToken,
      }));
      setError(null);
    } catch (e) {
      if (n === seq.current) setError(e);
    } finally {
      if (n === seq.current) setLoading(false);
    }
  }, [bucketId, prefix, versions]);
  useEffect(() => {
    load(null);
  }, [load]);
  return {
    listing,
    error,
    loading,
    reload: () => load(null),
    more: () => listing?.next && load(listing.next),
  };
}

function Crumbs({ b, prefix }: { b: GetBucketInfoResponse | undefined; prefix: string }) {
  const id = b?.id ?? "";
  return (
    <nav class="crumbs" aria-label="Folders">
      <a href={href({ screen: "buckets" })}>Buckets</a> /{" "}
      {b && <a href={href({ screen: "bucket", id })}>{bucketName(b)}</a>} /{" "}
      <a href={href({ screen: "objects", id, prefix: "" })}>objects</a>
      {crumbs(prefix).map((c) => (
        <span key={c.prefix}>
          {" / "}
          <a href={href({ screen: "objects", id, prefix: c.prefix })}>{c.name || "(empty)"}</a>
        </span>
      ))}
    </nav>
  );
}

/** A folder is a key ending with "/": an empty object under that name, as S3 consoles make it. */
function NewFolder({ bucketId, prefix }: { bucketId: string; prefix: string }) {
  const [name, setName] = useState("");
  const action = useAction();
  const create = (e: Event) => {
    e.preventDefault();
    const path = folderPath(prefix + name.trim());
    action.run(async () => {
      await uploadFile(bucketId, path, new Blob([]), () => {}, new AbortController().signal);
      setName("");
      navigate({ screen: "objects", id: bucketId, prefix: path });
    });
  };
  return (
    <form class="inline-form" aria-label="Create a folder" onSubmit={create}>
      <div class="row">
        <TextField id="new-folder" label="New folder" value={name} onValue={setName} />
        <button type="submit" disabled={action.busy || !name.trim()}>Create folder</button>
      </div>
      <ErrorNote action="Creating the folder" error={action.error} />
    </form>
  );
}

function ObjectRow(
  { bucketId, o, prefix, selected, onSelect, panels, versions, onDelete }: {
    bucketId: string;
    o: BucketObject;
    prefix: string;
    selected: boolean;
    onSelect: (on: boolean) => void;
    panels: ReturnType<typeof usePanels>;
    /** Set on a versioned bucket: the row opens the object's versions. */
    versions: boolean;
    onDelete: (keys: string[]) => Promise<void>;
  },
) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const name = nameIn(prefix, o.key);
  const download = async () => {
    setBusy(true);
    setError(null);
    try {
      await downloadObject(bucketId, o.key);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <tr>
      <td data-label="Select" class="select">
        <input
          type="checkbox"
          checked={selected}
          aria-label={`Select ${name}`}
          onChange={(e) => onSelect(e.currentTarget.checked)}
        />
      </td>
      <td data-label="Name" class="name">
        <span class="mono">{name}</span>
        {o.deleted && <span class="badge warn">deleted</span>}
        <ErrorNote action={`Downloading ${name}`} error={error} />
      </td>
      <td data-label="Size">{o.deleted ? "—" : bytes(o.size)}</td>
      <td data-label="Modified">{date(o.lastModified)}</td>
      <td data-label="Actions" class="row-actions">
        {!o.deleted && (
          <>
            <button type="button" class="small" disabled={busy} onClick={download}>
              {busy ? "Downloading…" : "Download"}
              <span class="offscreen">{name}</span>
            </button>
            <button
              type="button"
              class="small"
              aria-expanded={panels.isOpen("details", o.key)}
              onClick={() => panels.toggle("details", o.key)}
            >
              Details<span class="offscreen">of {name}</span>
            </button>
            <button
              type="button"
              class="small"
              aria-expanded={panels.isOpen("link", o.key)}
              onClick={() => panels.toggle("link", o.key)}
            >
              Link<span class="offscreen">to {name}</span>
            </button>
            {can("DeleteBucketObjects") && (
              <ConfirmButton
                label="Delete"
                labelSuffix={` ${name}`}
                question={`Delete ${name}?${
                  versions
                    ? " A delete marker hides it; its versions stay."
                    : " This cannot be undone."
                }`}
                confirmLabel="Yes, delete it"
                small
                onConfirm={() => onDelete([o.key])}
              />
            )}
          </>
        )}
        {versions && (
          <button
            type="button"
            class="small"
            aria-expanded={panels.isOpen("versions", o.key)}
            onClick={() => panels.toggle("versions", o.key)}
          >
            Versions<span class="offscreen">of {name}</span>
          </button>
        )}
      </td>
    </tr>
  );
}

export function ObjectsView({ id, prefix }: { id: string; prefix: string }) {
  const bucket = useResource(() => api.bucketInfo(id));
  const [showVersions, setShowVersions] = useState(false);
  const [search, setSearch] = useState("");
  const { listing, error, loading, reload, more } = useListing(
    id,
    prefix + search,
    showVersions,
  );
  const [deleted, setDeleted] = useState<string | null>(null);
  const [uploadTo, setUploadTo] = useState(prefix);
  const panels = usePanels();
  const done = uploadsDone.value;
  useEffect(() => {
    if (done) reload();
  }, [done]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [deleteError, setDeleteError] = useState<unknown>(null);
  const [dragging, setDragging] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const b = bucket.data;

  const folder = folderPath(uploadTo);
  const addFiles = (files: FileList | File[] | null) => {
    for (const f of files ?? []) addUpload(id, keyFor(folder, f), f);
  };
  const selectable = listing?.objects.filter((o) => !o.deleted).map((o) => o.key) ?? [];
  const allSelected = selectable.length > 0 && selectable.every((k) => selected.has(k));
  const select = (key: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(key);
    else next.delete(key);
    setSelected(next);
  };
  const remove = async (keys: string[]) => {
    setDeleteError(null);
    setDeleted(null);
    try {
      const r = await api.deleteObjects({ bucketId: id, keys });
      if (r.errors.length) {
        throw new Error(r.errors.map((e) => `${e.key}: ${e.message}`).join("; "));
      }
      const next = new Set(selected);
      for (const k of keys) next.delete(k);
      setSelected(next);
      setDeleted(
        keys.length === 1
          ? `Deleted ${nameIn(prefix, keys[0])}.`
          : `Deleted ${plural(keys.length, "object")}.`,
      );
    } catch (e) {
      setDeleteError(e);
    }
    await reload();
  };
  const empty = listing && !listing.objects.length && !listing.prefixes.length;

  return (
    <section
      aria-labelledby="page-title"
      class={dragging ? "dropping" : undefined}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        addFiles(e.dataTransfer ? [...e.dataTransfer.files] : null);
      }}
    >
      <Crumbs b={b} prefix={prefix} />
      <PageTitle title={b ? `Objects of ${bucketName(b)}` : "Objects"}>
        {prefix ? <span class="mono">{prefix}</span> : <>Objects of “{b ? bucketName(b) : "…"}”</>}
        {b?.access.isPublic && (
          <>
            <PublicBadge bucketId={b.id} />
          </>
        )}
      </PageTitle>
      <ErrorNote action="Reading the bucket" error={bucket.error} />
      <Allowed to="PutBucketObject">
        <div class="card drop-zone">
          <input
            ref={fileInput}
            type="file"
            multiple
            class="offscreen"
            aria-label="Files to upload"
            tabIndex={-1}
            onChange={(e) => {
              addFiles(e.currentTarget.files);
              e.currentTarget.value = "";
            }}
          />
          <div class="row">
            <TextField
              id="upload-to"
              label="Upload into the folder"
              value={uploadTo}
              placeholder="the top of the bucket"
              onValue={setUploadTo}
            />
          </div>
          <p>
            Drop files here to upload them to{" "}
            {folder ? <span class="mono">{folder}</span> : "the top of the bucket"}, or{" "}
            <button type="button" onClick={() => fileInput.current?.click()}>
              Choose files…
            </button>
          </p>
          <p class="hint">
            Files of 16 MB and more are sent in parts of 8 MB: a large upload shows its progress and
            can be cancelled.
          </p>
          <Uploads bucketId={id} />
        </div>
        <NewFolder bucketId={id} prefix={prefix} />
      </Allowed>
      {b?.versioning && (
        <label class="check">
          <input
            type="checkbox"
            checked={showVersions}
            onChange={(e) => setShowVersions(e.currentTarget.checked)}
          />{" "}
          Show versions (deleted objects too)
        </label>
      )}
      <div class="row">
        <TextField
          id="object-search"
          label="Search this folder by prefix"
          value={search}
          placeholder="e.g. 2026-"
          onValue={setSearch}
        />
      </div>
      {deleted && <Notice>{deleted}</Notice>}
      <ErrorNote action="Listing the objects" error={error} />
      {!listing && !error && <Loading what="the objects" />}
      {empty && (
        <p class="empty">
          {search ? `Nothing here starts with “${search}”.` : "This folder is empty."}
        </p>
      )}
      {listing && !empty && (
        <>
          <div class="title-row">
            <h2>
              {plural(listing.prefixes.length, "folder")},{" "}
              {plural(listing.objects.length, "object")}
              {listing.next ? " (more to show)" : ""}
            </h2>
            <div class="actions">
              {can("DeleteBucketObjects") && selectable.length > 0 && (
                <label class="check">
                  <input
                    type="checkbox"
                    checked={allSelected}
                    onChange={(e) =>
                      setSelected(e.currentTarget.checked ? new Set(selectable) : new Set())}
                  />{" "}
                  Select all
                </label>
              )}
              <button type="button" onClick={reload} disabled={loading}>Refresh</button>
              {selected.size > 0 && (
                <ConfirmButton
                  label={`Delete ${plural(selected.size, "object")}`}
                  question={`Delete ${
                    plural(selected.size, "selected object")
                  }? This cannot be undone.`}
                  confirmLabel="Yes, delete them"
                  onConfirm={() => remove([...selected])}
                />
              )}
            </div>
          </div>
          <ErrorNote action="Deleting the objects" error={deleteError} />
          <table class="cards objects">
            <TableHead
              caption="Folders and objects"
              columns={[{ offscreen: "Selected" }, "Name", "Size", "Modified", {
                offscreen: "Actions",
              }]}
            />
            <tbody>
              {listing.prefixes.map((p) => (
                <tr key={p}>
                  <td class="select" />
                  <td data-label="Folder" class="name" colSpan={4}>
                    <a href={href({ screen: "objects", id, prefix: p })}>
                      {nameIn(prefix, p)}
                    </a>
                  </td>
                </tr>
              ))}
              {listing.objects.map((o) => (
                <Fragment key={o.key}>
                  <ObjectRow
                    bucketId={id}
                    o={o}
                    prefix={prefix}
                    selected={selected.has(o.key)}
                    onSelect={(on) => select(o.key, on)}
                    panels={panels}
                    versions={showVersions}
                    onDelete={remove}
                  />
                  {!o.deleted && panels.isOpen("details", o.key) && (
                    <tr class="detail">
                      <td colSpan={5}>
                        <ObjectDetails bucketId={id} objectKey={o.key} />
                      </td>
                    </tr>
                  )}
                  {showVersions && panels.isOpen("versions", o.key) && (
                    <tr class="detail">
                      <td colSpan={5}>
                        <ObjectVersions bucketId={id} objectKey={o.key} onRestored={reload} />
                      </td>
                    </tr>
                  )}
                  {!o.deleted && panels.isOpen("link", o.key) && b && (
                    <tr class="detail">
                      <td colSpan={5}>
                        <ObjectLink bucket={b} objectKey={o.key} />
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
          {listing.next && (
            <button type="button" onClick={more} disabled={loading}>
              {loading ? "Loading…" : "Show more"}
            </button>
          )}
        </>
      )}
    </section>
  );
}
