/** Renaming a key: the name is for people; clients keep using the same ID and secret. */
import { useState } from "preact/hooks";
import type { GetKeyInfoResponse } from "../../shared/admin.ts";
import { api } from "./api.ts";
import { ErrorNote, useAction } from "./ui.tsx";

export function RenameKey({ k, onChange }: {
  k: GetKeyInfoResponse;
  onChange: (k: GetKeyInfoResponse) => void;
}) {
  const [name, setName] = useState(k.name);
  const action = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    await action.run(async () => onChange(await api.updateKey(k.accessKeyId, { name })));
  };
  return (
    <form class="inline-form" onSubmit={submit} aria-label="Rename the key">
      <div class="row">
        <div class="field grow">
          <label for="key-rename">Name</label>
          <input id="key-rename" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </div>
        <button type="submit" disabled={action.busy || name === k.name}>
          {action.busy ? "Renaming…" : "Rename"}
        </button>
      </div>
      <ErrorNote action="Renaming the key" error={action.error} />
    </form>
  );
}
