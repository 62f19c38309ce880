/**
 * The admin HTTP API (Garage admin API v2 on Hono): `/v2/<Endpoint>` with the admin bearer
 * token, `/health` without one, `/metrics` with the metrics (or admin) token.
 */
import { type Context, Hono } from "hono";
import { ADMIN_ENDPOINTS, type AdminEndpoint } from "../../shared/admin.ts";
import { authorizeAdmin } from "./auth.ts";
import { checkDomain } from "./check.ts";
import { bucketEndpoints } from "./buckets.ts";
import { clusterEndpoints, healthResponse } from "./cluster.ts";
import type { AdminDeps, EndpointDef } from "./context.ts";
import { AdminError, errorResponse, toAdminError } from "./errors.ts";
import { keyEndpoints } from "./keys.ts";
import { layoutEndpoints } from "./layout.ts";
import { metricsResponse, registerGauges } from "./metrics.ts";
import { objectEndpoints } from "./objects.ts";
import { objectInfoEndpoints } from "./object_info.ts";
import { adminTokenEndpoints } from "./admin_tokens.ts";
import { bucketUploadEndpoints } from "./bucket_uploads.ts";
import { blockEndpoints, registerBlockEndpoints } from "./blocks.ts";
import { inspectObjectEndpoints } from "./inspect_object.ts";
import { bucketDocumentEndpoints } from "./bucket_documents.ts";
import { operationEndpoints, registerOperations } from "./operations.ts";
import { parseJsonBody, Query } from "./validate.ts";
import { concatBytes } from "../util/bytes.ts";
import type { Metrics } from "../util/metrics.ts";

export type { AdminDeps } from "./context.ts";

const ENDPOINTS: Record<string, EndpointDef> = {
  ...clusterEndpoints,
  ...layoutEndpoints,
  ...keyEndpoints,
  ...bucketEndpoints,
  ...operationEndpoints,
  ...objectEndpoints,
  ...objectInfoEndpoints,
  ...adminTokenEndpoints,
  ...bucketUploadEndpoints,
  ...blockEndpoints,
  ...inspectObjectEndpoints,
  ...bucketDocumentEndpoints,
};

for (const name of Object.keys(ADMIN_ENDPOINTS)) {
  if (!ENDPOINTS[name]) throw new Error(`admin endpoint ${name} has no handler`);
}

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "OPTIONS,GET,POST,PUT",
  "access-control-allow-headers": "authorization,content-type",
};

/** The largest JSON body an endpoint reads: the largest real one (a layout of many nodes) is KiBs. */
const MAX_JSON_BODY = 1024 * 1024;

async function readJsonText(req: Request): Promise<string> {
  const tooLarge = () =>
    new AdminError(
      413,
      "PayloadTooLarge",
      `The request body is larger than the ${MAX_JSON_BODY} bytes an admin API call accepts.`,
    );
  if (Number(req.headers.get("content-length") ?? 0) > MAX_JSON_BODY) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of req.body ?? []) {
      size += chunk.length;
      if (size > MAX_JSON_BODY) throw tooLarge();
      chunks.push(chunk);
    }
  } catch (e) {
    if (e instanceof AdminError) throw e;
    throw new AdminError(400, "IncompleteBody", `The request body could not be read: ${e}`);
  }
  return new TextDecoder().decode(concatBytes(chunks, size));
}

function unknownEndpoint(name: string): AdminError {
  const names = Object.keys(ADMIN_ENDPOINTS);
  const close = names.find((n) => n.toLowerCase() === name.toLowerCase());
  return new AdminError(
    404,
    "NoSuchEndpoint",
    `Unknown admin API endpoint /v2/${name}` +
      (close ? `; did you mean /v2/${close}?` : `; the endpoints are: ${names.join(", ")}`),
  );
}

function methodNotAllowed(name: string, method: string, expected: string): AdminError {
  return new AdminError(
    405,
    "MethodNotAllowed",
    `/v2/${name} must be called with ${expected}, not ${method}`,
    { allow: expected },
  );
}

export function createAdminHandler(
  deps: AdminDeps,
): (req: Request) => Response | Promise<Response> {
  const { sys, metrics } = deps;
  registerOperations(deps);
  registerBlockEndpoints(deps);
  registerGauges(deps);
  const region = sys.config.s3Api.s3Region;
  const app = new Hono();

  const fail = (c: Context, e: unknown) => {
    const err = toAdminError(e, { layoutEmpty: sys.layout.current.version === 0 });
    return errorResponse(err, region, c.req.path);
  };

  app.options(
    "*",
    () =>
      new Response(null, {
        status: 204,
        headers: { ...CORS, allow: CORS["access-control-allow-methods"] },
      }),
  );

  app.get("/health", () => healthResponse(sys));

  app.get("/check", (c) => {
    try {
      return checkDomain(sys, deps.model, c.req.query("domain"));
    } catch (e) {
      return fail(c, e);
    }
  });

  app.get("/metrics", async (c) => {
    const tokens = deps.metricsToken ? [deps.metricsToken, deps.adminToken] : [deps.adminToken];
    try {
      authorizeAdmin(deps.model, c.req.raw, "Metrics", tokens);
    } catch (e) {
      return fail(c, e);
    }
    return await metricsResponse(deps);
  });

  for (const path of ["/health", "/metrics", "/check"]) {
    app.all(path, (c) =>
      fail(
        c,
        new AdminError(
          405,
          "MethodNotAllowed",
          `${path} must be called with GET, not ${c.req.method}`,
          {
            allow: "GET",
          },
        ),
      ));
  }

  app.all("/v2/:endpoint", async (c) => {
    const name = c.req.param("endpoint");
    const started = performance.now();
    let status = 200;
    try {
      const res = await callEndpoint(deps, name, c.req.raw);
      status = res.status;
      return res;
    } catch (e) {
      const err = toAdminError(e, { layoutEmpty: sys.layout.current.version === 0 });
      metrics.recentErrors.add({
        at: Date.now(),
        api: "admin",
        operation: name,
        method: c.req.method,
        path: c.req.path,
        status: err.status,
        code: err.code,
        message: err.message,
      });
      const res = errorResponse(err, region, c.req.path);
      status = res.status;
      return res;
    } finally {
      countCall(metrics, name, status, started);
    }
  });

  app.notFound((c) => {
    if (deps.fallback) return deps.fallback(c.req.raw);
    return fail(
      c,
      new AdminError(
        404,
        "NoSuchEndpoint",
        `Nothing is served at ${c.req.path}: the admin API answers /v2/<Endpoint> (e.g. /v2/GetClusterStatus), /health, /check and /metrics`,
      ),
    );
  });

  app.onError((e, c) => fail(c, e));

  return (req: Request) => app.fetch(req);
}

/** Runs endpoint `name` of the admin API v2 for an authorised caller, as JSON or its own answer. */
async function callEndpoint(deps: AdminDeps, name: string, req: Request): Promise<Response> {
  const def = ENDPOINTS[name];
  if (!def) throw unknownEndpoint(name);
  const expected = ADMIN_ENDPOINTS[name as AdminEndpoint];
  const method = req.method === "HEAD" ? "GET" : req.method;
  if (method !== expected) throw methodNotAllowed(name, req.method, expected);
  const caller = authorizeAdmin(deps.model, req, name, [deps.adminToken]);
  const query = new Query(new URL(req.url).searchParams, def.query);
  const body = method === "POST" && !def.raw ? parseJsonBody(await readJsonText(req)) : undefined;
  const result = await def.run({ deps, query, body, req, caller });
  if (result instanceof Response) {
    result.headers.set("access-control-allow-origin", "*");
    return result;
  }
  return new Response(JSON.stringify(result ?? null, null, 2), {
    headers: { "content-type": "application/json", "access-control-allow-origin": "*" },
  });
}

function countCall(metrics: Metrics, name: string, status: number, started: number): void {
  const api_endpoint = name in ENDPOINTS ? name : "unknown";
  metrics.inc("admin_request_total", "Admin API requests received", { api_endpoint });
  if (status !== 200) {
    metrics.inc("admin_error_total", "Admin API requests answered with an error", {
      api_endpoint,
      status_code: String(status),
    });
  }
  metrics.observe(
    "admin_request_duration_seconds",
    "Admin API request duration",
    { api_endpoint },
    (performance.now() - started) / 1000,
  );
}
