/** The RPC endpoints through which nodes store and fetch each other's blocks. */
import { endpoint } from "../rpc/endpoint.ts";

export const BLOCK = {
  /** Stores a block under its hash (checked by the receiver). */
  put: endpoint<{ hash: string; data: Uint8Array }, null>("block/put"),
  /** A block's bytes, or null when the node does not have it intact. */
  get: endpoint<string, Uint8Array | null>("block/get"),
  has: endpoint<string, boolean>("block/has"),
};
