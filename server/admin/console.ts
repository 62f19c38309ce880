/**
 * Serves the browser console (the files `deno task build` writes to `console/dist/`) on the
 * admin port, for every path the admin API does not answer. The folder is found relative to this
 * module, so it also works in a `deno compile --include console/dist` binary.
 */
import { createHash } from "node:crypto";

const CONTENT_TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  json: "application/json",
  map: "application/json",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon",
  txt: "text/plain; charset=utf-8",
  woff2: "font/woff2",
};

/** Sent with every console answer: the page may only load and call its own origin. */
export const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": [
    "default-src 'self'",
    "connect-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; "),
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=()",
};

const NOT_BUILT = "The console is not built: run `deno task build`\n\n" +
  "The admin API itself works: /v2/<Endpoint> (e.g. /v2/GetClusterStatus), /health, /metrics.\n";

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: {
      ...SECURITY_HEADERS,
      "content-type": "text/plain; charset=utf-8",
      "cache-control": "no-store",
      ...headers,
    },
  });
}

/** The file under `console/dist/` a URL path names, or null when it cannot name one. */
function fileOf(pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded === "/" || decoded === "") return "index.html";
  const rel = decoded.replace(/^\/+/, "");
  const parts = rel.split("/");
  for (const p of parts) {
    if (!/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(p) || p.includes("..")) return null;
  }
  return parts.join("/");
}

function extOf(file: string): string {
  const base = file.slice(file.lastIndexOf("/") + 1);
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : "";
}

async function readFrom(dist: URL, file: string): Promise<Uint8Array<ArrayBuffer> | null> {
  try {
    return await Deno.readFile(new URL(file, dist));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.IsADirectory) return null;
    // Reading a folder fails differently across platforms; treat it as absent too.
    if (e instanceof Error && /directory/i.test(e.message)) return null;
    throw e;
  }
}

function send(req: Request, file: string, body: Uint8Array<ArrayBuffer>): Response {
  const etag = `"${createHash("sha1").update(body).digest("base64url")}"`;
  const headers: Record<string, string> = {
    ...SECURITY_HEADERS,
    "content-type": CONTENT_TYPES[extOf(file)] ?? "application/octet-stream",
    // The file names carry no content hash: the browser revalidates each time (cheap: 304).
    "cache-control": "no-cache",
    etag,
  };
  const match = req.headers.get("if-none-match");
  if (match && match.split(",").some((t) => t.trim().replace(/^W\//, "") === etag)) {
    return new Response(null, { status: 304, headers });
  }
  headers["content-length"] = String(body.byteLength);
  return new Response(req.method === "HEAD" ? null : body, {
    headers,
  });
}

/** The admin API's JSON error (Garage's shape), for what neither the API nor the console serves. */
function apiError(status: number, code: string, message: string, path: string, allow?: string) {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "access-control-allow-origin": "*",
  };
  if (allow) headers.allow = allow;
  return new Response(JSON.stringify({ code, message, path }, null, 2), { status, headers });
}

function nothingHere(path: string): Response {
  return apiError(
    404,
    "NoSuchEndpoint",
    `Nothing is served at ${path}: the admin API answers /v2/<Endpoint> (e.g. /v2/GetClusterStatus), /health, /check and /metrics; the console is at /`,
    path,
  );
}

/** A browser navigating (as opposed to an API client or a script asking for data). */
function wantsPage(req: Request): boolean {
  return /\btext\/html\b/i.test(req.headers.get("accept") ?? "");
}

/**
 * Serves the console files in `dist` on GET and HEAD. A browser navigating to any other path
 * without a file extension (e.g. `/buckets`) gets `index.html` too; every other request keeps
 * the admin API's JSON 404, so API clients and paths like `/v1/…` never receive the page. When
 * the console is not built, `/` and page navigations get a 503 saying how to build it.
 */
export function consoleHandler(dist: URL): (req: Request) => Promise<Response> {
  const readDist = (file: string) => readFrom(dist, file);
  return async (req: Request): Promise<Response> => {
    const path = new URL(req.url).pathname;
    const file = /^\/v\d+(\/|$)/.test(path) ? null : fileOf(path);
    if (file === null) return nothingHere(path);
    if (req.method !== "GET" && req.method !== "HEAD") {
      if (file !== "index.html") return nothingHere(path);
      return apiError(
        405,
        "MethodNotAllowed",
        `${path} is the console: it is read with GET, not ${req.method}`,
        path,
        "GET, HEAD",
      );
    }
    const body = await readDist(file);
    if (body !== null) return send(req, file, body);
    const page = file === "index.html" || (extOf(file) === "" && wantsPage(req));
    if (!page) return nothingHere(path);
    const index = file === "index.html" ? null : await readDist("index.html");
    if (index === null) return text(503, NOT_BUILT);
    return send(req, "index.html", index);
  };
}

/** The admin router's `fallback`: the console built by `deno task build`. */
export const fallback = consoleHandler(new URL("../../console/dist/", import.meta.url));
