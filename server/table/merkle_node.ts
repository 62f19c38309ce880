/** The nodes of the Merkle trees (see merkle.ts): their form, as stored and sent, and hashes. */
import { createHash } from "node:crypto";
import { encode } from "../util/msgpack.ts";

/** A tree node, as stored and as sent to peers: plain msgpack data. */
export type MerkleNode = Inner | Leaf;

/** Several entries below this prefix: the next byte of their key hashes, and that child's hash. */
export interface Inner {
  /** In byte order, so that equal nodes encode (and hash) equally. */
  children: [number, Uint8Array][];
}

/** The only entry below this prefix, and the hash of its stored bytes. */
export interface Leaf {
  pk: string;
  sk: string;
  hash: Uint8Array;
}

/** The hash of an empty tree or subtree. */
export const EMPTY_HASH: Uint8Array = new Uint8Array(32);
export const ROOT: Uint8Array = new Uint8Array(0);

export function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(bytes).digest());
}

export function isInner(n: MerkleNode | null): n is Inner {
  return n !== null && "children" in n;
}

/** A leaf built field by field: a node's hash is that of its encoding, so the order is fixed. */
export function leaf(pk: string, sk: string, hash: Uint8Array): Leaf {
  return { pk, sk, hash };
}

/** A node's bytes, the same whichever side built or decoded it. */
export function encodeNode(n: MerkleNode): Uint8Array {
  return encode(isInner(n) ? { children: n.children } : leaf(n.pk, n.sk, n.hash));
}

export function nodeHash(n: MerkleNode): Uint8Array {
  return sha256(encodeNode(n));
}

/** Where an entry sits in its partition's tree. */
export function keyHash(pk: string, sk: string): Uint8Array {
  return sha256(encode([pk, sk]));
}

export function childPrefix(prefix: Uint8Array, byte: number): Uint8Array {
  const out = new Uint8Array(prefix.length + 1);
  out.set(prefix);
  out[prefix.length] = byte;
  return out;
}
