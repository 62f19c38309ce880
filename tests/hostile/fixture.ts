/**
 * The one node every hostile case runs against, its key and bucket, the objects and bucket
 * configurations recorded at set-up, and the check made after every case: the node answers
 * /health, a fresh signed request works, the recorded objects are byte-for-byte unchanged and
 * no other object exists than the cases legitimately wrote.
 */
import { AssertionError } from "../assert.ts";
import { startNode, type TestNode } from "../harness.ts";
import { type Creds, sha256Hex, signHeaders } from "../sigv4.ts";
import {
  describe,
  type Exchange,
  type RawAnswer,
  request,
  requestBytes,
  statusText,
} from "./raw.ts";

/** The connection limits the node is given (being implemented; refused by older servers). */
export const HTTP_TOML = [
  "[http]",
  "header_timeout_secs = 2",
  "idle_timeout_secs = 3",
  "max_connections = 64",
].join("\n");
export const HEADER_TIMEOUT_S = 2;
export const IDLE_TIMEOUT_S = 3;
export const MAX_CONNECTIONS = 64;

export const BUCKET = "hostile";
export const SMALL = "small.txt";
export const BIG = "big.bin";
export const NESTED = "nested/key with space.txt";

export const CONFIG_DOCS: Record<string, string> = {
  cors: "<CORSConfiguration><CORSRule><AllowedOrigin>https://good.example</AllowedOrigin>" +
    "<AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>",
  lifecycle: "<LifecycleConfiguration><Rule><ID>keep</ID><Filter><Prefix>never-matches/</Prefix>" +
    "</Filter><Status>Enabled</Status><Expiration><Days>3650</Days></Expiration></Rule>" +
    "</LifecycleConfiguration>",
  website: "<WebsiteConfiguration><IndexDocument><Suffix>index.html</Suffix></IndexDocument>" +
    "</WebsiteConfiguration>",
};

/**
 * Every 5xx is a failure but one: 501 NotImplemented is how a request for a feature Remise lacks
 * is refused (the issue asks for exactly that), so it is an answer, not a server error. An
 * answer to HEAD carries no code to tell which 501 it is.
 */
export const VERBOSE = Deno.env.get("HOSTILE_VERBOSE") === "1";

export function tolerated501(a: RawAnswer, head = false): boolean {
  return a.status === 501 && (head || a.code === "NotImplemented");
}

export function isServerError(a: RawAnswer, head = false): boolean {
  return a.status >= 500 && !tolerated501(a, head);
}

export function objectPath(key: string): string {
  return `/${BUCKET}/${key.split("/").map(encodeURIComponent).join("/")}`;
}

export function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) {
    crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  }
  return out;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0];
const short = (s: string) => s.length > 60 ? `${s.slice(0, 60)}… (${s.length} chars)` : s;
const unescapeXml = (s: string) =>
  s.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n))).replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");

export interface SignOptions {
  /** The x-amz-content-sha256 to sign (default: the body's SHA-256). */
  payloadHash?: string;
  creds?: Creds;
  now?: Date;
  /** Extra headers, signed. */
  headers?: Record<string, string>;
  /** Leave out `connection: close`. */
  keepAlive?: boolean;
}

/** The rule a hostile request's outcome is judged by. */
export interface Rule {
  /** Acceptable answers (default: any 4xx). */
  ok?: (a: RawAnswer) => boolean;
  /** What `ok` accepts, for the failure message. */
  want?: string;
  /** A close without an answer is acceptable (framing-level attacks, connection limits). */
  closeOk?: boolean;
  /** Answers allowed on the connection (default 1: more means hidden bytes were served). */
  maxAnswers?: number;
}

export const is4xx = (a: RawAnswer) => a.status >= 400 && a.status < 500;
export const exactly = (status: number, code: string): Pick<Rule, "ok" | "want"> => ({
  ok: (a) => a.status === status && a.code === code,
  want: `${status} ${code}`,
});

/** Adds to `problems` what is wrong with an exchange's outcome; returns its first answer. */
export function judge(
  problems: string[],
  what: string,
  ex: Exchange,
  rule: Rule = {},
): RawAnswer | undefined {
  const got = describe(ex);
  if (VERBOSE) console.log(`    ${what} → ${got}`);
  const first = ex.answers[0];
  if (ex.answers.some((a) => isServerError(a))) problems.push(`${what}: a server error: ${got}`);
  if (ex.answers.length > (rule.maxAnswers ?? 1)) {
    problems.push(`${what}: bytes hidden in the request were served as a request: ${got}`);
  }
  const want = rule.want ?? "a 4xx";
  if (!first) {
    if (!(rule.closeOk && ex.closed)) problems.push(`${what}: wanted ${want}, got ${got}`);
  } else if (!isServerError(first) && !(rule.ok ?? is4xx)(first)) {
    problems.push(`${what}: wanted ${want}, got ${got}`);
  }
  return first;
}

export class Fixture {
  /** Objects recorded at set-up: key → content. */
  readonly recorded = new Map<string, Uint8Array>();
  /** Every key that must exist in the bucket. */
  readonly expected = new Set<string>();
  /** Keys a case may legitimately leave (deleted after the case). */
  readonly optional = new Set<string>();
  /** The bucket configurations set at set-up: sub-resource → GET answer. */
  readonly configs = new Map<string, string>();

  private constructor(
    readonly node: TestNode,
    readonly creds: Creds,
    readonly dir: string,
    /** Whether the node took the [http] section; why not, if not. */
    readonly httpConfig: { accepted: boolean; refusal?: string },
  ) {}

  static async start(): Promise<Fixture> {
    let dir = await Deno.makeTempDir({ prefix: "remise-hostile-" });
    let node: TestNode;
    let httpConfig: { accepted: boolean; refusal?: string };
    try {
      node = await startNode({ dir, extraToml: HTTP_TOML });
      httpConfig = { accepted: true };
    } catch (e) {
      // A server without connection limits refuses the section: the other cases still run.
      const lines = String(e instanceof Error ? e.message : e).split("\n");
      const refusal = lines.find((l) => /unknown key/.test(l)) ??
        lines.find((l) => /config\.toml/.test(l)) ?? lines[0];
      console.warn(`The node refused the [http] section (${refusal}); it runs without it.`);
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      dir = await Deno.makeTempDir({ prefix: "remise-hostile-" });
      node = await startNode({ dir });
      httpConfig = { accepted: false, refusal };
    }
    try {
      const creds = await node.createKey("hostile");
      const fx = new Fixture(node, creds, dir, httpConfig);
      await fx.#setUp();
      return fx;
    } catch (e) {
      await node.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      throw e;
    }
  }

  async #setUp(): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const h = await request(this.node.admin, "GET", "/health", {}).catch(() => undefined);
      if (h?.status === 200) break;
      if (Date.now() > deadline) throw new Error(`the node is not healthy: ${statusText(h)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const created = await this.s3("PUT", `/${BUCKET}`);
    if (created.status !== 200) throw new Error(`CreateBucket: ${statusText(created)}`);
    this.recorded.set(
      SMALL,
      new TextEncoder().encode("a small object, recorded before the attacks\n"),
    );
    this.recorded.set(BIG, randomBytes(3 * 1024 * 1024));
    this.recorded.set(NESTED, randomBytes(1000));
    for (const [key, data] of this.recorded) {
      const r = await this.s3("PUT", objectPath(key), data);
      if (r.status !== 200) throw new Error(`PutObject ${key}: ${statusText(r)}`);
      this.expected.add(key);
    }
    for (const [sub, doc] of Object.entries(CONFIG_DOCS)) {
      const r = await this.s3("PUT", `/${BUCKET}?${sub}`, new TextEncoder().encode(doc));
      if (r.status !== 200 && r.status !== 204) throw new Error(`PUT ?${sub}: ${statusText(r)}`);
      this.configs.set(sub, await this.#config(sub));
    }
    const problems = await this.check();
    if (problems.length) throw new Error(`set-up: ${problems.join("; ")}`);
  }

  async #config(sub: string): Promise<string> {
    const r = await this.s3("GET", `/${BUCKET}?${sub}`);
    return `${r.status} ${r.text()}`;
  }

  async stop(): Promise<void> {
    await this.node.stop();
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }

  get s3Origin(): string {
    return this.node.s3;
  }

  get host(): string {
    return new URL(this.node.s3).host;
  }

  /** The request target as it goes on the wire (the URL's normalized path and query). */
  target(pathAndQuery: string): string {
    const u = new URL(this.node.s3 + pathAndQuery);
    return u.pathname + u.search;
  }

  /** SigV4 headers for a request (`content-length` etc. are unsigned unless in `o.headers`). */
  sign(
    method: string,
    pathAndQuery: string,
    body?: Uint8Array,
    o: SignOptions = {},
  ): Record<string, string> {
    return signHeaders(
      method,
      this.node.s3 + pathAndQuery,
      o.creds ?? this.creds,
      this.node.region,
      o.payloadHash ?? sha256Hex(body ?? new Uint8Array()),
      o.headers ?? {},
      o.now,
    );
  }

  /** The bytes of a signed request. */
  signedBytes(
    method: string,
    pathAndQuery: string,
    body?: Uint8Array,
    o: SignOptions = {},
  ): Uint8Array {
    return requestBytes(
      method,
      this.target(pathAndQuery),
      this.host,
      this.sign(method, pathAndQuery, body, o),
      body,
      o.keepAlive,
    );
  }

  /** A signed request on a fresh connection. */
  async s3(
    method: string,
    pathAndQuery: string,
    body?: Uint8Array,
    o: SignOptions = {},
  ): Promise<RawAnswer> {
    return await request(
      this.node.s3,
      method,
      this.target(pathAndQuery),
      this.sign(method, pathAndQuery, body, o),
      body,
    );
  }

  async exists(key: string): Promise<boolean> {
    const r = await this.s3("HEAD", objectPath(key));
    if (r.status !== 200 && r.status !== 404) throw new Error(`HEAD ${key}: ${statusText(r)}`);
    return r.status === 200;
  }

  /**
   * What is wrong with the node now: /health, a fresh signed listing, the bucket's keys, the
   * recorded objects' bytes, the bucket configurations. `light` skips /health and objects over
   * 64 KiB (for checks after every request of a long series).
   */
  async check(o: { light?: boolean } = {}): Promise<string[]> {
    const p: string[] = [];
    if (!o.light) {
      try {
        const h = await request(this.node.admin, "GET", "/health", {}, undefined, {
          timeoutMs: 10_000,
        });
        if (h.status !== 200) p.push(`GET /health answered ${statusText(h)}`);
      } catch (e) {
        p.push(`GET /health: ${message(e)}`);
        return p;
      }
    }
    try {
      const r = await this.s3("GET", `/${BUCKET}?list-type=2`);
      if (r.status !== 200) {
        p.push(`a fresh signed ListObjectsV2 answered ${statusText(r)}`);
      } else {
        const keys = [...r.text().matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => unescapeXml(m[1]));
        const extra = keys.filter((k) => !this.expected.has(k) && !this.optional.has(k));
        const missing = [...this.expected].filter((k) => !keys.includes(k));
        if (extra.length) p.push(`objects that should not exist: ${extra.map(short).join(", ")}`);
        if (missing.length) p.push(`objects missing: ${missing.join(", ")}`);
      }
    } catch (e) {
      p.push(`a fresh signed ListObjectsV2 failed: ${message(e)}`);
      return p;
    }
    for (const [key, data] of this.recorded) {
      if (o.light && data.length > 65536) continue;
      try {
        const r = await this.s3("GET", objectPath(key));
        if (r.status !== 200) {
          p.push(`GET ${key} answered ${statusText(r)}`);
        } else if (sha256Hex(r.body) !== sha256Hex(data)) {
          p.push(`${key} changed (now ${r.body.length} bytes, was ${data.length})`);
        }
      } catch (e) {
        p.push(`GET ${key}: ${message(e)}`);
      }
    }
    for (const [sub, snapshot] of this.configs) {
      try {
        const now = await this.#config(sub);
        if (now !== snapshot) p.push(`the bucket's ?${sub} changed: now ${short(now)}`);
      } catch (e) {
        p.push(`GET ?${sub}: ${message(e)}`);
      }
    }
    return p;
  }

  /**
   * Puts back what a case changed (so that later cases start from the recorded state) and
   * deletes the keys the case was allowed to leave. Errors are returned, not thrown.
   */
  async restore(): Promise<string[]> {
    const p: string[] = [];
    try {
      const r = await this.s3("GET", `/${BUCKET}?list-type=2`);
      const keys = [...r.text().matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => unescapeXml(m[1]));
      for (const k of keys) {
        if (this.expected.has(k)) continue;
        const d = await this.s3("DELETE", objectPath(k));
        if (d.status !== 204 && d.status !== 200) {
          p.push(`cannot delete ${short(k)}: ${statusText(d)}`);
        }
      }
      this.optional.clear();
      for (const [key, data] of this.recorded) {
        const g = await this.s3("GET", objectPath(key));
        if (g.status === 200 && sha256Hex(g.body) === sha256Hex(data)) continue;
        const w = await this.s3("PUT", objectPath(key), data);
        if (w.status !== 200) p.push(`cannot restore ${key}: ${statusText(w)}`);
      }
      for (const [sub, snapshot] of this.configs) {
        if (await this.#config(sub) === snapshot) continue;
        await this.s3("PUT", `/${BUCKET}?${sub}`, new TextEncoder().encode(CONFIG_DOCS[sub]));
        if (await this.#config(sub) !== snapshot) p.push(`cannot restore ?${sub}`);
      }
    } catch (e) {
      p.push(`restoring the recorded state failed: ${message(e)}`);
    }
    return p;
  }

  /**
   * One case as a test step: runs `fn` (which adds what it finds wrong to `problems`), then
   * checks the node and its data, restores them, and fails with everything found.
   */
  async case(
    t: Deno.TestContext,
    name: string,
    fn: (problems: string[]) => Promise<void>,
  ): Promise<boolean> {
    return await t.step(name, async () => {
      const problems: string[] = [];
      try {
        await fn(problems);
      } catch (e) {
        problems.push(`the case threw: ${e instanceof Error ? e.stack ?? e.message : e}`);
      }
      for (const s of await this.check()) problems.push(`after the case: ${s}`);
      problems.push(...await this.restore());
      if (problems.length) {
        throw new AssertionError(`${problems.length} problem(s):\n  - ${problems.join("\n  - ")}`);
      }
    });
  }
}
