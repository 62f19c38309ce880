/**
 * Server-side encryption with customer keys (SSE-C): each object gets its own AES-256 key,
 * derived from the customer's key and a random salt kept with the object, and each block is
 * sealed with AES-256-GCM under a random nonce. The customer's key is never stored: only its
 * MD5, to tell a wrong key from a right one.
 */
import { Buffer } from "node:buffer";
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import { toHex } from "../../util/checksum.ts";

const NONCE = 12;
const TAG = 16;

/** What an encrypted object keeps of its encryption. */
export interface SseMeta {
  /** Base64 MD5 of the customer's key. */
  keyMd5: string;
  /** Hex salt of the object's key derivation. */
  salt: string;
}

export interface CustomerKey {
  key: Uint8Array;
  md5: string;
}

export interface ObjectCipher {
  seal(plain: Uint8Array): Uint8Array;
  open(sealed: Uint8Array): Uint8Array;
}

export function newSseMeta(customer: CustomerKey): SseMeta {
  return { keyMd5: customer.md5, salt: randomBytes(16).toString("hex") };
}

export function objectCipher(customer: CustomerKey, meta: SseMeta): ObjectCipher {
  const key = new Uint8Array(
    hkdfSync("sha256", customer.key, Buffer.from(meta.salt, "hex"), "remise sse-c object", 32),
  );
  return {
    seal(plain) {
      const nonce = randomBytes(NONCE);
      const c = createCipheriv("aes-256-gcm", key, nonce);
      const body = c.update(plain);
      const last = c.final();
      const out = new Uint8Array(NONCE + body.length + last.length + TAG);
      out.set(nonce, 0);
      out.set(body, NONCE);
      out.set(last, NONCE + body.length);
      out.set(c.getAuthTag(), out.length - TAG);
      return out;
    },
    open(sealed) {
      const d = createDecipheriv("aes-256-gcm", key, sealed.subarray(0, NONCE));
      d.setAuthTag(sealed.subarray(sealed.length - TAG));
      const body = d.update(sealed.subarray(NONCE, sealed.length - TAG));
      const last = d.final();
      return last.length ? new Uint8Array(Buffer.concat([body, last])) : new Uint8Array(body);
    },
  };
}

/**
 * The ETag of an encrypted object: not the MD5 of its plaintext, which would let anyone who
 * can list the bucket test a guess at the content.
 */
export function sealedEtag(md5: Uint8Array, sse: SseMeta): string {
  return toHex(createHash("md5").update(sse.salt).update(md5).digest());
}
