/**
 * Endpoints each node answers for itself (GetNodeInfo, ListWorkers, ...), reached from any node
 * with `?node=self|*|<id prefix>`: the node that got the request asks the others over RPC.
 */
import type { MultiResponse } from "../../shared/admin.ts";
import { endpoint } from "../rpc/endpoint.ts";
import { stagedRoles } from "../rpc/layout.ts";
import type { System } from "../rpc/system.ts";
import type { AdminDeps, Call, EndpointDef } from "./context.ts";
import { badRequest } from "./errors.ts";

export interface LocalEndpoint {
  /** Checks (and normalises) the body once, here, before any node is asked. */
  body?(body: unknown): unknown;
  run(deps: AdminDeps, body: unknown): unknown | Promise<unknown>;
}

/** The admin API's per-node endpoint `name`, as the node that got the request asks each node. */
const localEndpoint = (name: string) => endpoint<unknown, unknown>(`admin/local/${name}`);

/** Resolves `self`, `*` or a node id prefix to node ids, as Garage's `?node=` does. */
export function matchNodes(sys: System, spec: string): string[] {
  const all = [...new Set([sys.id, ...Object.keys(stagedRoles(sys.layout)), ...sys.allNodes()])]
    .sort();
  if (spec === "self") return [sys.id];
  if (spec === "*") return all;
  const found = all.filter((id) => id.startsWith(spec.toLowerCase()));
  if (found.length === 0) {
    throw badRequest(`No node matches "${spec}"; GetClusterStatus lists the node ids`);
  }
  if (found.length > 1) {
    throw badRequest(
      `Several nodes match "${spec}" (${
        found.map((f) => f.slice(0, 16)).join(", ")
      }): give more digits`,
    );
  }
  return found;
}

/** The admin endpoints for these local ones, and the RPC handlers other nodes call. */
export function nodeEndpoints(defs: Record<string, LocalEndpoint>): {
  endpoints: Record<string, EndpointDef>;
  register(deps: AdminDeps): void;
} {
  const endpoints: Record<string, EndpointDef> = {};
  for (const [name, def] of Object.entries(defs)) {
    endpoints[name] = {
      query: ["node"],
      async run({ deps, query, body }: Call): Promise<MultiResponse<unknown>> {
        const { sys } = deps;
        const nodes = matchNodes(sys, query.required("node", "self, * or a node id"));
        const msg = def.body ? def.body(body) : null;
        const out: MultiResponse<unknown> = { success: {}, error: {} };
        await Promise.all(nodes.map(async (id) => {
          try {
            out.success[id] = await sys.rpc.call(id, localEndpoint(name), msg, {
              timeoutMs: 30_000,
            });
          } catch (e) {
            out.error[id] = (e as Error).message;
          }
        }));
        return out;
      },
    };
  }
  return {
    endpoints,
    register(deps) {
      for (const [name, def] of Object.entries(defs)) {
        deps.sys.rpc.register(localEndpoint(name), (msg) => def.run(deps, msg));
      }
    },
  };
}
