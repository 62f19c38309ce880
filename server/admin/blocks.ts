/**
 * GetBlockInfo and PurgeBlocks, asked of one node or all (`?node=`): which versions and uploads
 * use a block and where its copies belong, and forgetting blocks that are lost for good.
 */
import type {
  BlockVersion,
  LocalGetBlockInfoResponse,
  LocalPurgeBlocksResponse,
} from "../../shared/admin.ts";
import { blockInfo, type BlockUser, purgeBlocks } from "../model/objects/block_users.ts";
import { badRequest } from "./errors.ts";
import { bodyFields } from "./validate.ts";
import { type LocalEndpoint, nodeEndpoints } from "./nodes.ts";

const HASH = /^[0-9a-f]{64}$/;

function checkHash(h: unknown): string {
  if (typeof h !== "string" || !HASH.test(h)) {
    throw badRequest(`A block hash is 64 lowercase hex characters, got ${JSON.stringify(h)}`);
  }
  return h;
}

function blockVersion(u: BlockUser): BlockVersion {
  const o = u.owner;
  return {
    versionId: u.version,
    refDeleted: u.refDeleted,
    versionDeleted: u.versionDeleted,
    garbageCollected: u.garbageCollected,
    backlink: o?.t === "object"
      ? { object: { bucketId: o.bucketId, key: o.key } }
      : o?.t === "upload"
      ? {
        upload: {
          uploadId: o.uploadId,
          uploadDeleted: u.upload?.deleted ?? false,
          uploadGarbageCollected: u.upload?.gone ?? true,
          bucketId: o.bucketId ?? null,
          key: o.key ?? null,
        },
      }
      : null,
  };
}

const local: Record<string, LocalEndpoint> = {
  GetBlockInfo: {
    body: (b) => ({ blockHash: checkHash(bodyFields(b, ["blockHash"]).str("blockHash")) }),
    run: async ({ model }, req): Promise<LocalGetBlockInfoResponse> => {
      const info = await blockInfo(model, (req as { blockHash: string }).blockHash);
      return {
        blockHash: info.hash,
        refcount: info.refcount,
        versions: info.users.map(blockVersion),
        storedHere: info.storedHere,
        nodes: info.nodes,
      };
    },
  },
  PurgeBlocks: {
    body: (b) => {
      if (!Array.isArray(b) || b.length === 0) {
        throw badRequest("The body must be a list of block hashes to purge");
      }
      return [...new Set(b.map(checkHash))];
    },
    run: ({ model }, req): Promise<LocalPurgeBlocksResponse> => purgeBlocks(model, req as string[]),
  },
};

const perNode = nodeEndpoints(local);

export const registerBlockEndpoints = perNode.register;
export const blockEndpoints = perNode.endpoints;
