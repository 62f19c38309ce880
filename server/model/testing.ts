/** Fixtures of the model tests: real nodes (4 KiB blocks) on scratch folders, in this process. */
import { RemiseNode } from "../node.ts";
import type { Endpoint } from "../rpc/endpoint.ts";
import type { CallOptions } from "../rpc/rpc.ts";
import { parseConfig } from "../util/config.ts";

const RPC_SECRET = "ab".repeat(32);

async function startNode(dir: string, toml: string[]): Promise<RemiseNode> {
  const config = parseConfig(
    [
      `metadata_dir = "${dir}/meta"`,
      `data_dir = "${dir}/data"`,
      `rpc_secret = "${RPC_SECRET}"`,
      `rpc_bind_addr = "127.0.0.1:0"`,
      "block_size = 4096",
      ...toml,
    ].join("\n"),
    `${dir}/config.toml`,
    {},
  );
  return await RemiseNode.start(config);
}

/** Runs `fn` on a started single node, stopped and removed afterwards. */
export async function withNode(fn: (node: RemiseNode) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "remise-model-" });
  const node = await startNode(dir, [
    "replication_factor = 1",
    "[s3_api]",
    `api_bind_addr = "127.0.0.1:0"`,
    `s3_region = "garage"`,
    "[auto_layout]",
    `zone = "z"`,
    `capacity = "1G"`,
  ]);
  try {
    await fn(node);
  } finally {
    await node.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

/** POSTs `body` to a node's admin API and answers the JSON it returns (throws on a non-2xx). */
export async function adminPost<T = unknown>(
  node: RemiseNode,
  path: string,
  body: unknown,
): Promise<T> {
  const res = await fetch(`${node.endpoints.admin}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${node.adminToken}` },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return await res.json();
}

/** Polls until `ok()` holds, failing with `what` after `ms`. */
export async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!await ok()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Runs `fn` on `n` started nodes, one per zone, connected and given storage roles with
 * replication factor `n`, so every node holds every partition. `toml` is added to each config.
 */
export async function withCluster(
  n: number,
  toml: string[],
  fn: (nodes: RemiseNode[]) => Promise<void>,
) {
  const dirs = await Promise.all(
    Array.from({ length: n }, () => Deno.makeTempDir({ prefix: "remise-model-" })),
  );
  const nodes: RemiseNode[] = [];
  try {
    for (const dir of dirs) {
      nodes.push(
        await startNode(dir, [
          `replication_factor = ${n}`,
          "rpc_ping_interval_msec = 300",
          "rpc_ping_timeout_msec = 1000",
          ...toml,
          "[s3_api]",
          `api_bind_addr = "127.0.0.1:0"`,
          `s3_region = "garage"`,
          "[admin]",
          `api_bind_addr = "127.0.0.1:0"`,
        ]),
      );
    }
    const admin = (path: string, body: unknown) => adminPost(nodes[0], path, body);
    await admin(
      "/v2/ConnectClusterNodes",
      nodes.slice(1).map((x) => `${x.sys.id}@${x.sys.peers.addr}`),
    );
    await until(
      "every node up",
      () => nodes.every((a) => nodes.every((b) => a.sys.rpc.isUp(b.sys.id))),
    );
    await admin(
      "/v2/UpdateClusterLayout",
      {
        roles: nodes.map((x, i) => ({ id: x.sys.id, zone: `z${i}`, capacity: 1e9, tags: [] })),
      },
    );
    await admin("/v2/ApplyClusterLayout", { version: 1 });
    await until("layout everywhere", () => nodes.every((x) => x.sys.layout.current.version === 1));
    await until("tables received", () => nodes.every((x) => x.sys.tablesReceived()));
    await fn(nodes);
  } finally {
    for (const node of nodes) await node.stop();
    for (const dir of dirs) await Deno.remove(dir, { recursive: true });
  }
}

/** The calls `node` makes to its peers on endpoints matching `paths` while `fn` runs, sorted. */
export async function callsDuring(
  node: RemiseNode,
  paths: RegExp,
  fn: () => Promise<unknown>,
): Promise<string[]> {
  const rpc = node.sys.rpc;
  const call = rpc.call;
  const seen: string[] = [];
  rpc.call = <Req, Res>(to: string, ep: Endpoint<Req, Res>, msg: Req, opts?: CallOptions) => {
    if (to !== node.sys.id && paths.test(ep.path)) seen.push(ep.path);
    return call.call(rpc, to, ep, msg, opts) as Promise<Res>;
  };
  try {
    await fn();
  } finally {
    rpc.call = call;
  }
  return seen.sort();
}

/** `n` bytes of a pattern that `seed` shifts: two versions of an object told apart. */
export function patterned(n: number, seed: number): Uint8Array {
  return new Uint8Array(n).map((_, i) => (i * 7 + seed) & 255);
}

/** A request body of these bytes, in one chunk. */
export function bodyOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      c.enqueue(bytes);
      c.close();
    },
  });
}
