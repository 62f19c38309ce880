/** Admin API tokens: created, changed, deleted, found, and a bearer token checked against them. */
import { timingSafeEqual } from "node:crypto";
import { lww, nextTimestamp } from "../../table/crdt.ts";
import { fromHex, randomHex, sha256Hex } from "../../util/ids.ts";
import { ModelError } from "../errors.ts";
import type { Model } from "../model.ts";
import { type AdminTokenEntry, deletedAdminToken } from "../tables/admin_token.ts";

export interface AdminTokenUpdate {
  name?: string;
  /** ms since the epoch; null: never expires. */
  expiration?: number | null;
  scope?: string[];
}

export function allAdminTokens(model: Model): AdminTokenEntry[] {
  return [...model.adminTokens.store.cached()].filter((t) => !t.deleted);
}

export function getAdminToken(model: Model, id: string): AdminTokenEntry | undefined {
  const t = model.adminTokens.store.getCached(id, "");
  return t && !t.deleted ? t : undefined;
}

export function isExpiredToken(t: AdminTokenEntry, now = Date.now()): boolean {
  const exp = t.expiration.v;
  return exp !== null && exp <= now;
}

/** Tokens whose id starts with `search` or whose name is `search` (case aside), as Garage finds them. */
export function findAdminTokens(model: Model, search: string): AdminTokenEntry[] {
  const s = search.toLowerCase();
  return allAdminTokens(model).filter((t) => t.id.startsWith(s) || t.name.v.toLowerCase() === s);
}

/** A new token; its bearer string is answered here once and kept nowhere. */
export async function createAdminToken(
  model: Model,
  u: AdminTokenUpdate,
): Promise<{ token: AdminTokenEntry; bearer: string }> {
  const id = randomHex(12);
  const bearer = `${id}.${
    crypto.getRandomValues(new Uint8Array(32)).toBase64({
      alphabet: "base64url",
      omitPadding: true,
    })
  }`;
  const token: AdminTokenEntry = {
    id,
    hash: sha256Hex(bearer),
    created: Date.now(),
    deleted: false,
    name: lww(u.name ?? "Unnamed token"),
    expiration: lww(u.expiration ?? null),
    scope: lww(u.scope ?? ["*"]),
  };
  await model.adminTokens.insert(token);
  return { token, bearer };
}

export async function updateAdminToken(
  model: Model,
  id: string,
  u: AdminTokenUpdate,
): Promise<AdminTokenEntry> {
  const t = getAdminToken(model, id);
  if (!t) throw new ModelError("noSuchKey", `Admin token ${id} does not exist`);
  const next: AdminTokenEntry = { ...t };
  if (u.name !== undefined) next.name = lww(u.name, nextTimestamp(t.name));
  if (u.expiration !== undefined) next.expiration = lww(u.expiration, nextTimestamp(t.expiration));
  if (u.scope !== undefined) next.scope = lww(u.scope, nextTimestamp(t.scope));
  await model.adminTokens.insert(next);
  return getAdminToken(model, id)!;
}

export async function deleteAdminToken(model: Model, id: string): Promise<void> {
  if (!getAdminToken(model, id)) {
    throw new ModelError("noSuchKey", `Admin token ${id} does not exist`);
  }
  await model.adminTokens.insert(deletedAdminToken(id));
}

/**
 * The live token a bearer string is (`<id>.<secret>`, its hash compared in constant time), or
 * undefined: unknown, deleted, or not this token's secret. Expiry and scope are the caller's.
 */
export function tokenOfBearer(model: Model, bearer: string): AdminTokenEntry | undefined {
  const dot = bearer.indexOf(".");
  if (dot <= 0) return undefined;
  const t = getAdminToken(model, bearer.slice(0, dot));
  if (!t) return undefined;
  return timingSafeEqual(fromHex(sha256Hex(bearer)), fromHex(t.hash)) ? t : undefined;
}
