/** A fresh node with a key that may create buckets, and an AWS SDK client for it. */
import { S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { assertEquals, assertRejects } from "../assert.ts";
import { type NodeOptions, startNode, type TestNode } from "../harness.ts";

export interface S3Fixture {
  node: TestNode;
  s3: S3Client;
  key: { accessKeyId: string; secretAccessKey: string };
  client(creds: { accessKeyId: string; secretAccessKey: string }, region?: string): S3Client;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function s3Fixture(o: NodeOptions = {}): Promise<S3Fixture> {
  const node = await startNode(o);
  const key = await node.createKey("sdk");
  const clients: S3Client[] = [];
  const client = (
    creds: { accessKeyId: string; secretAccessKey: string },
    region = node.region,
  ) => {
    const c = new S3Client({ endpoint: node.s3, region, credentials: creds, forcePathStyle: true });
    clients.push(c);
    return c;
  };
  return {
    node,
    key,
    s3: client(key),
    client,
    async [Symbol.asyncDispose]() {
      for (const c of clients) c.destroy();
      await node.stop();
    },
  };
}

/**
 * Asserts that a call fails with this S3 error code and HTTP status; `null` checks only the
 * status, for answers that carry no body (HEAD, 304).
 */
export async function assertS3Error(
  fn: () => Promise<unknown>,
  code: string | null,
  status: number,
): Promise<S3ServiceException> {
  const e = await assertRejects(fn) as S3ServiceException;
  assertEquals(
    { code: code === null ? null : e.name, status: e.$metadata?.httpStatusCode },
    { code, status },
    `expected ${code}/${status}, got ${e.name}/${e.$metadata?.httpStatusCode}: ${e.message}`,
  );
  return e;
}

export async function bodyBytes(
  b: { transformToByteArray(): Promise<Uint8Array> } | undefined,
): Promise<Uint8Array> {
  return b ? await b.transformToByteArray() : new Uint8Array();
}

export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) {
    crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  }
  return out;
}

/** The status and S3 error code of a raw response (its body is read). */
export async function errorOf(
  res: Response,
): Promise<{ status: number; code: string | undefined }> {
  const text = await res.text();
  return { status: res.status, code: /<Code>([^<]+)<\/Code>/.exec(text)?.[1] };
}
