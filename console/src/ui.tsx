/** Small pieces every screen uses: loading data, errors in words, copy and confirm buttons. */
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { AdminEndpoint } from "../../shared/admin.ts";
import { ApiError } from "./api.ts";
import { can } from "./state.ts";

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => Promise<void>;
  /** Replaces the data with a fresher answer (e.g. the one an update returned). */
  set: (data: T) => void;
}

/** Loads once on mount (and on `reload`); a late answer to an older request is dropped. */
export function useResource<T>(load: () => Promise<T>): Resource<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({
    loading: true,
  });
  const seq = useRef(0);
  const loader = useRef(load);
  loader.current = load;
  const reload = useCallback(async () => {
    const n = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    try {
      const data = await loader.current();
      if (n === seq.current) setState({ data, loading: false });
    } catch (error) {
      if (n === seq.current) setState((s) => ({ data: s.data, error, loading: false }));
    }
  }, []);
  useEffect(() => {
    reload();
    return () => {
      seq.current++;
    };
  }, [reload]);
  const set = useCallback((data: T) => {
    seq.current++;
    setState({ data, loading: false });
  }, []);
  return { data: state.data, error: state.error, loading: state.loading, reload, set };
}

/** What went wrong, where it went wrong: the action, then the API's own message and code. */
export function ErrorNote({ action, error }: { action: string; error: unknown }) {
  if (!error) return null;
  const api = error instanceof ApiError ? error : null;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div class="note error" role="alert">
      <strong>{action} failed.</strong> {message}{" "}
      {api && api.status > 0 && <span class="code">({api.code}, HTTP {api.status})</span>}
    </div>
  );
}

export function Notice({ children }: { children: ComponentChildren }) {
  return <div class="note ok" role="status">{children}</div>;
}

export function Loading({ what }: { what: string }) {
  return <p class="muted" role="status">Loading {what}…</p>;
}

/** The screen's heading; it takes the focus when the screen opens, for keyboard users. */
export function PageTitle({ children, title }: { children: ComponentChildren; title: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus({ preventScroll: true });
  }, []);
  useEffect(() => {
    document.title = `${title} · Remise console`;
  }, [title]);
  return <h1 id="page-title" tabIndex={-1} ref={ref}>{children}</h1>;
}

function legacyCopy(text: string): boolean {
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.className = "offscreen";
  document.body.append(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}

/** Copies `text`; the clipboard API needs a secure context, so plain http falls back. */
export async function copyText(text: string): Promise<boolean> {
  if (globalThis.isSecureContext && navigator.clipboard) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // fall through to the old way
    }
  }
  return legacyCopy(text);
}

export function CopyButton({ text, what }: { text: string; what: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const copy = async () => {
    const ok = await copyText(text);
    setState(ok ? "copied" : "failed");
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setState("idle"), 2500);
  };
  return (
    <span class="copy">
      <button type="button" class="small" onClick={copy} aria-label={`Copy the ${what}`}>
        {state === "copied" ? "Copied" : "Copy"}
      </button>
      <span class="copy-state" role="status">
        {state === "copied"
          ? `The ${what} is in the clipboard.`
          : state === "failed"
          ? `Copying failed: select the ${what} and copy it by hand.`
          : ""}
      </span>
    </span>
  );
}

/** A read-only value with its label and a copy button. */
export function CopyField({ id, label, value }: { id: string; label: string; value: string }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <div class="copy-row">
        <input
          id={id}
          class="mono"
          readOnly
          value={value}
          spellcheck={false}
          onFocus={(e) => e.currentTarget.select()}
        />
        <CopyButton text={value} what={label.toLowerCase()} />
      </div>
    </div>
  );
}

/** A destructive action asked twice: the first click asks, "Cancel" takes the focus. */
export function ConfirmButton(
  { label, question, confirmLabel, onConfirm, small, labelSuffix }: {
    label: string;
    question: string;
    confirmLabel: string;
    onConfirm: () => Promise<void>;
    /** A button in a table row. */
    small?: boolean;
    /** Read by screen readers after the label (which row it acts on). */
    labelSuffix?: string;
  },
) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const cancel = useRef<HTMLButtonElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const wasAsking = useRef(false);
  useEffect(() => {
    if (asking) cancel.current?.focus();
    else if (wasAsking.current) opener.current?.focus();
    wasAsking.current = asking;
  }, [asking]);
  if (!asking) {
    return (
      <button
        type="button"
        class={small ? "danger small" : "danger"}
        ref={opener}
        onClick={() => setAsking(true)}
      >
        {label}
        {labelSuffix && <span class="offscreen">{labelSuffix}</span>}
      </button>
    );
  }
  const confirm = async () => {
    setBusy(true);
    try {
      await onConfirm();
    } finally {
      setBusy(false);
      setAsking(false);
    }
  };
  return (
    <div class="confirm" role="group" aria-label={question}>
      <p>{question}</p>
      <div class="actions">
        <button type="button" class="danger" disabled={busy} onClick={confirm}>
          {busy ? "Working…" : confirmLabel}
        </button>
        <button type="button" ref={cancel} disabled={busy} onClick={() => setAsking(false)}>
          Cancel
        </button>
      </div>
    </div>
  );
}

/**
 * Loads now and then every `ms` while the tab is visible (and at once when it becomes visible
 * again); a load still running is not started twice.
 */
export function usePolling<T>(load: () => Promise<T>, ms: number) {
  const [state, setState] = useState<{ data?: T; error?: unknown; at?: Date }>({});
  const [loading, setLoading] = useState(false);
  const busy = useRef(false);
  const loader = useRef(load);
  loader.current = load;
  const refresh = useCallback(async () => {
    if (busy.current) return;
    busy.current = true;
    setLoading(true);
    try {
      const data = await loader.current();
      setState({ data, at: new Date() });
    } catch (error) {
      setState((s) => ({ ...s, error }));
    } finally {
      busy.current = false;
      setLoading(false);
    }
  }, []);
  useEffect(() => {
    refresh();
    const visible = () => document.visibilityState === "visible";
    const timer = setInterval(() => visible() && refresh(), ms);
    const onVisible = () => visible() && refresh();
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [refresh, ms]);
  return { data: state.data, error: state.error, at: state.at, loading, refresh };
}

/** One action of a form: `run` marks it busy, keeps its error for an ErrorNote, and clears both. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async (fn: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run };
}

/** Shows its children only when the token's scope allows every endpoint named. */
export function Allowed(
  { to, children }: { to: AdminEndpoint | AdminEndpoint[]; children: ComponentChildren },
) {
  const all = Array.isArray(to) ? to : [to];
  return all.every(can) ? <>{children}</> : null;
}
