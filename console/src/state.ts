/** The console's global state, as signals: who is signed in, and the one-off notice to show. */
import { effect, signal } from "@preact/signals";
import type { AdminEndpoint, GetAdminTokenInfoResponse } from "../../shared/admin.ts";
import { type ApiError, loadToken, onUnauthorized, saveToken, setApiToken } from "./api.ts";
import { href, type Route, route } from "./router.ts";

/** The admin token in use; null shows the sign-in screen. */
export const token = signal<string | null>(loadToken());

const WHO_KEY = "remise.tokenInfo";

function loadWho(): GetAdminTokenInfoResponse | null {
  try {
    const text = sessionStorage.getItem(WHO_KEY);
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/** What the token in use is: its name and scope (GetCurrentAdminTokenInfo at sign-in). */
export const who = signal<GetAdminTokenInfoResponse | null>(loadWho());

/**
 * Whether the token may call an endpoint: the console hides what it cannot do. Unknown (a
 * session from before scopes were kept) counts as allowed; the API still refuses.
 */
export function can(endpoint: AdminEndpoint): boolean {
  const scope = who.value?.scope;
  return !scope || scope.includes("*") || scope.includes(endpoint);
}

/** Why the operator was signed out, shown on the sign-in screen. */
export const signedOutReason = signal<string | null>(null);

export function signIn(t: string, info: GetAdminTokenInfoResponse | null = null): void {
  saveToken(t);
  setApiToken(t);
  try {
    if (info) sessionStorage.setItem(WHO_KEY, JSON.stringify(info));
    else sessionStorage.removeItem(WHO_KEY);
  } catch {
    // Storage disabled: the scope lives in memory only.
  }
  who.value = info;
  signedOutReason.value = null;
  token.value = t;
}

export function signOut(reason: string | null = null): void {
  saveToken(null);
  setApiToken(null);
  try {
    sessionStorage.removeItem(WHO_KEY);
  } catch {
    // As above.
  }
  who.value = null;
  signedOutReason.value = reason;
  token.value = null;
}

onUnauthorized((e: ApiError) => {
  signOut(`The admin API refused the token (${e.message}). Sign in again.`);
});

/** A success message for the screen `at` (e.g. after a deletion moved the operator there). */
export interface Notice {
  text: string;
  at: string;
}

export const notice = signal<Notice | null>(null);

export function noticeFor(r: Route, text: string): void {
  notice.value = { text, at: href(r) };
}

/** The notice for the current screen, if any. */
export function currentNotice(): string | null {
  const n = notice.value;
  return n && n.at === href(route.value) ? n.text : null;
}

// A notice belongs to the screen it was made for: leaving that screen drops it.
effect(() => {
  const here = href(route.value);
  const n = notice.peek();
  if (n && n.at !== here) notice.value = null;
});
