/**
 * A typed client of the admin API (`/v2/<Endpoint>`), over fetch, with the bearer token the
 * operator signed in with (kept in sessionStorage: it lasts as long as the tab).
 */
import {
  ADMIN_ENDPOINTS,
  type AdminEndpoint,
  type AllowBucketKeyRequest,
  type ApiError as ApiErrorBody,
  type BucketObjectInfo,
  type CreateBucketRequest,
  type CreateKeyRequest,
  type DeleteBucketObjectsRequest,
  type DeleteBucketObjectsResponse,
  type DenyBucketKeyRequest,
  type GetAdminTokenInfoResponse,
  type GetBucketInfoResponse,
  type GetClusterHealthResponse,
  type GetClusterStatusResponse,
  type GetKeyInfoResponse,
  type ListBucketObjectsResponse,
  type ListBucketObjectVersionsResponse,
  type ListBucketsResponse,
  type ListKeysResponse,
  type PresignBucketObjectRequest,
  type PresignBucketObjectResponse,
  type RestoreBucketObjectVersionRequest,
  type RestoreBucketObjectVersionResponse,
  type UpdateKeyRequest,
} from "../../shared/admin.ts";

/** An answer other than 2xx, or no answer at all (status 0), with the API's own words. */
export class ApiError extends Error {
  constructor(
    readonly endpoint: AdminEndpoint,
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const TOKEN_KEY = "remise.adminToken";

export function loadToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function saveToken(token: string | null): void {
  try {
    if (token === null) sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // Storage disabled: the token then lives only in memory, until the page is reloaded.
  }
}

let currentToken: string | null = loadToken();
let unauthorized: (e: ApiError) => void = () => {};

/** Sets the token every call sends (null: none). */
export function setApiToken(token: string | null): void {
  currentToken = token;
}

/** What to do when the API refuses the token (the console signs out). */
export function onUnauthorized(fn: (e: ApiError) => void): void {
  unauthorized = fn;
}

/** The bearer header of the current token, for requests made without `call` (raw bytes). */
export function authorization(): Record<string, string> {
  return currentToken ? { authorization: `Bearer ${currentToken}` } : {};
}

/**
 * A refused call as an ApiError, from the answer's status and (JSON or not) text. A 401 signs
 * the operator out, unless `signIn` (the token being tried is not the one in use).
 */
export function apiError(
  endpoint: AdminEndpoint,
  status: number,
  text: string,
  signIn = false,
): ApiError {
  let code = `HTTP ${status}`;
  let message = text.trim() || "no message";
  try {
    const parsed = JSON.parse(text) as Partial<ApiErrorBody>;
    if (parsed && typeof parsed.message === "string") {
      message = parsed.message;
      if (typeof parsed.code === "string") code = parsed.code;
    }
  } catch {
    // Not JSON (e.g. a proxy's error page): keep the text as it is.
  }
  const err = new ApiError(endpoint, status, code, message);
  if (status === 401 && !signIn) unauthorized(err);
  return err;
}

type QueryValue = string | number | boolean | undefined;

interface CallOptions {
  query?: Record<string, QueryValue>;
  body?: unknown;
  /** Use this token instead of the current one (signing in), and do not sign out on a 401. */
  token?: string;
}

/** The URL of an endpoint, relative to the page so the console also works under a sub-path. */
export function endpointUrl(endpoint: AdminEndpoint, query: Record<string, QueryValue> = {}) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined) params.set(k, String(v));
  }
  const qs = params.toString();
  return `v2/${endpoint}${qs ? `?${qs}` : ""}`;
}

/** Calls one endpoint with the method ADMIN_ENDPOINTS gives it; throws ApiError on failure. */
export async function call<T>(endpoint: AdminEndpoint, opts: CallOptions = {}): Promise<T> {
  const method = ADMIN_ENDPOINTS[endpoint];
  const headers: Record<string, string> = { accept: "application/json" };
  const token = opts.token ?? currentToken;
  if (token) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (method === "POST") {
    headers["content-type"] = "application/json";
    body = JSON.stringify(opts.body ?? {});
  }
  const url = endpointUrl(endpoint, opts.query);
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, { method, headers, body, cache: "no-store", credentials: "omit" });
    text = await res.text();
  } catch (e) {
    throw new ApiError(
      endpoint,
      0,
      "NetworkError",
      `The admin API did not answer (${
        e instanceof Error ? e.message : String(e)
      }). Is the node running and reachable?`,
    );
  }
  if (!res.ok) {
    throw apiError(endpoint, res.status, text || res.statusText, opts.token !== undefined);
  }
  try {
    return (text ? JSON.parse(text) : null) as T;
  } catch {
    throw new ApiError(endpoint, res.status, "BadResponse", "The admin API answered with no JSON");
  }
}

/** One function per endpoint the console uses, typed with shared/admin.ts. */
export const api = {
  clusterStatus: (token?: string) => call<GetClusterStatusResponse>("GetClusterStatus", { token }),
  clusterHealth: () => call<GetClusterHealthResponse>("GetClusterHealth"),
  currentToken: (token?: string) =>
    call<GetAdminTokenInfoResponse>("GetCurrentAdminTokenInfo", { token }),

  listKeys: () => call<ListKeysResponse>("ListKeys"),
  keyInfo: (id: string) => call<GetKeyInfoResponse>("GetKeyInfo", { query: { id } }),
  createKey: (req: CreateKeyRequest) => call<GetKeyInfoResponse>("CreateKey", { body: req }),
  updateKey: (id: string, req: UpdateKeyRequest) =>
    call<GetKeyInfoResponse>("UpdateKey", { query: { id }, body: req }),
  deleteKey: (id: string) => call<null>("DeleteKey", { query: { id } }),

  listBuckets: () => call<ListBucketsResponse>("ListBuckets"),
  bucketInfo: (id: string) => call<GetBucketInfoResponse>("GetBucketInfo", { query: { id } }),
  createBucket: (req: CreateBucketRequest) =>
    call<GetBucketInfoResponse>("CreateBucket", { body: req }),
  deleteBucket: (id: string) => call<null>("DeleteBucket", { query: { id } }),
  allowBucketKey: (req: AllowBucketKeyRequest) =>
    call<GetBucketInfoResponse>("AllowBucketKey", { body: req }),
  denyBucketKey: (req: DenyBucketKeyRequest) =>
    call<GetBucketInfoResponse>("DenyBucketKey", { body: req }),

  listObjects: (
    q: {
      bucketId: string;
      prefix: string;
      delimiter: string;
      continuationToken?: string;
      versions?: "true";
    },
  ) => call<ListBucketObjectsResponse>("ListBucketObjects", { query: { ...q } }),
  objectVersions: (bucketId: string, key: string) =>
    call<ListBucketObjectVersionsResponse>("ListBucketObjectVersions", {
      query: { bucketId, key },
    }),
  restoreVersion: (req: RestoreBucketObjectVersionRequest) =>
    call<RestoreBucketObjectVersionResponse>("RestoreBucketObjectVersion", { body: req }),
  objectInfo: (bucketId: string, key: string, versionId?: string) =>
    call<BucketObjectInfo>("GetBucketObjectInfo", { query: { bucketId, key, versionId } }),
  deleteObjects: (req: DeleteBucketObjectsRequest) =>
    call<DeleteBucketObjectsResponse>("DeleteBucketObjects", { body: req }),
  presignObject: (req: PresignBucketObjectRequest) =>
    call<PresignBucketObjectResponse>("PresignBucketObject", { body: req }),
};
