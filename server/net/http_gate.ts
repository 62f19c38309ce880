/**
 * An HTTP listener that bounds what one client may hold: Deno.serve has no header-read or idle
 * timeout and no connection limit, so one client dribbling headers could keep a socket for ever
 * and a few thousand could exhaust the process. The gate accepts on the public address, relays
 * each connection to a Deno.serve on a unix socket in a private folder, and closes connections
 * whose request headers take longer than `headerTimeoutMs`, that stay silent for `idleTimeoutMs`
 * between requests or inside a body, or that come when `maxConnections` are open (after a 503).
 *
 * Measured on this project's machines, the relay costs a small request ~5 µs of CPU and keeps
 * ~85% of a direct connection's throughput on large bodies.
 */
import { dirname, resolve } from "node:path";
import type { ConnectionLimits } from "../util/config.ts";
import { sha256Hex } from "../util/ids.ts";
import { log } from "../util/log.ts";
import { RequestFraming } from "./request_framing.ts";
import { clientAddressLine } from "./client_address.ts";

/** Read buffers start small (most connections carry small requests) and grow for bulk. */
const SMALL_READ = 16 * 1024;
const LARGE_READ = 256 * 1024;

/** How long a connection the server closed is drained before it is closed (lingering close). */
const LINGER_MS = 2000;
/** At most one warning this often while a listener is full. */
const FULL_WARNING_MS = 10_000;

/**
 * The folder of the sockets the servers behind a node's gates listen on: one per node, named
 * for its metadata folder, in the system's temporary folder (not in metadata_dir, whose files
 * are the node's data: a backup walking it should not meet sockets). Reused across starts, so a
 * node killed without its shutdown leaves one folder that its next start takes back, not a new
 * one each time. Only this user may enter it: a folder of that name made by anyone else, or open
 * to others, is not used, and a fresh private one is made instead.
 */
async function socketFolder(home: string): Promise<string> {
  const dir = socketFolderPath(home);
  try {
    await Deno.mkdir(dir, { mode: 0o700 });
    return dir;
  } catch (e) {
    if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
  }
  const st = await Deno.lstat(dir);
  if (st.isDirectory && st.uid === Deno.uid() && (st.mode! & 0o077) === 0) return dir;
  log.warn("the sockets' folder is not this user's alone: using another", { path: dir });
  // Made private by Deno (0700).
  return await Deno.makeTempDir({ prefix: "remise-" });
}

/** The path socketFolder tries first for a node whose metadata folder is `home`. */
export function socketFolderPath(home: string, tmp = Deno.env.get("TMPDIR") || "/tmp"): string {
  return `${tmp}/remise-${sha256Hex(resolve(home)).slice(0, 16)}`;
}

/** One client connection and its relay to the server behind the gate. */
class Relay {
  readonly framing = new RequestFraming();
  /** When the head being read must have ended (the first one counts from the accept). */
  headDeadline: number;
  lastClient: number;
  lastServer = 0;
  /** Whether the relay is waiting for the client (not for the server to take bytes). */
  waitingOnClient = false;
  /** Whether the server has answered since the client's last request ended. */
  answered = false;
  /** Set once the server has closed: the client's bytes are drained until then, then closed. */
  lingerUntil?: number;
  #closed = false;

  /** Put after each request line: who the client is (see client_address.ts). */
  readonly addressLine: Uint8Array;

  constructor(
    readonly client: Deno.TcpConn,
    readonly server: Deno.UnixConn,
    now: number,
    limits: ConnectionLimits,
  ) {
    this.headDeadline = now + limits.headerTimeoutMs;
    this.lastClient = now;
    this.addressLine = clientAddressLine(client.remoteAddr.hostname);
  }

  /** Why this connection must be closed now, if it must. */
  overdue(now: number, limits: ConnectionLimits): string | undefined {
    if (this.lingerUntil !== undefined) return now > this.lingerUntil ? "closed" : undefined;
    const state = this.framing.state;
    // Until its first request begins, a connection is waiting for headers too.
    const inHead = state === "head" || (state === "idle" && this.framing.completed === 0);
    if (inHead && now > this.headDeadline) return "request headers too slow";
    if (!this.waitingOnClient) return undefined;
    const silent = now - Math.max(this.lastClient, this.lastServer);
    if (state === "body" && now - this.lastClient > limits.idleTimeoutMs) return "body stalled";
    // While the server works on an answer nothing flows, and that is no idleness of the client.
    if (state === "idle" && this.answered && silent > limits.idleTimeoutMs) return "idle";
    if (state === "opaque" && silent > limits.idleTimeoutMs) return "idle";
    return undefined;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const c of [this.client, this.server]) {
      try {
        c.close();
      } catch {
        // Already closed by the other side.
      }
    }
  }

  async run(limits: ConnectionLimits): Promise<void> {
    try {
      await Promise.all([this.#fromClient(limits), this.#fromServer()]);
    } finally {
      this.close();
    }
  }

  async #fromClient(limits: ConnectionLimits): Promise<void> {
    let buf = new Uint8Array(SMALL_READ);
    /** The server stopped taking bytes (it answered and closed): the rest is drained. */
    let serverGone = false;
    for (;;) {
      let n: number | null;
      try {
        this.waitingOnClient = true;
        n = await this.client.read(buf);
        this.waitingOnClient = false;
      } catch {
        // The client is gone, or the sweeper closed it.
        this.close();
        return;
      }
      if (n === null) break;
      if (serverGone || this.lingerUntil !== undefined) continue;
      const now = Date.now();
      this.lastClient = now;
      const before = this.framing.state;
      const done = this.framing.completed;
      this.framing.feed(buf.subarray(0, n));
      if (before !== "head" && this.framing.state === "head") {
        this.headDeadline = now + limits.headerTimeoutMs;
      }
      if (this.framing.completed !== done) this.answered = false;
      try {
        await writeAll(this.server, this.#withAddress(buf.subarray(0, n)));
      } catch {
        // Its answer may still be on its way to the client: #fromServer ends the connection.
        serverGone = true;
      }
      if (n === buf.length && buf.length < LARGE_READ) buf = new Uint8Array(LARGE_READ);
    }
    await this.server.closeWrite().catch(() => {});
  }

  /**
   * The bytes read, with the client's address after each request line they end: copied into
   * one buffer, because each write is a system call and a small request is mostly those.
   */
  #withAddress(bytes: Uint8Array): Uint8Array {
    const ends = this.framing.lineEnds;
    if (ends.length === 0) return bytes;
    const line = this.addressLine;
    const out = new Uint8Array(bytes.length + ends.length * line.length);
    let from = 0;
    let to = 0;
    for (const at of ends) {
      out.set(bytes.subarray(from, at), to);
      to += at - from;
      out.set(line, to);
      to += line.length;
      from = at;
    }
    out.set(bytes.subarray(from), to);
    return out;
  }

  async #fromServer(): Promise<void> {
    let buf = new Uint8Array(SMALL_READ);
    try {
      for (;;) {
        const n = await this.server.read(buf);
        if (n === null) break;
        this.lastServer = Date.now();
        this.answered = true;
        await writeAll(this.client, buf.subarray(0, n));
        if (n === buf.length && buf.length < LARGE_READ) buf = new Uint8Array(LARGE_READ);
      }
      // The server is done with this connection (it closes after an error or a Connection:
      // close). Closing at once with the client's bytes unread would reset the connection, and
      // the client could lose the answer: end it, and drain what the client still sends.
      this.lingerUntil = Date.now() + LINGER_MS;
      await this.client.closeWrite();
    } catch {
      this.close();
    }
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
}

export class HttpGate {
  readonly #relays = new Set<Relay>();
  #sweeper?: ReturnType<typeof setInterval>;
  #warnedFull = 0;

  private constructor(
    readonly addr: Deno.NetAddr,
    readonly name: string,
    readonly limits: ConnectionLimits,
    readonly socket: string,
    readonly listener: Deno.TcpListener,
    readonly server: Deno.HttpServer,
  ) {}

  /**
   * Listens on `hostname:port` and serves `handler` behind the gate, on a socket in a folder
   * only this user can enter (see socketFolder; `home` is the node's metadata folder): only it
   * can reach the server past the gate.
   */
  static async start(
    name: string,
    bind: { hostname: string; port: number },
    limits: ConnectionLimits,
    handler: Deno.ServeHandler,
    home: string,
  ): Promise<HttpGate> {
    const socket = `${await socketFolder(home)}/${name}.sock`;
    // Left by a node killed without its shutdown.
    await Deno.remove(socket).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    });
    let listening!: () => void;
    const ready = new Promise<void>((resolve) => listening = resolve);
    const server = Deno.serve({ path: socket, onListen: () => listening() }, handler);
    await ready;
    const listener = Deno.listen(bind);
    const gate = new HttpGate(listener.addr, name, limits, socket, listener, server);
    gate.#accept(socket);
    const tick = Math.min(
      1000,
      Math.max(50, Math.min(limits.headerTimeoutMs, limits.idleTimeoutMs) / 4),
    );
    const sweeper = setInterval(() => gate.#sweep(), tick);
    Deno.unrefTimer(sweeper);
    gate.#sweeper = sweeper;
    return gate;
  }

  /** Connections open now. */
  get open(): number {
    return this.#relays.size;
  }

  async #accept(path: string): Promise<void> {
    for (;;) {
      let client: Deno.TcpConn;
      try {
        client = await this.listener.accept();
      } catch {
        return; // The listener was closed.
      }
      if (this.#relays.size >= this.limits.maxConnections) {
        // Closed unanswered: clients retry a reset connection, as they would a 503.
        client.close();
        if (Date.now() - this.#warnedFull > FULL_WARNING_MS) {
          this.#warnedFull = Date.now();
          log.warn("connection limit reached: new connections are closed", {
            listener: this.name,
            open: this.#relays.size,
            limit: this.limits.maxConnections,
          });
        }
        continue;
      }
      client.setNoDelay(true);
      let server: Deno.UnixConn;
      try {
        server = await Deno.connect({ transport: "unix", path });
      } catch (e) {
        log.warn("the HTTP server behind the gate cannot be reached", {
          listener: this.name,
          error: e,
        });
        client.close();
        continue;
      }
      const relay = new Relay(client, server, Date.now(), this.limits);
      this.#relays.add(relay);
      relay.run(this.limits).finally(() => this.#relays.delete(relay));
    }
  }

  #sweep(): void {
    const now = Date.now();
    for (const r of this.#relays) {
      const why = r.overdue(now, this.limits);
      if (why) {
        log.debug("connection closed", { listener: this.name, why });
        r.close();
      }
    }
  }

  /** Stops accepting, lets the requests under way finish, then closes what is left. */
  async shutdown(): Promise<void> {
    clearInterval(this.#sweeper);
    this.listener.close();
    await this.server.shutdown();
    for (const r of this.#relays) r.close();
    await Deno.remove(this.socket).catch(() => {});
    // The last of the node's gates to stop removes the folder (the others find it not empty).
    await Deno.remove(dirname(this.socket)).catch(() => {});
  }
}
