/**
 * A Remise node for the bench (a real server process from the test harness) with a key, and
 * the few signed requests the scenarios need.
 */
import { startNode, type TestNode } from "../harness.ts";
import { type Creds, presign, sha256Hex, signHeaders } from "../sigv4.ts";

export interface Remise {
  node: TestNode;
  creds: Creds;
  /** http://127.0.0.1:port of the S3 API. */
  url: string;
  pid: number;
  objectUrl(bucket: string, key: string): string;
  /** A presigned URL valid for an hour, longer than any run. */
  presign(method: string, bucket: string, key: string): string;
  /** Header-signed request headers for a body with this SHA-256 (hex). */
  sign(method: string, url: string, payloadHash: string, now?: Date): Record<string, string>;
  createBucket(bucket: string): Promise<void>;
  put(bucket: string, key: string, body: Uint8Array<ArrayBuffer>): Promise<void>;
  stop(): Promise<void>;
}

/** A node for the bench; `extraToml` adds top-level settings (e.g. compression_level). */
export async function startRemise(extraToml?: string): Promise<Remise> {
  const node = await startNode({ extraToml });
  const creds = await node.createKey("bench");
  const r: Remise = {
    node,
    creds,
    url: node.s3,
    pid: node.process.pid,
    objectUrl: (bucket, key) => `${node.s3}/${bucket}/${encodeURIComponent(key)}`,
    presign: (method, bucket, key) =>
      presign(method, r.objectUrl(bucket, key), creds, node.region, 3600),
    sign: (method, url, payloadHash, now) =>
      signHeaders(method, url, creds, node.region, payloadHash, {}, now),
    async createBucket(bucket) {
      const url = `${node.s3}/${bucket}`;
      const res = await fetch(url, { method: "PUT", headers: r.sign("PUT", url, sha256Hex("")) });
      const text = await res.text();
      if (!res.ok) throw new Error(`CreateBucket ${bucket}: ${res.status} ${text}`);
    },
    async put(bucket, key, body) {
      const url = r.objectUrl(bucket, key);
      const res = await fetch(url, {
        method: "PUT",
        body,
        headers: r.sign("PUT", url, sha256Hex(body)),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`PUT ${bucket}/${key}: ${res.status} ${text}`);
    },
    stop: () => node.stop(),
  };
  return r;
}
