/**
 * Object bytes between the browser and the admin API. Uploads use XMLHttpRequest, the one
 * browser API that reports upload progress; a large file goes in parts, so a failed part is all
 * that is sent again and no single request carries gigabytes. Downloads stream into a Blob
 * (which Chromium and Firefox keep on disk when large) handed to the browser's save dialog.
 */
import type {
  AdminEndpoint,
  CompleteBucketUploadRequest,
  CreateBucketUploadResponse,
  PutBucketObjectResponse,
  PutBucketUploadPartResponse,
} from "../../shared/admin.ts";
import { ApiError, apiError, authorization, call, endpointUrl } from "./api.ts";

const MiB = 1024 * 1024;
/** Files from this size on go in parts. */
export const MULTIPART_FROM = 16 * MiB;
/** S3 allows 10,000 parts; parts grow beyond 8 MiB only for files over 78 GiB. */
export function partSize(total: number): number {
  return Math.max(8 * MiB, Math.ceil(total / 10000 / MiB) * MiB);
}

function networkError(endpoint: AdminEndpoint): ApiError {
  return new ApiError(
    endpoint,
    0,
    "NetworkError",
    "The upload was cut off before the admin API answered. Check the connection and upload again.",
  );
}

/** PUTs `body` to a raw endpoint, reporting bytes sent; resolves with the JSON answer. */
function put<T>(
  endpoint: AdminEndpoint,
  query: Record<string, string | number>,
  body: Blob,
  contentType: string,
  onSent: (bytes: number) => void,
  signal: AbortSignal,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", endpointUrl(endpoint, query));
    for (const [k, v] of Object.entries(authorization())) xhr.setRequestHeader(k, v);
    xhr.setRequestHeader("content-type", contentType || "application/octet-stream");
    xhr.upload.onprogress = (e) => onSent(e.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onSent(body.size);
        resolve(JSON.parse(xhr.responseText) as T);
      } else reject(apiError(endpoint, xhr.status, xhr.responseText || xhr.statusText));
    };
    xhr.onerror = () => reject(networkError(endpoint));
    xhr.onabort = () => reject(new DOMException("The upload was cancelled.", "AbortError"));
    signal.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(body);
  });
}

/**
 * Uploads `file` as `key`; `onProgress` gets the bytes the server has taken so far. Aborting
 * the signal stops it and, for a multipart upload, aborts the upload so no part is left over.
 */
export async function uploadFile(
  bucketId: string,
  key: string,
  file: Blob,
  onProgress: (sent: number) => void,
  signal: AbortSignal,
): Promise<PutBucketObjectResponse> {
  const type = file.type;
  if (file.size < MULTIPART_FROM) {
    return await put("PutBucketObject", { bucketId, key }, file, type, onProgress, signal);
  }
  const { uploadId } = await call<CreateBucketUploadResponse>("CreateBucketUpload", {
    body: { bucketId, key, contentType: type || undefined },
  });
  const size = partSize(file.size);
  const parts: CompleteBucketUploadRequest["parts"] = [];
  try {
    for (let start = 0, n = 1; start < file.size; start += size, n++) {
      const blob = file.slice(start, start + size);
      const done = start;
      const p = await put<PutBucketUploadPartResponse>(
        "PutBucketUploadPart",
        { bucketId, key, uploadId, partNumber: n },
        blob,
        "application/octet-stream",
        (sent) => onProgress(done + sent),
        signal,
      );
      parts.push({ partNumber: p.partNumber, etag: p.etag });
    }
    const req: CompleteBucketUploadRequest = { bucketId, key, uploadId, parts };
    return await call<PutBucketObjectResponse>("CompleteBucketUpload", { body: req });
  } catch (e) {
    await call("AbortBucketUpload", { body: { bucketId, key, uploadId } }).catch(() => {});
    throw e;
  }
}

/** Downloads an object (or one of its versions) as a file named after its key. */
export async function downloadObject(
  bucketId: string,
  key: string,
  versionId?: string,
): Promise<void> {
  let res: Response;
  const query = versionId === undefined ? { bucketId, key } : { bucketId, key, versionId };
  try {
    res = await fetch(endpointUrl("GetBucketObject", query), {
      headers: authorization(),
      cache: "no-store",
      credentials: "omit",
    });
  } catch {
    throw new ApiError("GetBucketObject", 0, "NetworkError", "The admin API did not answer.");
  }
  if (!res.ok) throw apiError("GetBucketObject", res.status, await res.text());
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = key.slice(key.lastIndexOf("/") + 1) || "download";
  document.body.append(a);
  a.click();
  a.remove();
  // The browser has taken the blob once the click is handled; give it a moment to start.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
