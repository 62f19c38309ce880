/**
 * SSE-C on the wire: the customer key headers of a request, checked as S3 checks them, and
 * the cipher they open for an object. A wrong or missing key never yields plaintext.
 */
import { createHash } from "node:crypto";
import type { HeaderReader } from "../util/header_map.ts";
import type { ObjectMeta } from "../model/tables/object.ts";
import {
  type CustomerKey,
  newSseMeta,
  type ObjectCipher,
  objectCipher,
  type SseMeta,
} from "../model/objects/sse.ts";
import { fromBase64, toBase64 } from "../util/checksum.ts";
import { S3Error } from "./error.ts";

export const SSE_HEADERS = "x-amz-server-side-encryption-customer-";
export const COPY_SOURCE_SSE_HEADERS = "x-amz-copy-source-server-side-encryption-customer-";

/** The customer key a request gives under `prefix`, checked; undefined when it gives none. */
export function customerKey(h: HeaderReader, prefix = SSE_HEADERS): CustomerKey | undefined {
  // Every GET and PUT asks: two header lookups settle the common case of no encryption.
  const alg = h.get(prefix + "algorithm");
  const key64 = h.get(prefix + "key");
  if (alg === null && key64 === null) return undefined;
  const md5 = h.get(prefix + "key-md5");
  if (alg === null) {
    throw new S3Error(
      "InvalidArgument",
      "Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.",
      { ArgumentName: prefix + "algorithm" },
    );
  }
  if (alg !== "AES256") {
    throw new S3Error("InvalidArgument", "The encryption algorithm is not supported: use AES256.", {
      ArgumentName: prefix + "algorithm",
      ArgumentValue: alg,
    });
  }
  const key = key64 === null ? undefined : fromBase64(key64);
  if (!key || key.length !== 32) {
    throw new S3Error(
      "InvalidArgument",
      "The secret key was invalid for the specified algorithm: give 32 bytes, base64-encoded.",
      { ArgumentName: prefix + "key" },
    );
  }
  if (md5 === null) {
    throw new S3Error(
      "InvalidArgument",
      "Requests specifying Server Side Encryption with Customer provided keys must provide the client calculated MD5 of the secret key.",
      { ArgumentName: prefix + "key-MD5" },
    );
  }
  const computed = toBase64(createHash("md5").update(key).digest());
  if (md5 !== computed) {
    throw new S3Error(
      "InvalidArgument",
      "The calculated MD5 hash of the key did not match the hash that was provided.",
      { ArgumentName: prefix + "key-MD5" },
    );
  }
  return { key, md5: computed };
}

/** The cipher of a stored object for this request's key; undefined for a plain object. */
export function cipherToRead(
  meta: Pick<ObjectMeta, "sse">,
  given: CustomerKey | undefined,
): ObjectCipher | undefined {
  if (!meta.sse) {
    if (given) {
      throw new S3Error(
        "InvalidRequest",
        "The encryption parameters are not applicable to this object.",
      );
    }
    return undefined;
  }
  if (!given) {
    throw new S3Error(
      "InvalidRequest",
      "The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.",
    );
  }
  if (given.md5 !== meta.sse.keyMd5) {
    // 400, as ceph's s3-tests (and Garage) answer it: the request, not the caller, is wrong.
    throw new S3Error(
      "InvalidRequest",
      "The provided encryption key does not match the key the object was encrypted with.",
    );
  }
  return objectCipher(given, meta.sse);
}

/** A new object's encryption, when the request asks for one. */
export function encryptionFor(
  given: CustomerKey | undefined,
  sse: SseMeta | undefined = given && newSseMeta(given),
): { sse: SseMeta; cipher: ObjectCipher } | undefined {
  return given && sse ? { sse, cipher: objectCipher(given, sse) } : undefined;
}

/** The headers that tell a client its object is encrypted with its key. */
export function sseHeaders(sse: SseMeta | undefined): Record<string, string> {
  return sse
    ? {
      [SSE_HEADERS + "algorithm"]: "AES256",
      [SSE_HEADERS + "key-md5"]: sse.keyMd5,
    }
    : {};
}
