/**
 * The digests a body is checked against, computed in the one pass that reads it: MD5 (the ETag),
 * SHA-256 when the payload hash was signed, and the checksum a client asked for.
 */
import { createHash, type Hash } from "node:crypto";
import { type ChecksumAlgorithm, type Hasher, newChecksum, toBase64 } from "../../util/checksum.ts";

export interface Digests {
  size: number;
  md5: Uint8Array;
  /** Lowercase hex, when asked for. */
  sha256?: string;
  /** Base64, when a checksum was asked for. */
  checksum?: string;
}

export class BodyDigests {
  size = 0;
  readonly #md5 = createHash("md5");
  readonly #sha?: Hash;
  readonly #checksum?: Hasher;

  constructor(o: { sha256?: boolean; checksum?: ChecksumAlgorithm }) {
    if (o.sha256) this.#sha = createHash("sha256");
    if (o.checksum) this.#checksum = newChecksum(o.checksum);
  }

  update(chunk: Uint8Array): void {
    this.#md5.update(chunk);
    this.#sha?.update(chunk);
    this.#checksum?.update(chunk);
    this.size += chunk.length;
  }

  /** The digests of everything given to `update`; called once, at the end. */
  result(): Digests {
    return {
      size: this.size,
      md5: new Uint8Array(this.#md5.digest()),
      sha256: this.#sha?.digest("hex"),
      checksum: this.#checksum ? toBase64(this.#checksum.digest()) : undefined,
    };
  }
}
