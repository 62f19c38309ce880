/**
 * Certificates for mutual TLS between peers, made from nothing but `rpc_secret` and each node's
 * own key. Every node derives the same cluster CA from the secret (same key, same bytes), and
 * signs a certificate for its own Ed25519 key with it; peers trust that CA and nothing else, so
 * a handshake succeeds only between nodes that know the secret.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  hkdfSync,
  type KeyObject,
  sign,
} from "node:crypto";
import { Buffer } from "node:buffer";
import type { TLSSocket } from "node:tls";
import { fromHex, hex } from "../util/ids.ts";
import {
  bitString,
  boolean,
  explicit,
  ia5String,
  implicit,
  integer,
  octetString,
  oid,
  sequence,
  setOf,
  time,
  utf8String,
} from "./der.ts";

/**
 * The DNS name every node's certificate carries, for a client that wants any member of the
 * cluster. Node ids do not fit one DNS label (64 characters, the limit is 63).
 */
export const PEER_SERVERNAME = "remise-peer";

/**
 * The DNS name only the node `nodeId` carries, for a client that knows whom it dials: the id
 * split into two labels, `<first 32 hex>.<last 32 hex>.remise-peer`.
 */
export function nodeServername(nodeId: string): string {
  return `${nodeId.slice(0, 32)}.${nodeId.slice(32)}.${PEER_SERVERNAME}`;
}

export interface ClusterCa {
  key: KeyObject;
  /** The self-signed certificate, identical on every node of the cluster. */
  der: Uint8Array;
  /** Its subject, which is the issuer of every node certificate. */
  name: Uint8Array;
  /** Its subject key identifier, which node certificates name as their authority's. */
  keyId: Uint8Array;
}

/** PEM strings for node:tls `createServer` and `connect` (`ca`, `cert`, `key` options). */
export interface TlsCredentials {
  ca: string;
  cert: string;
  key: string;
}

// Changing either string would give every node a CA that no older node trusts.
const HKDF_SALT = "remise rpc_secret";
const HKDF_INFO = "remise cluster CA ed25519 v1";
// An Ed25519 PKCS8 PrivateKeyInfo is this fixed prefix followed by the 32-byte seed.
const PKCS8_ED25519_PREFIX = fromHex("302e020100300506032b657004220420");

// The signature AlgorithmIdentifier; RFC 8410 gives Ed25519 no parameters.
const ED25519 = sequence(oid("1.3.101.112"));
const CA_NAME = distinguishedName("Remise cluster CA");
// Fixed so that every node derives the same CA certificate, byte for byte.
const CA_SERIAL = 1;
const CA_NOT_BEFORE = new Date("2000-01-01T00:00:00Z");
const NOT_AFTER = new Date("9999-12-31T23:59:59Z");
// A leaf is dated back so that a peer whose clock runs behind still finds it valid.
const CLOCK_SKEW_MS = 24 * 3600 * 1000;

const EXT = {
  subjectKeyId: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  authorityKeyId: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
};
const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

export function clusterCa(rpcSecretHex: string): ClusterCa {
  if (!/^[0-9a-fA-F]{64}$/.test(rpcSecretHex)) {
    throw new Error("rpc_secret must be 32 bytes in hex (64 characters)");
  }
  const seed = new Uint8Array(
    hkdfSync("sha256", fromHex(rpcSecretHex), HKDF_SALT, HKDF_INFO, 32),
  );
  const key = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
    format: "der",
    type: "pkcs8",
  });
  const spki = publicKeyInfo(key);
  const keyId = subjectKeyId(spki);
  const der = certificate(key, {
    serial: integer(CA_SERIAL),
    issuer: CA_NAME,
    notBefore: CA_NOT_BEFORE,
    subject: CA_NAME,
    spki,
    extensions: [
      extension(EXT.basicConstraints, true, sequence(boolean(true))),
      // keyCertSign (bit 5) and cRLSign (bit 6): seven named bits, one bit of padding.
      extension(EXT.keyUsage, true, bitString(Uint8Array.of(0b0000_0110), 1)),
      extension(EXT.subjectKeyId, false, octetString(keyId)),
    ],
  });
  return { key, der, name: CA_NAME, keyId };
}

/** A certificate for the node's own key, signed by the cluster CA, as client and as server. */
export function nodeCertificate(
  ca: ClusterCa,
  nodeKeyPem: string,
  nodeId: string,
): Uint8Array {
  const spki = publicKeyInfo(createPrivateKey(nodeKeyPem));
  if (hex(rawKey(spki)) !== nodeId) {
    throw new Error(`the node key is not the key of node ${nodeId}`);
  }
  // Random, and positive once DER reads it as a signed number.
  const serial = crypto.getRandomValues(new Uint8Array(16));
  serial[0] = (serial[0] & 0x7f) | 0x40;
  return certificate(ca.key, {
    serial: integer(serial),
    issuer: ca.name,
    notBefore: new Date(Date.now() - CLOCK_SKEW_MS),
    subject: distinguishedName(nodeId),
    spki,
    extensions: [
      extension(EXT.basicConstraints, true, sequence()),
      // digitalSignature (bit 0): one named bit, seven bits of padding.
      extension(EXT.keyUsage, true, bitString(Uint8Array.of(0b1000_0000), 7)),
      extension(EXT.extKeyUsage, false, sequence(oid(SERVER_AUTH), oid(CLIENT_AUTH))),
      extension(
        EXT.subjectAltName,
        false,
        // dNSName is [2] IMPLICIT IA5String.
        sequence(
          implicit(2, ia5String(PEER_SERVERNAME)),
          implicit(2, ia5String(nodeServername(nodeId))),
        ),
      ),
      extension(EXT.subjectKeyId, false, octetString(subjectKeyId(spki))),
      // keyIdentifier is [0] IMPLICIT OCTET STRING.
      extension(EXT.authorityKeyId, false, sequence(implicit(0, octetString(ca.keyId)))),
    ],
  });
}

/**
 * The id of the node at the other end of an authorized connection, read from the key its
 * certificate holds rather than from the certificate's name: whoever knows rpc_secret can sign
 * any name, but only the node itself holds its key, which the handshake proved.
 */
export function peerNodeId(socket: TLSSocket): string {
  const key = socket.authorized ? socket.getPeerX509Certificate()?.publicKey : undefined;
  if (key?.asymmetricKeyType !== "ed25519") throw new Error("the peer has no node certificate");
  return hex(rawKey(publicKeyInfo(key)));
}

/** The CA, this node's certificate and its key, as node:tls takes them. */
export function clusterTls(
  rpcSecretHex: string,
  nodeKeyPem: string,
  nodeId: string,
): TlsCredentials {
  const ca = clusterCa(rpcSecretHex);
  return {
    ca: pem("CERTIFICATE", ca.der),
    cert: pem("CERTIFICATE", nodeCertificate(ca, nodeKeyPem, nodeId)),
    key: nodeKeyPem,
  };
}

export function pem(label: string, der: Uint8Array): string {
  const lines = Buffer.from(der).toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

interface Fields {
  serial: Uint8Array;
  issuer: Uint8Array;
  notBefore: Date;
  subject: Uint8Array;
  spki: Uint8Array;
  extensions: Uint8Array[];
}

/** An X.509 v3 certificate (RFC 5280 §4.1), signed with Ed25519. */
function certificate(signer: KeyObject, f: Fields): Uint8Array {
  const tbs = sequence(
    explicit(0, integer(2)), // version: v3
    f.serial,
    ED25519,
    f.issuer,
    sequence(time(f.notBefore), time(NOT_AFTER)),
    f.subject,
    f.spki,
    explicit(3, sequence(...f.extensions)),
  );
  return sequence(tbs, ED25519, bitString(sign(null, tbs, signer)));
}

function distinguishedName(commonName: string): Uint8Array {
  return sequence(setOf(sequence(oid("2.5.4.3"), utf8String(commonName))));
}

function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  // DER leaves out a field equal to its DEFAULT, and `critical` defaults to FALSE.
  return critical
    ? sequence(oid(id), boolean(true), octetString(value))
    : sequence(oid(id), octetString(value));
}

/** The SubjectPublicKeyInfo of a key pair, or of a public key alone. */
function publicKeyInfo(key: KeyObject): Uint8Array {
  const pub = key.type === "private" ? createPublicKey(key) : key;
  return new Uint8Array(pub.export({ format: "der", type: "spki" }));
}

/** An Ed25519 SubjectPublicKeyInfo ends with the raw 32-byte key, the node id's bytes. */
function rawKey(spki: Uint8Array): Uint8Array {
  return spki.subarray(-32);
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the public key's bits, the raw key for Ed25519. */
function subjectKeyId(spki: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha1").update(rawKey(spki)).digest());
}
