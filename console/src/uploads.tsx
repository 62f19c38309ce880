/**
 * The upload queue of the object browser: one file at a time, each with its progress bar. It
 * lives as long as the page, not the screen, so opening another folder (or another screen)
 * while a large file is being sent does not stop it.
 */
import { signal } from "@preact/signals";
import { bytes } from "./format.ts";
import { uploadFile } from "./transfer.ts";
import { ErrorNote } from "./ui.tsx";

interface Upload {
  id: number;
  bucketId: string;
  key: string;
  file: File;
  sent: number;
  state: "waiting" | "sending" | "done" | "failed" | "cancelled";
  error?: unknown;
  abort: AbortController;
}

const uploads = signal<Upload[]>([]);
/** Counts finished uploads, so listings know to refresh. */
export const uploadsDone = signal(0);

let nextId = 1;
let running = false;

function update(id: number, change: Partial<Upload>) {
  uploads.value = uploads.value.map((u) => u.id === id ? { ...u, ...change } : u);
}

async function pump() {
  if (running) return;
  running = true;
  try {
    for (
      let u = uploads.value.find((x) => x.state === "waiting");
      u;
      u = uploads.value.find((x) => x.state === "waiting")
    ) {
      const { id, abort } = u;
      update(id, { state: "sending" });
      try {
        await uploadFile(u.bucketId, u.key, u.file, (sent) => update(id, { sent }), abort.signal);
        update(id, { state: "done", sent: u.file.size });
        uploadsDone.value++;
      } catch (error) {
        update(id, abort.signal.aborted ? { state: "cancelled" } : { state: "failed", error });
      }
    }
  } finally {
    running = false;
  }
}

export function addUpload(bucketId: string, key: string, file: File): void {
  const u: Upload = {
    id: nextId++,
    bucketId,
    key,
    file,
    sent: 0,
    state: "waiting",
    abort: new AbortController(),
  };
  uploads.value = [...uploads.value, u];
  pump();
}

function cancel(u: Upload) {
  u.abort.abort();
  if (u.state === "waiting") update(u.id, { state: "cancelled" });
}

function clearFinished(bucketId: string) {
  uploads.value = uploads.value.filter((u) =>
    u.bucketId !== bucketId || u.state === "waiting" || u.state === "sending"
  );
}

const STATE_TEXT: Record<Upload["state"], string> = {
  waiting: "waiting",
  sending: "sending",
  done: "uploaded",
  failed: "failed",
  cancelled: "cancelled",
};

/** The uploads to one bucket, newest last. */
export function Uploads({ bucketId }: { bucketId: string }) {
  const items = uploads.value.filter((u) => u.bucketId === bucketId);
  if (!items.length) return null;
  const finished = items.some((x) => x.state !== "waiting" && x.state !== "sending");
  return (
    <div class="uploads">
      <h2 class="small-title">Uploads</h2>
      <ul>
        {items.map((x) => {
          const pct = x.file.size ? Math.floor((x.sent / x.file.size) * 100) : 100;
          return (
            <li key={x.id} class={`upload ${x.state}`}>
              <div class="upload-head">
                <span class="mono">{x.key}</span>
                <span class="muted small">
                  {STATE_TEXT[x.state]}
                  {x.state === "sending" && `, ${bytes(x.sent)} of ${bytes(x.file.size)}`}
                  {x.state === "done" && `, ${bytes(x.file.size)}`}
                </span>
                {(x.state === "waiting" || x.state === "sending") && (
                  <button
                    type="button"
                    class="small"
                    onClick={() => cancel(x)}
                  >
                    Cancel<span class="offscreen">the upload of {x.key}</span>
                  </button>
                )}
              </div>
              <progress
                max={100}
                value={x.state === "done" ? 100 : pct}
                aria-label={`Upload of ${x.key}`}
              />
              <ErrorNote action={`Uploading ${x.key}`} error={x.error} />
            </li>
          );
        })}
      </ul>
      {finished && (
        <button type="button" class="small" onClick={() => clearFinished(bucketId)}>
          Clear finished uploads
        </button>
      )}
    </div>
  );
}
