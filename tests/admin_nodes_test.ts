/**
 * A node that never answered (a mistyped address) cannot be given a role, and can be forgotten;
 * a node in the layout cannot be forgotten.
 */
import type {
  ApiError,
  ConnectClusterNodesResponse,
  GetClusterStatusResponse,
} from "../shared/admin.ts";
import { assertEquals, assertMatch } from "./assert.ts";
import { startNode, type TestNode } from "./harness.ts";

const PHANTOM = "ab".repeat(32);

async function post(n: TestNode, path: string, body?: unknown) {
  const res = await fetch(`${n.admin}${path}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${n.adminToken}`,
      "content-type": "application/json",
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

Deno.test("a phantom node: refused a role, shown never seen, forgotten", async () => {
  const node = await startNode();
  try {
    // Port 1 on loopback: nothing listens, the dial fails at once.
    const connected = await node.api<ConnectClusterNodesResponse>(
      "POST",
      "/v2/ConnectClusterNodes",
      [`${PHANTOM}@127.0.0.1:1`],
    );
    assertEquals(connected[0].success, false);
    const status = await node.api<GetClusterStatusResponse>(
      "GET",
      "/v2/GetClusterStatus",
    );
    const phantom = status.nodes.find((n) => n.id === PHANTOM)!;
    assertEquals([phantom.isUp, phantom.lastSeenSecsAgo, phantom.addr], [
      false,
      null,
      "127.0.0.1:1",
    ]);

    const role = { id: PHANTOM, zone: "z", capacity: 1e9, tags: [] };
    const refused = await post(node, "/v2/UpdateClusterLayout", {
      roles: [role],
    });
    assertEquals(refused.status, 400);
    assertMatch(
      (refused.json as ApiError).message,
      /has never answered at 127\.0\.0\.1:1/,
    );
    const unknown = await post(node, "/v2/UpdateClusterLayout", {
      roles: [{ ...role, id: "cd".repeat(32) }],
    });
    assertMatch(
      (unknown.json as ApiError).message,
      /is not known to this cluster/,
    );

    const forgot = await post(node, `/v2/ForgetClusterNode?id=${PHANTOM}`);
    assertEquals(forgot.status, 200);
    const after = await node.api<GetClusterStatusResponse>(
      "GET",
      "/v2/GetClusterStatus",
    );
    assertEquals(after.nodes.some((n) => n.id === PHANTOM), false);
    assertEquals(
      (await post(node, `/v2/ForgetClusterNode?id=${PHANTOM}`)).status,
      404,
    );

    // The node itself, and a node with a role, are not forgotten.
    const self = after.nodes[0].id;
    assertEquals(
      (await post(node, `/v2/ForgetClusterNode?id=${self}`)).status,
      400,
    );
  } finally {
    await node.stop();
  }
});
