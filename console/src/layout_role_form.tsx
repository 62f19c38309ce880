/** The form that stages a node's role: zone, capacity (or gateway) and tags. */
import { useState } from "preact/hooks";
import type { GetClusterLayoutResponse } from "../../shared/admin.ts";
import { call } from "./api.ts";
import { bytes, parseSize, shortId } from "./format.ts";
import { ErrorNote } from "./ui.tsx";
import { TextField } from "./fields.tsx";

export interface RoleDraft {
  zone: string;
  capacity: number | null;
  tags: string[];
}

export function RoleForm(
  { id, current, zones, onStaged, onCancel }: {
    id: string;
    current: RoleDraft | null;
    /** Zones already in use, offered as suggestions. */
    zones: string[];
    onStaged: (layout: GetClusterLayoutResponse) => void;
    onCancel: () => void;
  },
) {
  const [zone, setZone] = useState(current?.zone ?? "");
  const [gateway, setGateway] = useState(current !== null && current.capacity === null);
  const [capacity, setCapacity] = useState(
    current?.capacity ? bytes(current.capacity).replace(" ", "") : "",
  );
  const [tags, setTags] = useState(current?.tags.join(", ") ?? "");
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const fid = (name: string) => `role-${name}-${id.slice(0, 8)}`;

  const submit = async (e: Event) => {
    e.preventDefault();
    setProblem(null);
    setError(null);
    if (!zone.trim()) {
      return setProblem("Give the node a zone: the site or room it is in, e.g. home or office.");
    }
    let cap: number | null = null;
    if (!gateway) {
      const parsed = parseSize(capacity);
      if (typeof parsed !== "number") return setProblem(parsed.error);
      cap = parsed;
    }
    setBusy(true);
    try {
      const layout = await call<GetClusterLayoutResponse>("UpdateClusterLayout", {
        body: {
          roles: [{
            id,
            zone: zone.trim(),
            capacity: cap,
            tags: tags.split(",").map((t) => t.trim()).filter(Boolean),
          }],
        },
      });
      onStaged(layout);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      class="inline-form role-form"
      onSubmit={submit}
      aria-label={`Role of node ${shortId(id)}`}
    >
      <div class="row">
        <div class="field">
          <label for={fid("zone")}>Zone</label>
          <input
            id={fid("zone")}
            list={fid("zones")}
            value={zone}
            onInput={(e) => setZone(e.currentTarget.value)}
          />
          <datalist id={fid("zones")}>
            {zones.map((z) => <option key={z} value={z} />)}
          </datalist>
        </div>
        <TextField
          id={fid("capacity")}
          label="Capacity"
          value={gateway ? "" : capacity}
          disabled={gateway}
          placeholder={gateway ? "no storage" : "e.g. 500G or 2 TB"}
          onValue={setCapacity}
        />
        <TextField id={fid("tags")} label="Tags (comma separated)" value={tags} onValue={setTags} />
      </div>
      <label class="check">
        <input
          type="checkbox"
          checked={gateway}
          onChange={(e) => setGateway(e.currentTarget.checked)}
        />{" "}
        Gateway: serves requests but stores no data
      </label>
      {problem && <p class="note error" role="alert">{problem}</p>}
      <ErrorNote action="Staging the role" error={error} />
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Staging…" : "Stage this role"}
        </button>
        <button type="button" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}
