/**
 * The admin API schema, shared by the server, the command line and the browser console.
 * Names and JSON fields follow Garage's admin API v2 (doc/api/garage-admin-v2.json) so that
 * its clients and habits carry over. Pure types and constants: no Deno or server imports.
 */

/** Every endpoint is `/v2/<name>`; this is the HTTP method each one answers to. */
export const ADMIN_ENDPOINTS = {
  GetClusterStatus: "GET",
  GetClusterHealth: "GET",
  ConnectClusterNodes: "POST",
  GetClusterLayout: "GET",
  GetClusterLayoutHistory: "GET",
  UpdateClusterLayout: "POST",
  PreviewClusterLayoutChanges: "POST",
  ApplyClusterLayout: "POST",
  RevertClusterLayout: "POST",
  ListKeys: "GET",
  GetKeyInfo: "GET",
  CreateKey: "POST",
  ImportKey: "POST",
  UpdateKey: "POST",
  DeleteKey: "POST",
  ListBuckets: "GET",
  GetBucketInfo: "GET",
  CreateBucket: "POST",
  UpdateBucket: "POST",
  DeleteBucket: "POST",
  AddBucketAlias: "POST",
  RemoveBucketAlias: "POST",
  AllowBucketKey: "POST",
  DenyBucketKey: "POST",
  GetNodeInfo: "GET",
  GetNodeStatistics: "GET",
  GetClusterStatistics: "GET",
  ListWorkers: "POST",
  LaunchRepairOperation: "POST",
  ListBlockErrors: "GET",
  RetryBlockResync: "POST",
  ListBucketObjects: "GET",
  GetBucketObject: "GET",
  PutBucketObject: "PUT",
  CreateBucketUpload: "POST",
  PutBucketUploadPart: "PUT",
  CompleteBucketUpload: "POST",
  AbortBucketUpload: "POST",
  DeleteBucketObjects: "POST",
  PresignBucketObject: "POST",
  ListBucketObjectVersions: "GET",
  RestoreBucketObjectVersion: "POST",
  GetBucketObjectInfo: "GET",
  ListAdminTokens: "GET",
  GetAdminTokenInfo: "GET",
  GetCurrentAdminTokenInfo: "GET",
  CreateAdminToken: "POST",
  UpdateAdminToken: "POST",
  DeleteAdminToken: "POST",
  CleanupIncompleteUploads: "POST",
  GetWorkerInfo: "POST",
  GetWorkerVariable: "POST",
  SetWorkerVariable: "POST",
  GetBlockInfo: "POST",
  PurgeBlocks: "POST",
  InspectObject: "GET",
  CreateMetadataSnapshot: "POST",
  ClusterLayoutSkipDeadNodes: "POST",
  ForgetClusterNode: "POST",
  GetNodeUsage: "GET",
  ListRecentErrors: "GET",
  GetBucketDocuments: "GET",
} as const;

export type AdminEndpoint = keyof typeof ADMIN_ENDPOINTS;

/** Garage's error JSON. */
export interface ApiError {
  code: string;
  message: string;
  region?: string;
  path?: string;
}

/** RFC 3339 date-time string, as Garage serializes `DateTime<Utc>`. */
export type DateTime = string;

// ---- Cluster ----

export interface NodeAssignedRole {
  zone: string;
  tags: string[];
  /** Bytes; null for a gateway node. */
  capacity: number | null;
}

export interface FreeSpaceResp {
  available: number;
  total: number;
  /** Remise extension: bytes kept free; with less available, the node refuses new data. */
  reserve?: number;
}

export interface NodeResp {
  id: string;
  garageVersion: string | null;
  addr: string | null;
  hostname: string | null;
  isUp: boolean;
  lastSeenSecsAgo: number | null;
  role: NodeAssignedRole | null;
  draining: boolean;
  dataPartition?: FreeSpaceResp;
  metadataPartition?: FreeSpaceResp;
}

export interface GetClusterStatusResponse {
  layoutVersion: number;
  nodes: NodeResp[];
}

/** ConnectClusterNodes takes `<node id>@<host:port>` strings; one result per string. */
export type ConnectClusterNodesRequest = string[];

export interface ConnectNodeResponse {
  success: boolean;
  error: string | null;
}

export type ConnectClusterNodesResponse = ConnectNodeResponse[];

export type ClusterHealthStatus = "healthy" | "degraded" | "unavailable";

export interface GetClusterHealthResponse {
  status: ClusterHealthStatus;
  knownNodes: number;
  connectedNodes: number;
  storageNodes: number;
  storageNodesOk: number;
  partitions: number;
  partitionsQuorum: number;
  partitionsAllOk: number;
}

export interface LocalGetNodeInfoResponse {
  nodeId: string;
  garageVersion: string;
  garageFeatures: string[] | null;
  rustVersion: string;
  dbEngine: string;
  /** Remise extension: this node's disks, and the one in its reserve (new data refused). */
  dataPartition?: FreeSpaceResp;
  metadataPartition?: FreeSpaceResp;
  diskFull?: "data" | "metadata" | null;
  /**
   * Remise extension: where this node serves S3 (its listening address, so 0.0.0.0 when it
   * listens on every interface) and the region clients sign for.
   */
  s3Api?: { url: string; region: string } | null;
}

/** Answer of the per-node endpoints (`?node=self|*|<id>`). */
export interface MultiResponse<T> {
  success: Record<string, T>;
  error: Record<string, string>;
}

export type GetNodeInfoResponse = MultiResponse<LocalGetNodeInfoResponse>;

export interface LocalGetNodeStatisticsResponse {
  /** Human-readable report (tables, blocks, queues), as Garage gives it. */
  freeform: string;
  /** Remise extension: the same table figures, structured. */
  tables: TableStatsResp[];
}

export interface TableStatsResp {
  name: string;
  /** Entries stored on this node, tombstones included. */
  entries: number;
  /** Tombstones waiting for garbage collection (sharded tables). */
  gcTodo: number;
}

export type GetNodeStatisticsResponse = MultiResponse<LocalGetNodeStatisticsResponse>;

export interface GetClusterStatisticsResponse {
  freeform: string;
}

// ---- Workers and repairs ----

export interface LocalListWorkersRequest {
  busyOnly?: boolean;
  errorOnly?: boolean;
}

export type WorkerStateResp = "busy" | "idle" | "done" | "paused";

export interface WorkerInfoResp {
  id: number;
  name: string;
  state: WorkerStateResp;
  errors: number;
  consecutiveErrors: number;
  lastError: { message: string; secsAgo: number } | null;
  tranquility: number | null;
  /** How far a long operation is, in words (e.g. "1200/5000 blocks (24%)"). */
  progress: string | null;
  queueLength: number | null;
  persistentErrors: number | null;
  freeform: string[];
}

export type ListWorkersResponse = MultiResponse<WorkerInfoResp[]>;

/** Remise: where a node put its snapshot (Garage answers null). */
export interface LocalCreateMetadataSnapshotResponse {
  path: string;
  created: DateTime;
  bytes: number;
}

export type CreateMetadataSnapshotResponse = MultiResponse<LocalCreateMetadataSnapshotResponse>;

/**
 * Remise: a node's usage over time, sampled every `intervalMs` (the newest last; about 2 hours
 * kept). Counters run from the node's start: differences between samples are rates.
 */
export interface LocalGetNodeUsageResponse {
  intervalMs: number;
  samples: {
    at: number;
    requests: number;
    errors: number;
    bytesIn: number;
    bytesOut: number;
    /** The buckets whose counters this node holds (its partitions), by id. */
    buckets: Record<string, { objects: number; bytes: number }>;
    /** S3 requests and errors this node answered for each bucket since it started, by id. */
    bucketRequests: Record<string, { requests: number; errors: number }>;
  }[];
}

export type GetNodeUsageResponse = MultiResponse<LocalGetNodeUsageResponse>;

/** Remise: one of the last errors a node answered (S3 or admin), newest last. */
export interface RecentErrorResp {
  at: number;
  api: "s3" | "admin";
  operation: string;
  method: string;
  path: string;
  status: number;
  code: string;
  message: string;
}

export type ListRecentErrorsResponse = MultiResponse<RecentErrorResp[]>;

export interface LocalGetBlockInfoRequest {
  blockHash: string;
}

export type BlockVersionBacklink =
  | { object: { bucketId: string; key: string } }
  | {
    upload: {
      uploadId: string;
      uploadDeleted: boolean;
      uploadGarbageCollected: boolean;
      bucketId: string | null;
      key: string | null;
    };
  };

/** A version that references the block (its uuid as `versionId`). */
export interface BlockVersion {
  versionId: string;
  refDeleted: boolean;
  versionDeleted: boolean;
  garbageCollected: boolean;
  backlink: BlockVersionBacklink | null;
}

export interface LocalGetBlockInfoResponse {
  blockHash: string;
  refcount: number;
  versions: BlockVersion[];
  /** Remise: whether the answering node has the block's bytes. */
  storedHere: boolean;
  /** Remise: the nodes that hold the block's partition in a live layout version. */
  nodes: string[];
}

export type GetBlockInfoResponse = MultiResponse<LocalGetBlockInfoResponse>;

/** PurgeBlocks' body is the list of block hashes. */
export interface LocalPurgeBlocksResponse {
  blocksPurged: number;
  objectsDeleted: number;
  uploadsDeleted: number;
  versionsDeleted: number;
  blockRefsPurged: number;
  /** Remise: versions object lock keeps (their record stays, their data is lost). */
  versionsKept: number;
}

export type PurgeBlocksResponse = MultiResponse<LocalPurgeBlocksResponse>;

export interface LocalGetWorkerInfoRequest {
  id: number;
}

export type GetWorkerInfoResponse = MultiResponse<WorkerInfoResp>;

/** No `variable`: every variable of the node. */
export interface LocalGetWorkerVariableRequest {
  variable?: string | null;
}

export type GetWorkerVariableResponse = MultiResponse<Record<string, string>>;

export interface LocalSetWorkerVariableRequest {
  variable: string;
  value: string;
}

export type SetWorkerVariableResponse = MultiResponse<LocalSetWorkerVariableRequest>;

export type ScrubCommand = "start" | "pause" | "resume" | "cancel";

export type RepairType =
  | "tables"
  | "blocks"
  | "versions"
  | "multipartUploads"
  | "blockRefs"
  | "blockRc"
  | "rebalance"
  /** Runs the lifecycle pass now (only over the buckets this node processes: use node=*). */
  | "lifecycle"
  | { scrub: ScrubCommand };

export interface LocalLaunchRepairOperationRequest {
  repairType: RepairType;
}

export type LaunchRepairOperationResponse = MultiResponse<null>;

export interface BlockErrorResp {
  blockHash: string;
  refcount: number;
  errorCount: number;
  lastTrySecsAgo: number;
  nextTryInSecs: number;
  /** Why the last attempt failed. */
  message: string;
}

export type ListBlockErrorsResponse = MultiResponse<BlockErrorResp[]>;

export type LocalRetryBlockResyncRequest = { all: true } | { blockHashes: string[] };

export type RetryBlockResyncResponse = MultiResponse<{ count: number }>;

// ---- Layout ----

/** `"maximum"` or `{ atLeast: n }`. */
export type ZoneRedundancy = "maximum" | { atLeast: number };

export interface LayoutParameters {
  zoneRedundancy: ZoneRedundancy;
}

export interface LayoutNodeRole {
  id: string;
  zone: string;
  tags: string[];
  capacity: number | null;
  storedPartitions: number | null;
  usableCapacity: number | null;
}

export type NodeRoleChange =
  | { id: string; remove: true }
  | { id: string; zone: string; capacity: number | null; tags: string[] };

export interface GetClusterLayoutResponse {
  version: number;
  roles: LayoutNodeRole[];
  parameters: LayoutParameters;
  partitionSize: number;
  stagedRoleChanges: NodeRoleChange[];
  stagedParameters: LayoutParameters | null;
}

export type LayoutVersionStatus = "current" | "draining";

export interface ClusterLayoutVersion {
  version: number;
  /** current: where data goes; draining: still written to and read while data moves. */
  status: LayoutVersionStatus;
  storageNodes: number;
  gatewayNodes: number;
}

export interface GetClusterLayoutHistoryResponse {
  currentVersion: number;
  /** The version reads use: the newest every storage node of which has synced it. */
  readVersion: number;
  versions: ClusterLayoutVersion[];
  /** Per node, the newest layout version whose data it has pulled in. */
  syncTrackers: Record<string, number>;
}

export interface UpdateClusterLayoutRequest {
  roles?: Array<
    | { id: string; remove: true }
    | { id: string; zone: string; capacity: number | null; tags?: string[] }
  >;
  parameters?: LayoutParameters | null;
}

export type UpdateClusterLayoutResponse = GetClusterLayoutResponse;

/** How one node's share of partition copies changes from the current version to the next. */
export interface NodePartitionChange {
  id: string;
  before: number;
  after: number;
  /** Copies it will receive from other nodes. */
  incoming: number;
  /** Copies it will hand over. */
  outgoing: number;
}

/**
 * What applying the staged changes would give, or why it cannot be applied. `changes` and
 * `copiesMoved` (not in Garage) are what `message` says, for drawing it.
 */
export type PreviewClusterLayoutChangesResponse =
  | { error: string }
  | {
    message: string[];
    newLayout: GetClusterLayoutResponse;
    changes: NodePartitionChange[];
    copiesMoved: number;
    copiesTotal: number;
  };

export interface ApplyClusterLayoutRequest {
  version: number;
}

export interface ApplyClusterLayoutResponse {
  message: string[];
  layout: GetClusterLayoutResponse;
}

export type RevertClusterLayoutResponse = GetClusterLayoutResponse;

// ---- Keys ----

export interface ListKeysResponseItem {
  id: string;
  name: string;
  created: DateTime | null;
  expiration: DateTime | null;
  expired: boolean;
}

export type ListKeysResponse = ListKeysResponseItem[];

export interface KeyPerm {
  createBucket: boolean;
}

export interface ApiBucketKeyPerm {
  read: boolean;
  write: boolean;
  owner: boolean;
}

export interface KeyInfoBucketResponse {
  id: string;
  globalAliases: string[];
  localAliases: string[];
  permissions: ApiBucketKeyPerm;
}

export interface GetKeyInfoResponse {
  accessKeyId: string;
  created: DateTime | null;
  name: string;
  expiration: DateTime | null;
  expired: boolean;
  /** Present only with `showSecretKey=true`, and in CreateKey's answer. */
  secretAccessKey?: string | null;
  permissions: KeyPerm;
  buckets: KeyInfoBucketResponse[];
}

export interface UpdateKeyRequest {
  name?: string | null;
  expiration?: DateTime | null;
  neverExpires?: boolean;
  allow?: Partial<KeyPerm> | null;
  deny?: Partial<KeyPerm> | null;
}

export type CreateKeyRequest = UpdateKeyRequest;

export interface ImportKeyRequest {
  accessKeyId: string;
  secretAccessKey: string;
  name?: string | null;
}

// ---- Buckets ----

export interface BucketLocalAlias {
  accessKeyId: string;
  alias: string;
}

export interface ListBucketsResponseItem {
  id: string;
  created: DateTime;
  globalAliases: string[];
  localAliases: BucketLocalAlias[];
  /** Remise: anyone, without a key, can read or write in the bucket (policy or ACL). */
  isPublic: boolean;
}

export type ListBucketsResponse = ListBucketsResponseItem[];

export interface GetBucketInfoWebsiteResponse {
  indexDocument: string;
  errorDocument: string | null;
}

export interface GetBucketInfoKey {
  accessKeyId: string;
  name: string;
  permissions: ApiBucketKeyPerm;
  bucketLocalAliases: string[];
}

export interface ApiBucketQuotas {
  maxSize: number | null;
  maxObjects: number | null;
}

export interface GetBucketInfoResponse {
  id: string;
  created: DateTime;
  globalAliases: string[];
  websiteAccess: boolean;
  websiteConfig: GetBucketInfoWebsiteResponse | null;
  keys: GetBucketInfoKey[];
  objects: number;
  bytes: number;
  unfinishedUploads: number;
  unfinishedMultipartUploads: number;
  unfinishedMultipartUploadParts: number;
  unfinishedMultipartUploadBytes: number;
  quotas: ApiBucketQuotas;
  /** Remise: null until versioning is first turned on (never back to null). */
  versioning: ApiVersioning | null;
  /** Remise: null unless object lock is on (for good once on). */
  objectLock: ApiObjectLock | null;
  /** Remise: who besides the keys above may use the bucket. */
  access: ApiBucketAccess;
}

/** Remise: GetBucketDocuments — the bucket's S3 configuration documents, null when not set. */
export interface GetBucketDocumentsResponse {
  corsConfiguration: string | null;
  lifecycleConfiguration: string | null;
  websiteConfiguration: string | null;
}

/** A bucket's public access block, as S3's PublicAccessBlockConfiguration. */
export interface ApiPublicAccessBlock {
  blockPublicAcls: boolean;
  ignorePublicAcls: boolean;
  blockPublicPolicy: boolean;
  restrictPublicBuckets: boolean;
}

export interface ApiBucketAccess {
  /** The bucket policy as set (JSON text), or null. */
  policy: string | null;
  /** The bucket's own block, or null; the cluster's config adds to it (see `effectiveBlock`). */
  publicAccessBlock: ApiPublicAccessBlock | null;
  /** What holds: the bucket's flags or the cluster's. */
  effectiveBlock: ApiPublicAccessBlock;
  /** The bucket's canned ACL ("private" unless one was set). */
  acl: string;
  /** Whether anyone, without a key, can read or write in the bucket (policy or ACL). */
  isPublic: boolean;
}

export type ApiVersioning = "Enabled" | "Suspended";

export interface ApiDefaultRetention {
  mode: "GOVERNANCE" | "COMPLIANCE";
  days: number | null;
  years: number | null;
}

export interface ApiObjectLock {
  defaultRetention: ApiDefaultRetention | null;
}

export interface CreateBucketRequest {
  globalAlias?: string | null;
  localAlias?: {
    accessKeyId: string;
    alias: string;
    allow?: Partial<ApiBucketKeyPerm>;
  } | null;
}

export interface UpdateBucketRequest {
  websiteAccess?: {
    enabled: boolean;
    indexDocument?: string | null;
    errorDocument?: string | null;
  } | null;
  quotas?: ApiBucketQuotas | null;
  /** Remise: Enabled or Suspended (a bucket with object lock stays Enabled). */
  versioning?: ApiVersioning | null;
  /** Remise: turns object lock on (needs versioning Enabled) or changes its default retention. */
  objectLock?: ApiObjectLock | null;
  /** Remise: sets the bucket policy (JSON text, checked as PutBucketPolicy checks it); null removes it. */
  policy?: string | null;
  /**
   * Remise: a bucket's S3 configuration documents (XML, as PutBucketCors,
   * PutBucketLifecycleConfiguration and PutBucketWebsite take them); null removes one. Checked
   * as the S3 API checks them: all or nothing.
   */
  corsConfiguration?: string | null;
  lifecycleConfiguration?: string | null;
  websiteConfiguration?: string | null;
  /** Remise: sets the bucket's public access block; null removes it. */
  publicAccessBlock?: ApiPublicAccessBlock | null;
  /** Remise: sets the bucket's canned ACL. */
  acl?: string;
}

export type BucketAliasRequest =
  | { bucketId: string; globalAlias: string }
  | { bucketId: string; localAlias: string; accessKeyId: string };

export type AddBucketAliasRequest = BucketAliasRequest;
export type RemoveBucketAliasRequest = BucketAliasRequest;

export interface BucketKeyPermChangeRequest {
  bucketId: string;
  accessKeyId: string;
  permissions: ApiBucketKeyPerm;
}

export type AllowBucketKeyRequest = BucketKeyPermChangeRequest;
export type DenyBucketKeyRequest = BucketKeyPermChangeRequest;

export interface ClusterLayoutSkipDeadNodesRequest {
  /** A live layout version newer than the oldest (usually the current one). */
  version: number;
  /** Also when a partition would keep fewer copies on nodes up than reads need. */
  allowMissingData: boolean;
}

export interface ClusterLayoutSkipDeadNodesResponse {
  /** The nodes down, no longer waited for. */
  ackUpdated: string[];
  /** The nodes whose sync tracker moved to `version`. */
  syncUpdated: string[];
}

/** Remise: ForgetClusterNode?id= — the nodes that knew the node and no longer do. */
export interface ForgetClusterNodeResponse {
  forgottenBy: string[];
}

export interface CleanupIncompleteUploadsRequest {
  bucketId: string;
  olderThanSecs: number;
}

export interface CleanupIncompleteUploadsResponse {
  uploadsDeleted: number;
}

// ---- Admin API tokens ----

export interface GetAdminTokenInfoResponse {
  /** null for the `admin_token` of the configuration. */
  id: string | null;
  created: DateTime | null;
  name: string;
  expiration: DateTime | null;
  expired: boolean;
  /** Endpoint names, or "*" for every endpoint. */
  scope: string[];
}

export type ListAdminTokensResponse = GetAdminTokenInfoResponse[];

/** CreateAdminToken's body, and UpdateAdminToken's (only the fields given change). */
export interface UpdateAdminTokenRequestBody {
  name?: string | null;
  expiration?: DateTime | null;
  neverExpires?: boolean;
  scope?: string[] | null;
}

export interface CreateAdminTokenResponse extends GetAdminTokenInfoResponse {
  /** The bearer token, shown this once: only its hash is kept. */
  secretToken: string;
}

// ---- Objects (the console's object browser; not in Garage's API) ----
//
// GetBucketObject answers the object's bytes (Content-Disposition: attachment). PutBucketObject
// and PutBucketUploadPart take raw bytes as the body, with `bucketId` and `key` (and
// `uploadId`, `partNumber`) in the query string; Content-Type is kept as the object's.

export interface BucketObject {
  key: string;
  size: number;
  lastModified: DateTime;
  etag: string;
  /** Remise, with `versions=true`: the key's latest version is a delete marker. */
  deleted?: boolean;
}

/** One page of a bucket's objects under `prefix`, folded into folders at `delimiter`. */
export interface ListBucketObjectsResponse {
  prefix: string;
  delimiter: string | null;
  objects: BucketObject[];
  /** Folder prefixes, each ending with the delimiter. */
  prefixes: string[];
  /** Pass as `continuationToken` for the next page; null on the last page. */
  nextContinuationToken: string | null;
}

/** One version of an object (ListBucketObjectVersions), newest first. */
export interface BucketObjectVersion {
  /** "null" for the version written while the bucket was unversioned or Suspended. */
  versionId: string;
  isLatest: boolean;
  deleteMarker: boolean;
  /** 0 for a delete marker. */
  size: number;
  lastModified: DateTime;
  etag: string | null;
  /** The retention in force, if any. */
  retention: { mode: "GOVERNANCE" | "COMPLIANCE"; retainUntil: DateTime } | null;
  legalHold: boolean;
  tags: { key: string; value: string }[];
  /** The version's canned ACL ("private" unless one was set). */
  acl: string;
}

export interface ListBucketObjectVersionsResponse {
  key: string;
  versions: BucketObjectVersion[];
}

/**
 * One version of an object in detail (GetBucketObjectInfo: the current one, or `versionId`):
 * what a HEAD tells, with its settings and who may download it.
 */
export interface BucketObjectInfo {
  key: string;
  /** "null" for a version written while the bucket was unversioned or Suspended. */
  versionId: string;
  size: number;
  lastModified: DateTime;
  etag: string;
  contentType: string | null;
  /** The other headers kept with it and sent back on GET (cache-control, content-encoding, …). */
  headers: Record<string, string>;
  /** User metadata, by name without the `x-amz-meta-` prefix. */
  metadata: Record<string, string>;
  checksum: { algorithm: string; value: string; type: "FULL_OBJECT" | "COMPOSITE" } | null;
  /** The number of parts of a multipart upload; null for a single PUT. */
  parts: number | null;
  /** Encrypted with a customer's key (SSE-C): downloads need that key. */
  encrypted: boolean;
  tags: { key: string; value: string }[];
  retention: { mode: "GOVERNANCE" | "COMPLIANCE"; retainUntil: DateTime } | null;
  legalHold: boolean;
  /** The version's canned ACL ("private" unless one was set). */
  acl: string;
  /**
   * How anyone may download it without a key and with no condition to meet: by the bucket's
   * policy or by its own ACL (the public access block considered); null when only keys can.
   */
  publicRead: "policy" | "objectAcl" | null;
  /** The unsigned URL anyone can fetch, when `publicRead` is set and the bucket has a name. */
  publicUrl: string | null;
}

export interface InspectObjectBlock {
  partNumber: number;
  offset: number;
  hash: string;
  size: number;
}

export interface InspectObjectVersion {
  uuid: string;
  timestamp: DateTime;
  encrypted: boolean;
  uploading: boolean;
  aborted: boolean;
  deleteMarker: boolean;
  inline: boolean;
  size: number | null;
  etag: string | null;
  headers: [string, string][];
  blocks?: InspectObjectBlock[];
  /** Remise: the S3 version id ("null" for the unversioned one). */
  versionId: string;
  /** Remise: kept in the history (a noncurrent version), not in the object entry. */
  kept: boolean;
}

export interface InspectObjectResponse {
  bucketId: string;
  key: string;
  versions: InspectObjectVersion[];
}

/** Makes an old version the current one again (a copy of it over its own key). */
export interface RestoreBucketObjectVersionRequest {
  bucketId: string;
  key: string;
  versionId: string;
}

export interface RestoreBucketObjectVersionResponse {
  key: string;
  /** The new current version's id ("null" on a Suspended bucket). */
  versionId: string;
}

export interface PutBucketObjectResponse {
  key: string;
  etag: string;
}

export interface CreateBucketUploadRequest {
  bucketId: string;
  key: string;
  contentType?: string;
}

export interface CreateBucketUploadResponse {
  uploadId: string;
}

export interface PutBucketUploadPartResponse {
  partNumber: number;
  etag: string;
}

export interface CompleteBucketUploadRequest {
  bucketId: string;
  key: string;
  uploadId: string;
  /** In ascending part order; every part but the last at least 5 MiB. */
  parts: { partNumber: number; etag: string }[];
}

export interface AbortBucketUploadRequest {
  bucketId: string;
  key: string;
  uploadId: string;
}

export interface DeleteBucketObjectsRequest {
  bucketId: string;
  /** At most 1000. */
  keys: string[];
}

export interface DeleteBucketObjectsResponse {
  deleted: string[];
  errors: { key: string; message: string }[];
}

export interface PresignBucketObjectRequest {
  bucketId: string;
  key: string;
  /** The key the link is signed with: it must be allowed to read the bucket. */
  accessKeyId: string;
  /** 1 second to 7 days; 1 hour unless given. */
  expiresInSecs?: number;
}

export interface PresignBucketObjectResponse {
  url: string;
  expiresAt: DateTime;
}
