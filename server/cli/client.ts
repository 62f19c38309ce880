/** The command line's client of the admin API of the node its configuration describes. */
import { join } from "node:path";
import { ADMIN_ENDPOINTS, type AdminEndpoint, type ApiError } from "../../shared/admin.ts";
import { type Config, parseBindAddr } from "../util/config.ts";
import { CliError } from "./errors.ts";

/** The URL of the admin API named by `[admin] api_bind_addr`. */
export function adminUrlOf(config: Config): string {
  const bind = config.admin.apiBindAddr;
  if (!bind) {
    throw new CliError(
      `${config.file}: \`[admin] api_bind_addr\` is not set; the command line talks to the node through its admin API`,
    );
  }
  const { hostname, port } = parseBindAddr(bind);
  const host = hostname === "0.0.0.0" || hostname === ""
    ? "127.0.0.1"
    : hostname === "::"
    ? "[::1]"
    : hostname.includes(":")
    ? `[${hostname}]`
    : hostname;
  return `http://${host}:${port}`;
}

/** The admin token from the config, or the one the node generated in metadata_dir (never creates one). */
export function adminTokenFor(config: Config): string {
  if (config.admin.adminToken) return config.admin.adminToken;
  const path = join(config.metadataDir, "admin_token");
  try {
    return Deno.readTextFileSync(path).trim();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new CliError(
        `no admin token: set \`admin_token\` in the [admin] section of ${config.file}, or start the node once so that it generates ${path}`,
      );
    }
    throw new CliError(`cannot read the admin token in ${path}: ${(e as Error).message}`);
  }
}

export interface CallOptions {
  query?: Record<string, string | boolean | undefined>;
  body?: unknown;
}

export class AdminClient {
  /** `startCommand`: how to start the node, suggested when it cannot be reached. */
  constructor(readonly baseUrl: string, readonly token: string, readonly startCommand = "") {}

  static fromConfig(config: Config, startCommand = ""): AdminClient {
    return new AdminClient(adminUrlOf(config), adminTokenFor(config), startCommand);
  }

  async call<T>(endpoint: AdminEndpoint, opts: CallOptions = {}): Promise<T> {
    const url = new URL(`/v2/${endpoint}`, this.baseUrl);
    for (const [k, v] of Object.entries(opts.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const method = ADMIN_ENDPOINTS[endpoint];
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(method === "POST" ? { "content-type": "application/json" } : {}),
        },
        body: method === "POST" ? JSON.stringify(opts.body ?? {}) : undefined,
      });
    } catch (e) {
      const start = this.startCommand ? ` (start it with: ${this.startCommand})` : "";
      throw new CliError(
        `cannot reach the admin API at ${this.baseUrl}: ${
          (e as Error).message
        }. Is the node running?${start}`,
      );
    }
    const text = await res.text();
    if (!res.ok) {
      let err: ApiError | undefined;
      try {
        err = JSON.parse(text) as ApiError;
      } catch {
        // not JSON: reported below as is
      }
      throw new CliError(err?.message ?? `${res.status} ${res.statusText}: ${text.slice(0, 200)}`);
    }
    return (text ? JSON.parse(text) : null) as T;
  }
}
