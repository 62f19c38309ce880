/**
 * Admin API tokens (fully replicated table `admin_token`), as Garage v2 keeps them: a name, an
 * expiry and a scope (the endpoints the token may call). The bearer token is `<id>.<secret>`;
 * only its SHA-256 is stored, so a copy of the database holds no usable token.
 */
import { type Lww, lww, mergeLww } from "../../table/crdt.ts";
import type { TableSchema } from "../../table/schema.ts";

export interface AdminTokenEntry {
  id: string;
  /** SHA-256 (hex) of the whole bearer token. */
  hash: string;
  created: number;
  deleted: boolean;
  name: Lww<string>;
  expiration: Lww<number | null>;
  /** Endpoint names, or "*" for all of them. */
  scope: Lww<string[]>;
}

/** A deleted token keeps only its id: its hash is gone on every replica. */
export function deletedAdminToken(id: string): AdminTokenEntry {
  return {
    id,
    hash: "",
    created: 0,
    deleted: true,
    name: lww("", 0),
    expiration: lww(null, 0),
    scope: lww([], 0),
  };
}

export const adminTokenSchema: TableSchema<AdminTokenEntry> = {
  name: "admin_token",
  replication: "full",
  partitionKey: (e) => e.id,
  sortKey: () => "",
  isTombstone: (e) => e.deleted,
  merge(a, b) {
    if (a.deleted || b.deleted) return deletedAdminToken(a.id);
    return {
      id: a.id,
      hash: a.hash || b.hash,
      created: Math.min(a.created, b.created),
      deleted: false,
      name: mergeLww(a.name, b.name),
      expiration: mergeLww(a.expiration, b.expiration),
      scope: mergeLww(a.scope, b.scope),
    };
  },
};
