/**
 * ListBuckets, GetBucketInfo, CreateBucket, UpdateBucket, DeleteBucket, the alias endpoints
 * and AllowBucketKey / DenyBucketKey.
 */
import {
  type DefaultRetention,
  type LockConfig,
  lockConfigOf,
  setLockConfig,
  setVersioning,
  versioningOf,
} from "../model/buckets/protection.ts";
import type {
  ApiObjectLock,
  GetBucketInfoKey,
  GetBucketInfoResponse,
  ListBucketsResponse,
} from "../../shared/admin.ts";
import type { BucketEntry, Quotas } from "../model/tables/bucket.ts";
import type { WebsiteConfig } from "../model/buckets/website.ts";
import {
  addGlobalAlias,
  addLocalAlias,
  allBuckets,
  bucketPermissions,
  createBucket,
  type CreateBucketOptions,
  deleteBucket,
  getBucket,
  getKey,
  globalAliases,
  globalAliasTarget,
  localAliases,
  permissionOf,
  removeGlobalAlias,
  removeLocalAlias,
  setPermission,
} from "../model/buckets/bucket_ops.ts";
import type { Model } from "../model/model.ts";
import { accessInfo, updateAccess } from "./bucket_access.ts";
import { DOCUMENT_FIELDS, updateDocuments } from "./bucket_documents.ts";
import { isPublicBucket } from "../model/buckets/access.ts";
import { NO_PERMISSION, unionPermission, withoutPermission } from "../model/tables/permission.ts";
import { lww, nextTimestamp } from "../table/crdt.ts";
import type { AdminDeps, Call, EndpointDef } from "./context.ts";
import { AdminError, badRequest } from "./errors.ts";
import { noSuchKey } from "./keys.ts";
import { bucketStats } from "../model/buckets/bucket_stats.ts";
import { uploadStats } from "./stats.ts";
import { bodyFields, type Fields, HEX64 } from "./validate.ts";

export function noSuchBucket(what: string): AdminError {
  return new AdminError(404, "NoSuchBucket", `Bucket not found: ${what}`);
}

function parseBucketId(id: string, field = "id"): string {
  const v = id.toLowerCase();
  if (!HEX64.test(v)) {
    throw badRequest(`Invalid bucket id "${id}" in \`${field}\`: a bucket id is 64 hex digits`);
  }
  return v;
}

export function existingBucket(model: Model, id: string, field = "id"): BucketEntry {
  const b = getBucket(model, parseBucketId(id, field));
  if (!b) throw noSuchBucket(id);
  return b;
}

export function existingKey(model: Model, id: string) {
  const k = getKey(model, id);
  if (!k) throw noSuchKey(id);
  return k;
}

export async function bucketInfo(deps: AdminDeps, b: BucketEntry): Promise<GetBucketInfoResponse> {
  const { model, sys } = deps;
  const perms = bucketPermissions(b);
  const locals = localAliases(b);
  const keyIds = new Set([...Object.keys(perms), ...locals.map((l) => l.keyId)]);
  const keys: GetBucketInfoKey[] = [];
  for (const id of [...keyIds].sort()) {
    const k = getKey(model, id);
    if (!k) continue;
    keys.push({
      accessKeyId: id,
      name: k.name.v,
      permissions: permissionOf(k, b.id),
      bucketLocalAliases: locals.filter((l) => l.keyId === id).map((l) => l.alias).sort(),
    });
  }
  const [stats, uploads] = await Promise.all([bucketStats(sys, b.id), uploadStats(model, b.id)]);
  const website = b.website.v;
  return {
    id: b.id,
    created: new Date(b.created).toISOString(),
    globalAliases: globalAliases(b),
    websiteAccess: website !== null,
    websiteConfig: website
      ? { indexDocument: website.indexDocument, errorDocument: website.errorDocument }
      : null,
    keys,
    objects: stats.objects,
    bytes: stats.bytes,
    unfinishedUploads: uploads.uploads,
    unfinishedMultipartUploads: uploads.uploads,
    unfinishedMultipartUploadParts: uploads.parts,
    unfinishedMultipartUploadBytes: uploads.bytes,
    quotas: { maxSize: b.quotas.v.maxSize, maxObjects: b.quotas.v.maxObjects },
    versioning: versioningOf(b) ?? null,
    objectLock: lockInfo(lockConfigOf(b)),
    access: accessInfo(b, deps.sys.config.s3Api.publicAccessBlock),
  };
}

function lockInfo(c: LockConfig | undefined): ApiObjectLock | null {
  if (!c) return null;
  const r = c.rule;
  return {
    defaultRetention: r ? { mode: r.mode, days: r.days ?? null, years: r.years ?? null } : null,
  };
}

function parseDefaultRetention(f: Fields | undefined): DefaultRetention | undefined {
  if (!f) return undefined;
  const mode = f.str("mode");
  if (mode !== "GOVERNANCE" && mode !== "COMPLIANCE") {
    throw badRequest(`defaultRetention.mode must be GOVERNANCE or COMPLIANCE, not ${mode}.`);
  }
  const days = f.intOrNull("days", 1), years = f.intOrNull("years", 1);
  if ((days === null) === (years === null)) {
    throw badRequest("defaultRetention has either days or years.");
  }
  return days !== null ? { mode, days } : { mode, years: years! };
}

function listBuckets({ deps }: Call): ListBucketsResponse {
  return allBuckets(deps.model)
    .sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : 1))
    .map((b) => ({
      id: b.id,
      created: new Date(b.created).toISOString(),
      globalAliases: globalAliases(b),
      localAliases: localAliases(b).map((l) => ({ accessKeyId: l.keyId, alias: l.alias })),
      isPublic: isPublicBucket(b, deps.sys.config.s3Api.publicAccessBlock),
    }));
}

/** `?search=`: a global alias, else a unique bucket id prefix (as Garage's CLI patterns). */
export function searchBucket(model: Model, search: string): BucketEntry {
  const target = globalAliasTarget(model, search);
  const byAlias = target ? getBucket(model, target) : undefined;
  if (byAlias) return byAlias;
  const prefix = search.toLowerCase();
  const found = /^[0-9a-f]{2,64}$/.test(prefix)
    ? allBuckets(model).filter((b) => b.id.startsWith(prefix))
    : [];
  if (found.length === 0) {
    throw noSuchBucket(`no bucket has the global alias or id prefix "${search}"`);
  }
  if (found.length > 1) {
    throw badRequest(`Several buckets match "${search}": give more digits of the id`);
  }
  return found[0];
}

async function getBucketInfo({ deps, query }: Call): Promise<GetBucketInfoResponse> {
  const id = query.get("id");
  const alias = query.get("globalAlias");
  const search = query.get("search");
  const given = [id, alias, search].filter((x) => x !== undefined).length;
  if (given !== 1) {
    throw badRequest("Either id, globalAlias or search must be provided (but not several of them)");
  }
  let b: BucketEntry;
  if (id !== undefined) b = existingBucket(deps.model, id);
  else if (alias !== undefined) {
    const target = globalAliasTarget(deps.model, alias);
    const found = target ? getBucket(deps.model, target) : undefined;
    if (!found) throw noSuchBucket(alias);
    b = found;
  } else b = searchBucket(deps.model, search!);
  return await bucketInfo(deps, b);
}

function parsePerm(f: Fields | undefined) {
  return {
    read: f?.optBool("read") ?? false,
    write: f?.optBool("write") ?? false,
    owner: f?.optBool("owner") ?? false,
  };
}

const PERM_FIELDS = ["read", "write", "owner"];

async function createBucketEndpoint({ deps, body }: Call): Promise<GetBucketInfoResponse> {
  const f = bodyFields(body, ["globalAlias", "localAlias"], true);
  const opts: CreateBucketOptions = {};
  const ga = f.optStr("globalAlias");
  if (ga !== undefined) opts.globalAlias = ga;
  const la = f.optObj("localAlias", ["accessKeyId", "alias", "allow"]);
  if (la) {
    opts.localAlias = {
      keyId: la.str("accessKeyId"),
      alias: la.str("alias"),
      allow: parsePerm(la.optObj("allow", PERM_FIELDS)),
    };
    existingKey(deps.model, opts.localAlias.keyId);
  }
  const b = await createBucket(deps.model, opts);
  return await bucketInfo(deps, b);
}

async function updateBucketEndpoint({ deps, query, body }: Call): Promise<GetBucketInfoResponse> {
  const b = existingBucket(deps.model, query.required("id", "the bucket id"));
  const f = bodyFields(body, [
    "websiteAccess",
    "quotas",
    "versioning",
    "objectLock",
    "policy",
    "publicAccessBlock",
    "acl",
    ...DOCUMENT_FIELDS,
  ]);
  const next: BucketEntry = { ...b };
  const wa = f.optObj("websiteAccess", ["enabled", "indexDocument", "errorDocument"]);
  if (wa) {
    let cfg: WebsiteConfig | null = null;
    if (wa.bool("enabled")) {
      const indexDocument = wa.optStr("indexDocument", { nonEmpty: true });
      if (indexDocument === undefined) {
        throw badRequest(
          'Please specify indexDocument when enabling website access (e.g. "index.html").',
        );
      }
      cfg = {
        indexDocument,
        errorDocument: wa.optStr("errorDocument", { nonEmpty: true }) ?? null,
      };
      // Routing rules come with a whole WebsiteConfiguration (S3, or websiteConfiguration here):
      // changing the documents keeps them.
      const rules = b.website.v?.routingRules;
      if (rules) cfg.routingRules = rules;
    } else if (wa.has("indexDocument") || wa.has("errorDocument")) {
      throw badRequest(
        "Cannot specify indexDocument or errorDocument when disabling website access.",
      );
    }
    next.website = lww(cfg, nextTimestamp(b.website));
  }
  const q = f.optObj("quotas", ["maxSize", "maxObjects"]);
  if (q) {
    const quotas: Quotas = {
      maxSize: q.intOrNull("maxSize"),
      maxObjects: q.intOrNull("maxObjects"),
    };
    next.quotas = lww(quotas, nextTimestamp(b.quotas));
  }
  if (wa || q) await deps.model.buckets.insert(next);
  const versioning = f.optStr("versioning");
  if (versioning !== undefined) {
    if (versioning !== "Enabled" && versioning !== "Suspended") {
      throw badRequest(`versioning must be Enabled or Suspended, not ${versioning}.`);
    }
    await setVersioning(deps.model, getBucket(deps.model, b.id)!, versioning);
  }
  const lock = f.optObj("objectLock", ["defaultRetention"]);
  if (lock) {
    const rule = parseDefaultRetention(lock.optObj("defaultRetention", ["mode", "days", "years"]));
    await setLockConfig(
      deps.model,
      getBucket(deps.model, b.id)!,
      rule ? { enabled: true, rule } : { enabled: true },
    );
  }
  await updateDocuments(deps, b.id, f);
  await updateAccess(deps, b.id, f);
  return await bucketInfo(deps, getBucket(deps.model, b.id)!);
}

async function deleteBucketEndpoint({ deps, query }: Call): Promise<null> {
  const b = existingBucket(deps.model, query.required("id", "the bucket id"));
  await deleteBucket(deps.model, b.id);
  return null;
}

type AliasChange =
  | { bucket: BucketEntry; global: string }
  | { bucket: BucketEntry; local: string; keyId: string };

function parseAlias(model: Model, body: unknown): AliasChange {
  const f = bodyFields(body, ["bucketId", "globalAlias", "localAlias", "accessKeyId"]);
  const bucket = existingBucket(model, f.str("bucketId"), "bucketId");
  const global = f.optStr("globalAlias");
  const local = f.optStr("localAlias");
  if ((global === undefined) === (local === undefined)) {
    throw badRequest(
      "Give either `globalAlias`, or `localAlias` with `accessKeyId` (but not both)",
    );
  }
  if (global !== undefined) {
    if (f.has("accessKeyId")) {
      throw badRequest("`accessKeyId` goes with `localAlias`, not with `globalAlias`");
    }
    return { bucket, global };
  }
  const keyId = f.str("accessKeyId");
  existingKey(model, keyId);
  return { bucket, local: local!, keyId };
}

async function addAlias({ deps, body }: Call): Promise<GetBucketInfoResponse> {
  const c = parseAlias(deps.model, body);
  if ("global" in c) await addGlobalAlias(deps.model, c.bucket.id, c.global);
  else await addLocalAlias(deps.model, c.bucket.id, c.keyId, c.local);
  return await bucketInfo(deps, getBucket(deps.model, c.bucket.id)!);
}

async function removeAlias({ deps, body }: Call): Promise<GetBucketInfoResponse> {
  const c = parseAlias(deps.model, body);
  const b = c.bucket;
  const globals = globalAliases(b);
  const locals = localAliases(b);
  if ("global" in c) {
    if (!globals.includes(c.global)) {
      throw badRequest(`Bucket ${b.id} has no global alias "${c.global}"`);
    }
  } else if (!locals.some((l) => l.keyId === c.keyId && l.alias === c.local)) {
    throw badRequest(`Bucket ${b.id} has no alias "${c.local}" in the namespace of key ${c.keyId}`);
  }
  if (globals.length + locals.length <= 1) {
    const name = "global" in c ? c.global : c.local;
    throw badRequest(
      `Bucket ${name} doesn't have other aliases, please delete it instead of just unaliasing.`,
    );
  }
  if ("global" in c) await removeGlobalAlias(deps.model, b.id, c.global);
  else await removeLocalAlias(deps.model, b.id, c.keyId, c.local);
  return await bucketInfo(deps, getBucket(deps.model, b.id)!);
}

async function changePermission(
  { deps, body }: Call,
  allow: boolean,
): Promise<GetBucketInfoResponse> {
  const f = bodyFields(body, ["bucketId", "accessKeyId", "permissions"]);
  const b = existingBucket(deps.model, f.str("bucketId"), "bucketId");
  const k = existingKey(deps.model, f.str("accessKeyId"));
  const change = parsePerm(f.obj("permissions", PERM_FIELDS));
  const current = { ...NO_PERMISSION, ...permissionOf(k, b.id) };
  const next = allow ? unionPermission(current, change) : withoutPermission(current, change);
  await setPermission(deps.model, b.id, k.id, next);
  return await bucketInfo(deps, getBucket(deps.model, b.id)!);
}

export const bucketEndpoints: Record<string, EndpointDef> = {
  ListBuckets: { query: [], run: listBuckets },
  GetBucketInfo: { query: ["id", "globalAlias", "search"], run: getBucketInfo },
  CreateBucket: { query: [], run: createBucketEndpoint },
  UpdateBucket: { query: ["id"], run: updateBucketEndpoint },
  DeleteBucket: { query: ["id"], run: deleteBucketEndpoint },
  AddBucketAlias: { query: [], run: addAlias },
  RemoveBucketAlias: { query: [], run: removeAlias },
  AllowBucketKey: { query: [], run: (c) => changePermission(c, true) },
  DenyBucketKey: { query: [], run: (c) => changePermission(c, false) },
};
