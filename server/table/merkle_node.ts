/** The nodes of the Merkle trees (see merkle.ts): their form, as stored and sent, and hashes. */
import { hash } from "node:crypto";
import { choices, decode, encode, MsgpackReader } from "../util/msgpack.ts";

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
  return new Uint8Array(hash("sha256", bytes, "buffer"));
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
  return isInner(n) ? encodeInner(n) : encode(leaf(n.pk, n.sk, n.hash));
}

/** `{children: [` as MessagePack writes it: a map of one string key, before the array. */
const INNER_HEAD = Uint8Array.of(0x81, 0xa8, ...new TextEncoder().encode("children"));
const BIN8 = 0xc4;
const UINT8 = 0xcc;
const ARRAY16 = 0xdc;
const FIXARRAY = 0x90;

/**
 * An inner node's MessagePack, written by hand: the same bytes as the library's encoder (a
 * node's hash is that of its bytes, and peers compare them), made without walking 256 small
 * arrays through it. A first-level node of a large bucket is rewritten for every few writes.
 */
function encodeInner(n: Inner): Uint8Array {
  const count = n.children.length;
  let size = INNER_HEAD.length + (count < 16 ? 1 : 3);
  for (const [byte, h] of n.children) {
    // A node sent by a peer may hold anything: only the form below is written by hand.
    if (!isByte(byte) || !(h instanceof Uint8Array) || h.length > 0xff) {
      return encode({ children: n.children });
    }
    size += 1 + (byte < 0x80 ? 1 : 2) + 2 + h.length;
  }
  if (count > 0xffff) return encode({ children: n.children });
  const out = new Uint8Array(size);
  out.set(INNER_HEAD);
  let at = INNER_HEAD.length;
  if (count < 16) out[at++] = FIXARRAY | count;
  else {
    out[at++] = ARRAY16;
    out[at++] = count >> 8;
    out[at++] = count & 0xff;
  }
  for (const [byte, h] of n.children) {
    out[at++] = FIXARRAY | 2;
    if (byte >= 0x80) out[at++] = UINT8;
    out[at++] = byte;
    out[at++] = BIN8;
    out[at++] = h.length;
    out.set(h, at);
    at += h.length;
  }
  return out;
}

function isByte(n: unknown): n is number {
  return Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 0xff;
}

/** A stored node: inner nodes read by hand (hashes are views of `bytes`), leaves by msgpack. */
export function decodeNode(bytes: Uint8Array): MerkleNode {
  return decodeInner(bytes) ?? decode(bytes) as MerkleNode;
}

const CHILDREN = choices("children");

/**
 * The inner node these bytes hold, if they are one ({children: [[byte, hash], …]}); undefined
 * for anything else, which the library then reads (leaves) or refuses as it would.
 */
function decodeInner(bytes: Uint8Array): Inner | undefined {
  try {
    const r = new MsgpackReader(bytes);
    if (r.map() !== 1 || r.oneOf(CHILDREN) !== 0) return undefined;
    const children: [number, Uint8Array][] = new Array(r.array());
    for (let i = 0; i < children.length; i++) {
      if (r.array() !== 2) return undefined;
      const byte = r.number();
      if (!isByte(byte)) return undefined;
      children[i] = [byte, r.binary()];
    }
    return r.done ? { children } : undefined;
  } catch {
    return undefined;
  }
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
