/**
 * Peers authenticate each other by mutual TLS with certificates every node makes for itself
 * from `rpc_secret` and its own key. These tests show that the certificates are ordinary X.509
 * (openssl accepts them) and that node:tls under Deno lets in exactly the nodes that know the
 * secret.
 */
import { Buffer } from "node:buffer";
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { connect, type ConnectionOptions, createServer, type TLSSocket } from "node:tls";
import { assert, assertEquals, assertMatch, assertThrows } from "../../tests/assert.ts";
import { hex } from "../util/ids.ts";
import {
  clusterCa,
  clusterTls,
  nodeCertificate,
  nodeServername,
  PEER_SERVERNAME,
  peerNodeId,
  pem,
  type TlsCredentials,
} from "./cert.ts";

const SECRET = "0b5e3f7a2c9d4e6f8a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f";
const OTHER_SECRET = "f".repeat(64);

interface Node {
  id: string;
  keyPem: string;
  tls: TlsCredentials;
}

/** A node as loadIdentity makes one: a fresh Ed25519 key, its id the hex of the raw public key. */
function newNode(secret = SECRET): Node {
  const { privateKey } = generateKeyPairSync("ed25519");
  const keyPem = privateKey.export({ format: "pem", type: "pkcs8" }) as string;
  const spki = createPublicKey(privateKey).export({ format: "der", type: "spki" });
  const id = hex(new Uint8Array(spki.subarray(-32)));
  return { id, keyPem, tls: clusterTls(secret, keyPem, id) };
}

Deno.test("every node derives the same CA from the same secret, byte for byte", () => {
  const a = clusterCa(SECRET);
  const b = clusterCa(SECRET.toUpperCase());
  assertEquals(hex(a.der), hex(b.der));
  assertEquals(newNode().tls.ca, newNode().tls.ca);
  assert(hex(clusterCa(OTHER_SECRET).der) !== hex(a.der), "another secret, another CA");
});

Deno.test("a secret that is not 32 bytes of hex makes no CA", () => {
  for (const bad of ["", "00", SECRET.slice(2), SECRET + "00", "g".repeat(64)]) {
    assertThrows(() => clusterCa(bad));
  }
});

Deno.test("a node certificate is only made for the key of the node it names", () => {
  const a = newNode(), b = newNode();
  const e = assertThrows(() => nodeCertificate(clusterCa(SECRET), a.keyPem, b.id)) as Error;
  assertMatch(e.message, /not the key of node/);
});

// --- openssl, the reference reader of X.509 ---

const ci = Deno.env.get("CI") === "true";
const opensslVersion = await (async () => {
  try {
    const o = await new Deno.Command("openssl", { args: ["version"], stdout: "piped" }).output();
    return o.success ? new TextDecoder().decode(o.stdout).trim() : null;
  } catch {
    return null; // not installed: spawning throws NotFound
  }
})();
if (!opensslVersion) {
  console.log(`openssl is not installed: the openssl tests are ${ci ? "failing (CI)" : "skipped"}`);
}

async function openssl(...args: string[]): Promise<{ ok: boolean; out: string }> {
  const o = await new Deno.Command("openssl", { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder();
  return { ok: o.success, out: text.decode(o.stdout) + text.decode(o.stderr) };
}

Deno.test({
  name: "openssl reads both certificates and verifies the node's against the CA",
  ignore: !opensslVersion && !ci,
  async fn() {
    assert(opensslVersion, "CI=true requires openssl");
    const node = newNode();
    const dir = await Deno.makeTempDir();
    try {
      const file = (name: string, text: string) => {
        Deno.writeTextFileSync(`${dir}/${name}`, text);
        return `${dir}/${name}`;
      };
      const ca = file("ca.pem", node.tls.ca);
      const cert = file("node.pem", node.tls.cert);
      const foreignCa = file("other-ca.pem", pem("CERTIFICATE", clusterCa(OTHER_SECRET).der));

      const caText = await openssl("x509", "-noout", "-text", "-in", ca);
      assert(caText.ok, caText.out);
      assertMatch(caText.out, /Subject: CN ?= ?Remise cluster CA/);
      assertMatch(caText.out, /Basic Constraints: critical\s+CA:TRUE/);
      assertMatch(caText.out, /Key Usage: critical\s+Certificate Sign, CRL Sign/);
      assertMatch(caText.out, /Not After : Dec 31 23:59:59 9999 GMT/);

      const nodeText = await openssl("x509", "-noout", "-text", "-in", cert);
      assert(nodeText.ok, nodeText.out);
      assertMatch(nodeText.out, new RegExp(`Subject: CN ?= ?${node.id}`));
      assertMatch(nodeText.out, /Basic Constraints: critical\s+CA:FALSE/);
      assertMatch(nodeText.out, /TLS Web Server Authentication, TLS Web Client Authentication/);
      assertMatch(
        nodeText.out,
        new RegExp(`DNS:${PEER_SERVERNAME}, DNS:${nodeServername(node.id)}`),
      );

      // -x509_strict adds RFC 5280's checks (key identifiers, encodings) to the chain's.
      for (const purpose of ["sslserver", "sslclient"]) {
        const v = await openssl("verify", "-x509_strict", "-purpose", purpose, "-CAfile", ca, cert);
        assert(v.ok, v.out);
      }
      const foreign = await openssl("verify", "-CAfile", foreignCa, cert);
      assert(!foreign.ok, "another secret's CA does not vouch for this node");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

// --- node:tls between nodes ---

interface Listener {
  port: number;
  /** Ids of the peers whose connections the server accepted. */
  accepted: string[];
  received: string[];
  close(): Promise<void>;
}

/** A peer server: answers each message `m` with `pong m`. */
async function listen(tls: TlsCredentials): Promise<Listener> {
  const accepted: string[] = [], received: string[] = [];
  const sockets = new Set<TLSSocket>();
  const server = createServer({ ...tls, requestCert: true, rejectUnauthorized: true }, (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {}); // the client's hang-up is its business
    accepted.push(peerNodeId(socket));
    socket.on("data", (d: Buffer) => {
      received.push(d.toString());
      socket.write(`pong ${d}`);
    });
  });
  server.on("tlsClientError", () => {}); // refused handshakes are what some tests expect
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    accepted,
    received,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

interface Outcome {
  /** The client's side of the handshake completed (TLS 1.3 ends it before the server's check). */
  handshake: boolean;
  serverId?: string;
  reply: string;
  error?: string;
}

/** Dials, says `ping`, hangs up on the first reply, and reports how it went. */
function ping(port: number, options: ConnectionOptions): Promise<Outcome> {
  const outcome: Outcome = { handshake: false, reply: "" };
  const socket = connect({ host: "127.0.0.1", port, rejectUnauthorized: true, ...options });
  return new Promise((resolve) => {
    const stuck = setTimeout(() => socket.destroy(new Error("no answer in 5 s")), 5000);
    socket.on("secureConnect", () => {
      outcome.handshake = true;
      outcome.serverId = peerNodeId(socket);
      socket.write("ping");
    });
    socket.on("data", (d: Buffer) => {
      outcome.reply += d.toString();
      socket.end();
    });
    socket.on("error", (e) => outcome.error = e.message);
    socket.on("close", () => {
      clearTimeout(stuck);
      resolve(outcome);
    });
  });
}

Deno.test("two nodes of one cluster connect, each knowing the other's id", async () => {
  const a = newNode(), b = newNode();
  const server = await listen(a.tls);
  try {
    const out = await ping(server.port, { ...b.tls, servername: PEER_SERVERNAME });
    assertEquals(out, { handshake: true, serverId: a.id, reply: "pong ping" });
    assertEquals(server.accepted, [b.id]);
    assertEquals(server.received, ["ping"]);
  } finally {
    await server.close();
  }
});

Deno.test("a client that names the node it dials accepts that node and no other", async () => {
  const a = newNode(), b = newNode(), c = newNode();
  const server = await listen(a.tls);
  try {
    const right = await ping(server.port, { ...b.tls, servername: nodeServername(a.id) });
    assertEquals(right.reply, "pong ping");
    const wrong = await ping(server.port, { ...b.tls, servername: nodeServername(c.id) });
    assertEquals(wrong.handshake, false);
    assertMatch(wrong.error ?? "", /altnames/);
    assertEquals(server.received, ["ping"]);
  } finally {
    await server.close();
  }
});

Deno.test("a server refuses a client whose certificate another secret signed", async () => {
  const a = newNode(), stranger = newNode(OTHER_SECRET);
  const server = await listen(a.tls);
  try {
    // The stranger trusts our CA, so only the server's check can stop it.
    const out = await ping(server.port, {
      ...stranger.tls,
      ca: a.tls.ca,
      servername: PEER_SERVERNAME,
    });
    assertEquals(out.reply, "");
    assertEquals(server.accepted, []);
    assertEquals(server.received, []);
  } finally {
    await server.close();
  }
});

Deno.test("a client refuses a server whose certificate another secret signed", async () => {
  const stranger = newNode(OTHER_SECRET), b = newNode();
  const server = await listen(stranger.tls);
  try {
    const out = await ping(server.port, { ...b.tls, servername: PEER_SERVERNAME });
    assertEquals(out.handshake, false);
    assertMatch(out.error ?? "", /verify/);
    assertEquals(server.received, []);
  } finally {
    await server.close();
  }
});

Deno.test("a server refuses a client that presents no certificate", async () => {
  const a = newNode();
  const server = await listen(a.tls);
  try {
    const out = await ping(server.port, { ca: a.tls.ca, servername: PEER_SERVERNAME });
    assertEquals(out.reply, "");
    assertEquals(server.accepted, []);
    assertEquals(server.received, []);
  } finally {
    await server.close();
  }
});
