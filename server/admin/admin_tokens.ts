/**
 * ListAdminTokens, GetAdminTokenInfo, CreateAdminToken, UpdateAdminToken, DeleteAdminToken, as
 * Garage v2 has them, and GetCurrentAdminTokenInfo (Garage v2.1): tokens with a name, an expiry
 * and a scope, kept in the cluster's tables. The configuration's `admin_token` stays the root.
 */
import {
  ADMIN_ENDPOINTS,
  type CreateAdminTokenResponse,
  type GetAdminTokenInfoResponse,
  type ListAdminTokensResponse,
} from "../../shared/admin.ts";
import {
  type AdminTokenUpdate,
  allAdminTokens,
  createAdminToken,
  deleteAdminToken,
  findAdminTokens,
  getAdminToken,
  isExpiredToken,
  updateAdminToken,
} from "../model/tokens/admin_tokens.ts";
import type { AdminTokenEntry } from "../model/tables/admin_token.ts";
import type { Model } from "../model/model.ts";
import type { Call, EndpointDef } from "./context.ts";
import { AdminError, badRequest } from "./errors.ts";
import { bodyFields, type Fields, parseDateTime } from "./validate.ts";
import { lookupOne } from "./lookup.ts";

const iso = (ms: number | null) => ms === null ? null : new Date(ms).toISOString();

/** What the configuration's token is shown as (Garage lists it the same way). */
export const ROOT_TOKEN_INFO: GetAdminTokenInfoResponse = {
  id: null,
  created: null,
  name: "admin_token (from the configuration)",
  expiration: null,
  expired: false,
  scope: ["*"],
};

export function tokenInfo(t: AdminTokenEntry, now = Date.now()): GetAdminTokenInfoResponse {
  return {
    id: t.id,
    created: iso(t.created),
    name: t.name.v,
    expiration: iso(t.expiration.v),
    expired: isExpiredToken(t, now),
    scope: [...t.scope.v],
  };
}

function noSuchToken(what: string): AdminError {
  return new AdminError(404, "NoSuchAdminToken", `Admin token not found: ${what}`);
}

function lookupToken(model: Model, id?: string, search?: string): AdminTokenEntry {
  return lookupOne(
    {
      get: (t) => getAdminToken(model, t),
      find: (s) => findAdminTokens(model, s),
      notFound: noSuchToken,
      label: (t) => `${t.id} (${t.name.v})`,
      kind: "token",
    },
    id,
    search,
  );
}

const FIELDS = ["name", "expiration", "neverExpires", "scope"] as const;

function parseUpdate(f: Fields): AdminTokenUpdate {
  const u: AdminTokenUpdate = {};
  const name = f.optStr("name");
  if (name !== undefined) {
    if (!name.trim()) throw badRequest("`name` must not be empty");
    u.name = name;
  }
  const exp = f.optStr("expiration");
  const never = f.optBool("neverExpires") ?? false;
  if (exp !== undefined && never) {
    throw badRequest("cannot specify `expiration` and `neverExpires`");
  }
  if (exp !== undefined) u.expiration = parseDateTime(exp, "expiration");
  if (never) u.expiration = null;
  const scope = f.optStrings("scope");
  if (scope !== undefined) {
    const unknown = scope.filter((s) => s !== "*" && !(s in ADMIN_ENDPOINTS) && s !== "Metrics");
    if (unknown.length) {
      throw badRequest(
        `\`scope\` names no such endpoint: ${
          unknown.join(", ")
        } (give endpoint names such as GetClusterStatus, or "*")`,
      );
    }
    u.scope = [...new Set(scope)];
  }
  return u;
}

function listTokens({ deps }: Call): ListAdminTokensResponse {
  const now = Date.now();
  return [
    ROOT_TOKEN_INFO,
    ...allAdminTokens(deps.model)
      .sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : 1))
      .map((t) => tokenInfo(t, now)),
  ];
}

function getTokenInfo({ deps, query }: Call): GetAdminTokenInfoResponse {
  return tokenInfo(lookupToken(deps.model, query.get("id"), query.get("search")));
}

function currentTokenInfo({ deps, caller }: Call): GetAdminTokenInfoResponse {
  if (caller === "root") return ROOT_TOKEN_INFO;
  const t = getAdminToken(deps.model, caller.id);
  if (!t) throw noSuchToken(caller.id);
  return tokenInfo(t);
}

async function createToken({ deps, body }: Call): Promise<CreateAdminTokenResponse> {
  const u = parseUpdate(bodyFields(body, FIELDS, true));
  const { token, bearer } = await createAdminToken(deps.model, u);
  return { ...tokenInfo(token), secretToken: bearer };
}

async function updateToken({ deps, query, body }: Call): Promise<GetAdminTokenInfoResponse> {
  const id = query.required("id", "the admin token's id");
  const u = parseUpdate(bodyFields(body, FIELDS));
  if (!getAdminToken(deps.model, id)) throw noSuchToken(id);
  return tokenInfo(await updateAdminToken(deps.model, id, u));
}

async function deleteToken({ deps, query }: Call): Promise<null> {
  const id = query.required("id", "the admin token's id");
  if (!getAdminToken(deps.model, id)) throw noSuchToken(id);
  await deleteAdminToken(deps.model, id);
  return null;
}

export const adminTokenEndpoints: Record<string, EndpointDef> = {
  ListAdminTokens: { query: [], run: listTokens },
  GetAdminTokenInfo: { query: ["id", "search"], run: getTokenInfo },
  GetCurrentAdminTokenInfo: { query: [], run: currentTokenInfo },
  CreateAdminToken: { query: [], run: createToken },
  UpdateAdminToken: { query: ["id"], run: updateToken },
  DeleteAdminToken: { query: ["id"], run: deleteToken },
};
