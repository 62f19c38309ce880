/**
 * The peers of this node: one authenticated TLS connection per pair of nodes, dialled from the
 * addresses it learns (configuration, `node connect`, other peers' lists), watched with pings and
 * redialled with back-off when it drops.
 */
import { connect as tlsConnect, createServer, type Server, type TLSSocket } from "node:tls";
import { log } from "../util/log.ts";
import { peerNodeId } from "./cert.ts";
import { Connection, Priority, type RequestHandler } from "./conn.ts";

export interface TlsMaterial {
  ca: string;
  cert: string;
  key: string;
  /** The name the dialling side checks in the certificate of the node it means to reach. */
  servername(id: string): string;
  /** Whether certificates certify node keys (generated ones do), so ids can be checked. */
  certifiesNodeKeys: boolean;
}

export interface PeerAddress {
  id: string;
  addr: string;
}

export interface PeerStatus extends PeerAddress {
  up: boolean;
  /** Last answer (or connection) from the peer, ms since the epoch; null if never seen. */
  lastSeen: number | null;
  /** Round trip of the last ping, ms. */
  pingMs: number | null;
  /** What the peer says of itself in answer to pings (see PeerOptions.info). */
  info: unknown;
}

export type PeerHandler = (endpoint: string, msg: unknown, from: string) => Promise<unknown>;

export interface PeerOptions {
  id: string;
  bindAddr: string;
  /** What other nodes should dial to reach this one (defaults to the bound address). */
  publicAddr?: string;
  tls: TlsMaterial;
  handler: PeerHandler;
  pingIntervalMs: number;
  pingTimeoutMs: number;
  /** Misses in a row after which a peer is shown down and its connection dropped. */
  maxMissedPings?: number;
  /** Persisted peer list, so a restarted node finds its cluster again. */
  load?: () => Promise<PeerAddress[]>;
  save?: (peers: PeerAddress[]) => Promise<void>;
  /** A peer just came up (connection made and identified). */
  onUp?: (id: string) => void;
  /** This node's answer to pings: what peers show of it (version, disk space, ...). */
  info?: () => unknown;
}

interface Hello {
  id: string;
  addr: string;
}

interface Peer {
  id: string;
  addr?: string;
  conn?: Connection;
  /** A dial under way, shared by every caller that needs the connection. */
  dialing?: Promise<Connection>;
  lastSeen: number | null;
  pingMs: number | null;
  info: unknown;
  missed: number;
  /** When the next background redial may start, and the back-off it used. */
  retryAt: number;
  backoffMs: number;
  /** Bytes sent to and received from the peer over connections since closed. */
  sent: number;
  received: number;
}

/** What went to and came from a peer since this node started. */
export interface PeerTraffic {
  id: string;
  sent: number;
  received: number;
}

const DIAL_TIMEOUT_MS = 5_000;
const MAX_BACKOFF_MS = 60_000;

export function parseAddr(addr: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(addr);
  if (!m) throw new Error(`"${addr}" is not host:port`);
  return { host: m[1], port: Number(m[2]) };
}

/** `<id>@<host:port>`, as `node id` prints it and `node connect` takes it. */
export function parsePeer(s: string): PeerAddress {
  const at = s.indexOf("@");
  const id = s.slice(0, at);
  if (at < 0 || !/^[0-9a-f]{64}$/.test(id)) {
    throw new Error(`"${s}" is not <node id>@<host:port> (the id is 64 hex characters)`);
  }
  parseAddr(s.slice(at + 1));
  return { id, addr: s.slice(at + 1) };
}

export class Peers {
  readonly #peers = new Map<string, Peer>();
  #server?: Server;
  #timer?: ReturnType<typeof setInterval>;
  #stopped = false;
  addr = "";

  constructor(readonly o: PeerOptions) {}

  get id(): string {
    return this.o.id;
  }

  async start(): Promise<void> {
    const { host, port } = parseAddr(this.o.bindAddr);
    const { ca, cert, key } = this.o.tls;
    const server = createServer(
      { ca, cert, key, requestCert: true, rejectUnauthorized: true },
      (s) => this.#accepted(s),
    );
    server.on("tlsClientError", (e: Error) => log.debug("peer refused", { error: e }));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
    this.#server = server;
    const bound = server.address() as { port: number };
    this.addr = this.o.publicAddr ?? `${host}:${bound.port}`;
    for (const p of await this.o.load?.() ?? []) this.learn(p);
    this.#timer = setInterval(() => this.#tick(), this.o.pingIntervalMs);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    for (const p of this.#peers.values()) p.conn?.close();
    await Promise.all([...this.#peers.values()].map((p) => p.conn?.closed));
    await new Promise((r) => this.#server ? this.#server.close(r) : r(null));
  }

  /** Remembers where a peer can be reached; dials it soon if it is new. */
  learn(p: PeerAddress): void {
    if (p.id === this.id) return;
    const isNew = !this.#peers.has(p.id);
    const peer = this.#remember(p);
    if (isNew && !this.#stopped) this.#dial(peer).catch(() => {});
  }

  /** Connects to a peer now (`node connect`); fails with the reason if it cannot. */
  async connect(p: PeerAddress): Promise<void> {
    if (p.id === this.id) return;
    const peer = this.#remember(p);
    // Asked once connected, so what it says of itself (host, version, disks) is known at once.
    await this.#ping(peer, await this.#dial(peer));
  }

  /** Forgets a peer (a mistyped address that never answered, a node gone for good). */
  forget(id: string): boolean {
    const peer = this.#peers.get(id);
    if (!peer) return false;
    this.#peers.delete(id);
    peer.conn?.close();
    this.#persist();
    return true;
  }

  /** A peer's record, its address updated unless a live connection already proves the old one. */
  #remember(p: PeerAddress): Peer {
    const peer = this.#peers.get(p.id) ?? this.#newPeer(p.id, p.addr);
    const changed = !this.#peers.has(p.id) || (!peer.conn && peer.addr !== p.addr);
    if (!peer.conn) peer.addr = p.addr;
    this.#peers.set(p.id, peer);
    if (changed) this.#persist();
    return peer;
  }

  /** Known peers with addresses, for other nodes to learn from. */
  known(): PeerAddress[] {
    const list = [{ id: this.id, addr: this.addr }];
    for (const p of this.#peers.values()) if (p.addr) list.push({ id: p.id, addr: p.addr });
    return list;
  }

  status(): PeerStatus[] {
    return [...this.#peers.values()].map((p) => ({
      id: p.id,
      addr: p.addr ?? "",
      up: p.conn !== undefined,
      lastSeen: p.lastSeen,
      pingMs: p.pingMs,
      info: p.info,
    }));
  }

  traffic(): PeerTraffic[] {
    return [...this.#peers.values()].map((p) => ({
      id: p.id,
      sent: p.sent + (p.conn?.sent ?? 0),
      received: p.received + (p.conn?.received ?? 0),
    }));
  }

  /** The last ping's round trip to a peer that is up (ms; Infinity when unknown or down). */
  latency(id: string): number {
    const p = this.#peers.get(id);
    return p?.conn ? p.pingMs ?? Infinity : Infinity;
  }

  isUp(id: string): boolean {
    return id === this.id || this.#peers.get(id)?.conn !== undefined;
  }

  /** Calls a peer; a peer shown down fails at once rather than after a timeout. */
  async call(
    id: string,
    endpoint: string,
    msg: unknown,
    priority: Priority,
    timeoutMs: number,
  ): Promise<unknown> {
    const peer = this.#peers.get(id);
    if (!peer) throw new Error(`node ${id.slice(0, 16)} is not a known peer`);
    const conn = peer.conn ?? (peer.dialing ? await peer.dialing : undefined);
    if (!conn) throw new Error(`node ${id.slice(0, 16)} is down`);
    const answer = await conn.call(endpoint, msg, priority, timeoutMs);
    peer.lastSeen = Date.now();
    return answer;
  }

  #newPeer(id: string, addr?: string): Peer {
    return {
      id,
      addr,
      lastSeen: null,
      pingMs: null,
      info: null,
      missed: 0,
      retryAt: 0,
      backoffMs: 1000,
      sent: 0,
      received: 0,
    };
  }

  #persist(): void {
    const list = [...this.#peers.values()].filter((p) => p.addr).map((p) => ({
      id: p.id,
      addr: p.addr!,
    }));
    this.o.save?.(list).catch((e) => log.warn("could not save the peer list", { error: e }));
  }

  #dial(peer: Peer): Promise<Connection> {
    if (peer.conn) return Promise.resolve(peer.conn);
    if (peer.dialing) return peer.dialing;
    const addr = peer.addr;
    if (!addr) return Promise.reject(new Error(`no address known for ${peer.id.slice(0, 16)}`));
    peer.dialing = this.#open(peer.id, addr).finally(() => peer.dialing = undefined);
    return peer.dialing.then((conn) => this.#adopt(peer.id, conn, true), (e) => {
      peer.retryAt = Date.now() + peer.backoffMs;
      peer.backoffMs = Math.min(peer.backoffMs * 2, MAX_BACKOFF_MS);
      throw e;
    });
  }

  /** Opens a TLS connection and introduces this node; resolves once the peer answered. */
  async #open(id: string, addr: string): Promise<Connection> {
    const { host, port } = parseAddr(addr);
    const { ca, cert, key } = this.o.tls;
    const socket = tlsConnect({
      host,
      port,
      ca,
      cert,
      key,
      servername: this.o.tls.servername(id),
      rejectUnauthorized: true,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no TLS handshake with ${addr} within ${DIAL_TIMEOUT_MS} ms`)),
          DIAL_TIMEOUT_MS,
        );
        socket.once("secureConnect", () => {
          clearTimeout(timer);
          resolve();
        });
        socket.once("error", (e) => {
          clearTimeout(timer);
          reject(new Error(`cannot reach ${addr}: ${e.message}`));
        });
      });
    } catch (e) {
      socket.destroy();
      throw e;
    }
    socket.setNoDelay(true);
    const conn = new Connection(socket, this.#handlerFor(id));
    const hello = await conn.call(
      "hello",
      { id: this.id, addr: this.addr } satisfies Hello,
      Priority.High,
      DIAL_TIMEOUT_MS,
    ).catch((e) => {
      conn.close();
      throw e;
    }) as Hello;
    if (hello.id !== id) {
      conn.close();
      throw new Error(`${addr} is node ${hello.id.slice(0, 16)}, not ${id.slice(0, 16)}`);
    }
    return conn;
  }

  /** An incoming connection serves nothing but `hello` until the peer has said who it is. */
  #accepted(socket: TLSSocket): void {
    socket.setNoDelay(true);
    const conn: Connection = new Connection(socket, (endpoint, msg) => {
      if (endpoint !== "hello") {
        return Promise.reject(new Error("introduce yourself with hello first"));
      }
      const h = msg as Hello;
      if (typeof h?.id !== "string" || !/^[0-9a-f]{64}$/.test(h.id) || h.id === this.id) {
        return Promise.reject(new Error("hello: invalid node id"));
      }
      if (this.o.tls.certifiesNodeKeys && peerNodeId(socket) !== h.id) {
        return Promise.reject(new Error("hello: the node id is not the one its certificate holds"));
      }
      const peer = this.#peers.get(h.id) ?? this.#newPeer(h.id);
      if (!peer.conn && typeof h.addr === "string" && h.addr) peer.addr = h.addr;
      this.#peers.set(h.id, peer);
      this.#persist();
      conn.handler = this.#handlerFor(h.id);
      // Answered before adoption so the dialler has its hello reply even if this one is dropped.
      queueMicrotask(() => this.#adopt(h.id, conn, false));
      return Promise.resolve({ id: this.id, addr: this.addr } satisfies Hello);
    });
  }

  #handlerFor(id: string): RequestHandler {
    return (endpoint, msg) => {
      const peer = this.#peers.get(id);
      if (peer) peer.lastSeen = Date.now();
      if (endpoint === "ping") return Promise.resolve(this.o.info?.() ?? null);
      if (endpoint === "peers") return Promise.resolve(this.known());
      return this.o.handler(endpoint, msg, id);
    };
  }

  /**
   * Keeps one connection per pair: when both nodes dialled each other, both keep the one
   * dialled by the smaller id.
   */
  #adopt(id: string, conn: Connection, dialled: boolean): Connection {
    const peer = this.#peers.get(id)!;
    if (this.#stopped) {
      conn.close();
      return conn;
    }
    const existing = peer.conn;
    if (existing && !existing.isClosed && existing !== conn) {
      const keepNew = (this.id < id) === dialled;
      if (!keepNew) {
        conn.close();
        return existing;
      }
      existing.close();
    }
    peer.conn = conn;
    peer.missed = 0;
    peer.backoffMs = 1000;
    peer.lastSeen = Date.now();
    conn.closed.then((reason) => {
      peer.sent += conn.sent;
      peer.received += conn.received;
      if (peer.conn !== conn) return;
      peer.conn = undefined;
      peer.retryAt = Date.now() + 500;
      if (!this.#stopped) log.info("peer down", { id: id.slice(0, 16), reason: reason.message });
    });
    log.info("peer up", { id: id.slice(0, 16), addr: peer.addr });
    if (!peer.info) this.#ping(peer, conn);
    this.o.onUp?.(id);
    this.#exchangePeers(conn);
    return conn;
  }

  async #exchangePeers(conn: Connection): Promise<void> {
    try {
      const list = await conn.call(
        "peers",
        null,
        Priority.High,
        this.o.pingTimeoutMs,
      ) as PeerAddress[];
      for (const p of list) if (p.id && p.addr) this.learn(p);
    } catch {
      // The next ping round retries.
    }
  }

  #tick(): void {
    const now = Date.now();
    for (const peer of this.#peers.values()) {
      if (peer.conn) this.#ping(peer, peer.conn);
      else if (!peer.dialing && peer.addr && now >= peer.retryAt) {
        this.#dial(peer).catch((e) =>
          log.debug("redial failed", { id: peer.id.slice(0, 16), error: e })
        );
      }
    }
  }

  async #ping(peer: Peer, conn: Connection): Promise<void> {
    const t = performance.now();
    try {
      peer.info = await conn.call("ping", null, Priority.High, this.o.pingTimeoutMs);
      peer.pingMs = performance.now() - t;
      peer.lastSeen = Date.now();
      peer.missed = 0;
    } catch (e) {
      if (++peer.missed >= (this.o.maxMissedPings ?? 3)) {
        conn.close(new Error(`${peer.missed} pings unanswered: ${(e as Error).message}`));
      }
    }
  }
}
