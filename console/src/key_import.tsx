/** Importing a key made elsewhere (another Garage or Remise cluster), secret included. */
import { useState } from "preact/hooks";
import type { GetKeyInfoResponse } from "../../shared/admin.ts";
import { call } from "./api.ts";
import { ErrorNote, useAction } from "./ui.tsx";
import { TextField } from "./fields.tsx";

export function ImportKeyForm({ onImported }: { onImported: (k: GetKeyInfoResponse) => void }) {
  const [id, setId] = useState("");
  const [secret, setSecret] = useState("");
  const [name, setName] = useState("");
  const action = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    await action.run(async () => {
      const k = await call<GetKeyInfoResponse>("ImportKey", {
        body: { accessKeyId: id.trim(), secretAccessKey: secret.trim(), name: name.trim() || null },
      });
      setId("");
      setSecret("");
      setName("");
      onImported(k);
    });
  };
  return (
    <details class="card">
      <summary>Import an existing key</summary>
      <form class="inline-form" onSubmit={submit} aria-label="Import a key">
        <p class="hint">
          For a key that clients already use elsewhere: its ID (GK followed by 24 hex digits) and
          its secret (64 hex digits) keep working here.
        </p>
        <div class="row">
          <TextField
            id="import-id"
            label="Access key ID to import"
            class="mono"
            value={id}
            spellcheck={false}
            onValue={setId}
          />
          <div class="field">
            <label for="import-secret">Secret access key to import</label>
            <input
              id="import-secret"
              class="mono"
              type="password"
              autoComplete="off"
              value={secret}
              onInput={(e) => setSecret(e.currentTarget.value)}
            />
          </div>
          <TextField
            id="import-name"
            label="Name of the imported key"
            value={name}
            onValue={setName}
          />
        </div>
        <button type="submit" disabled={action.busy || !id || !secret}>
          {action.busy ? "Importing…" : "Import key"}
        </button>
        <ErrorNote action="Importing the key" error={action.error} />
      </form>
    </details>
  );
}
