/** What every admin endpoint handler receives. */
import type { Model } from "../model/model.ts";
import type { System } from "../rpc/system.ts";
import type { Metrics } from "../util/metrics.ts";
import type { UsageHistory } from "../util/usage_history.ts";
import type { Query } from "./validate.ts";
import type { AdminCaller } from "./auth.ts";

export interface AdminDeps {
  sys: System;
  model: Model;
  metrics: Metrics;
  adminToken: string;
  metricsToken?: string;
  /** The S3 endpoint's URL as this node listens on it, for the links the API signs. */
  s3Url?: string;
  /** This node's usage over time (the console's charts). */
  usage?: UsageHistory;
  /** Serves what is not the API (e.g. the console's files) instead of a 404. */
  fallback?: (req: Request) => Response | Promise<Response>;
}

export interface Call {
  deps: AdminDeps;
  query: Query;
  /** The parsed JSON body of a POST; undefined when empty or when the endpoint is raw. */
  body: unknown;
  req: Request;
  /** The root token, or the admin token the request came with. */
  caller: AdminCaller;
}

export interface EndpointDef {
  /** Query parameters the endpoint accepts; any other is refused with a 400. */
  query: readonly string[];
  /** The body is bytes for `run` to stream (req.body), not JSON. */
  raw?: boolean;
  /** A JSON-able result, or a Response sent as it is. */
  run(call: Call): unknown | Promise<unknown>;
}

/** The Remise release, reported where Garage reports its version. */
export { REMISE_VERSION } from "../rpc/system.ts";
