/** ListKeys, GetKeyInfo, CreateKey, ImportKey, UpdateKey, DeleteKey. */
import type {
  GetKeyInfoResponse,
  KeyInfoBucketResponse,
  ListKeysResponse,
} from "../../shared/admin.ts";
import {
  allKeys,
  getBucket,
  getKey,
  globalAliases,
  keyBuckets,
} from "../model/buckets/bucket_ops.ts";
import { ModelError } from "../model/errors.ts";
import type { KeyEntry } from "../model/tables/key.ts";
import {
  createKey,
  deleteKey,
  findKeys,
  importKey,
  type KeyUpdate,
  updateKey,
} from "../model/buckets/key_ops.ts";
import type { Model } from "../model/model.ts";
import { hasAny, NO_PERMISSION } from "../model/tables/permission.ts";
import type { Call, EndpointDef } from "./context.ts";
import { AdminError, badRequest } from "./errors.ts";
import { bodyFields, type Fields, parseDateTime } from "./validate.ts";
import { lookupOne } from "./lookup.ts";

const iso = (ms: number | null | undefined) => ms ? new Date(ms).toISOString() : null;

function isExpired(k: KeyEntry, now = Date.now()): boolean {
  const exp = k.expiration?.v ?? null;
  return exp !== null && exp <= now;
}

export function noSuchKey(what: string): AdminError {
  return new AdminError(404, "NoSuchAccessKey", `Access key not found: ${what}`);
}

export function keyInfo(model: Model, k: KeyEntry, showSecret: boolean): GetKeyInfoResponse {
  const perms = keyBuckets(k);
  const aliasTargets = Object.values(k.localAliases).map((a) => a.v).filter((v) => v !== null);
  const ids = new Set([
    ...Object.keys(perms).filter((id) => hasAny(perms[id])),
    ...aliasTargets as string[],
  ]);
  const buckets: KeyInfoBucketResponse[] = [];
  for (const id of [...ids].sort()) {
    const b = getBucket(model, id);
    if (!b) continue;
    buckets.push({
      id,
      globalAliases: globalAliases(b),
      localAliases: Object.entries(k.localAliases).filter(([, a]) => a.v === id).map(([n]) => n)
        .sort(),
      permissions: { ...NO_PERMISSION, ...perms[id] },
    });
  }
  const info: GetKeyInfoResponse = {
    accessKeyId: k.id,
    created: iso(k.created),
    name: k.name.v,
    expiration: iso(k.expiration?.v),
    expired: isExpired(k),
    permissions: { createBucket: k.allowCreateBucket.v },
    buckets,
  };
  if (showSecret) info.secretAccessKey = k.secret;
  return info;
}

function listKeys({ deps }: Call): ListKeysResponse {
  const now = Date.now();
  return allKeys(deps.model)
    .sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : 1))
    .map((k) => ({
      id: k.id,
      name: k.name.v,
      created: iso(k.created),
      expiration: iso(k.expiration?.v),
      expired: isExpired(k, now),
    }));
}

/** The key named by `?id=` (exact) or `?search=` (id prefix or name, exactly one match). */
export function lookupKey(
  model: Model,
  id: string | undefined,
  search: string | undefined,
): KeyEntry {
  return lookupOne(
    {
      get: (k) => getKey(model, k),
      find: (s) => findKeys(model, s),
      notFound: noSuchKey,
      label: (k) => `${k.id} (${k.name.v})`,
      kind: "key",
    },
    id,
    search,
  );
}

function getKeyInfo({ deps, query }: Call): GetKeyInfoResponse {
  const k = lookupKey(deps.model, query.get("id"), query.get("search"));
  return keyInfo(deps.model, k, query.bool("showSecretKey"));
}

const UPDATE_FIELDS = ["name", "expiration", "neverExpires", "allow", "deny"] as const;

/** The UpdateKeyRequestBody fields (also CreateKey's body). */
export function parseKeyUpdate(f: Fields): KeyUpdate {
  const u: KeyUpdate = {};
  const name = f.optStr("name");
  if (name !== undefined) u.name = name;
  const exp = f.optStr("expiration");
  const never = f.optBool("neverExpires") ?? false;
  if (exp !== undefined && never) {
    throw badRequest("cannot specify `expiration` and `neverExpires`");
  }
  if (exp !== undefined) u.expiration = parseDateTime(exp, "expiration");
  if (never) u.expiration = null;
  const allow = f.optObj("allow", ["createBucket"])?.optBool("createBucket") ?? false;
  const deny = f.optObj("deny", ["createBucket"])?.optBool("createBucket") ?? false;
  if (allow && deny) throw badRequest("cannot both allow and deny `createBucket`");
  if (allow) u.allowCreateBucket = true;
  if (deny) u.allowCreateBucket = false;
  return u;
}

async function createKeyEndpoint({ deps, body }: Call): Promise<GetKeyInfoResponse> {
  const u = parseKeyUpdate(bodyFields(body, UPDATE_FIELDS, true));
  const k = await createKey(deps.model, u.name ?? "Unnamed key");
  const { name: _, ...rest } = u;
  const final = Object.keys(rest).length ? await updateKey(deps.model, k.id, rest) : k;
  return keyInfo(deps.model, final, true);
}

async function importKeyEndpoint({ deps, body }: Call): Promise<GetKeyInfoResponse> {
  const f = bodyFields(body, ["accessKeyId", "secretAccessKey", "name"]);
  const id = f.str("accessKeyId");
  const secret = f.str("secretAccessKey");
  const name = f.optStr("name") ?? "Imported key";
  try {
    return keyInfo(deps.model, await importKey(deps.model, id, secret, name), false);
  } catch (e) {
    if (e instanceof ModelError && e.kind === "aliasTaken") {
      throw new AdminError(
        409,
        "KeyAlreadyExists",
        `Key ${id} already exists in data store. Even if it is deleted, a new key cannot reuse its id.`,
      );
    }
    throw e;
  }
}

async function updateKeyEndpoint({ deps, query, body }: Call): Promise<GetKeyInfoResponse> {
  const id = query.required("id", "the access key id");
  const u = parseKeyUpdate(bodyFields(body, UPDATE_FIELDS));
  if (!getKey(deps.model, id)) throw noSuchKey(id);
  return keyInfo(deps.model, await updateKey(deps.model, id, u), false);
}

async function deleteKeyEndpoint({ deps, query }: Call): Promise<null> {
  const id = query.required("id", "the access key id");
  if (!getKey(deps.model, id)) throw noSuchKey(id);
  await deleteKey(deps.model, id);
  return null;
}

export const keyEndpoints: Record<string, EndpointDef> = {
  ListKeys: { query: [], run: listKeys },
  GetKeyInfo: { query: ["id", "search", "showSecretKey"], run: getKeyInfo },
  CreateKey: { query: [], run: createKeyEndpoint },
  ImportKey: { query: [], run: importKeyEndpoint },
  UpdateKey: { query: ["id"], run: updateKeyEndpoint },
  DeleteKey: { query: ["id"], run: deleteKeyEndpoint },
};
