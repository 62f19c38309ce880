/** The sign-in screen: the admin token, checked against the API before it is kept. */
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "./api.ts";
import { signedOutReason, signIn } from "./state.ts";
import { ErrorNote } from "./ui.tsx";

export function SignIn() {
  const [value, setValue] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    document.title = "Sign in · Remise console";
    input.current?.focus();
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    const t = value.trim();
    if (!t) {
      setError(new Error("Enter the admin token."));
      input.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      signIn(t, await api.currentToken(t));
    } catch (err) {
      setError(err);
      setBusy(false);
      input.current?.focus();
    }
  };

  return (
    <main id="main" class="signin">
      <form class="card" onSubmit={submit} noValidate>
        <h1>Remise console</h1>
        <p class="muted">
          Sign in with the cluster's admin token: <code>admin_token</code>{" "}
          in the node's configuration, or the file <code>admin_token</code> in its{" "}
          <code>metadata_dir</code>{" "}
          when none is configured; or with an admin API token, and the console shows what its scope
          allows.
        </p>
        {signedOutReason.value && !error && (
          <div class="note warn" role="status">{signedOutReason.value}</div>
        )}
        <div class="field">
          <label for="token">Admin token</label>
          <input
            id="token"
            ref={input}
            type="password"
            class="mono"
            autoComplete="off"
            spellcheck={false}
            value={value}
            onInput={(e) => setValue(e.currentTarget.value)}
            aria-describedby="token-help"
          />
          <p id="token-help" class="hint">
            Kept in this tab only (session storage) and sent to this server alone.
          </p>
        </div>
        <ErrorNote action="Signing in" error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
