/**
 * Admin API tokens: created with a name, an expiry and a scope; their secret shown once and
 * kept only as a hash; a token calls what its scope names and nothing else, until it expires or
 * is deleted; the configuration's admin_token stays the root. Every refusal has its code.
 */
import type {
  ApiError,
  CreateAdminTokenResponse,
  GetAdminTokenInfoResponse,
  ListAdminTokensResponse,
} from "../shared/admin.ts";
import { assert, assertEquals, assertMatch } from "./assert.ts";
import { startNode, type TestNode } from "./harness.ts";

async function call(
  node: TestNode,
  token: string,
  method: string,
  endpoint: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${node.admin}${endpoint}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    json: text && res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text,
  };
}

async function refused(
  p: Promise<{ status: number; json: unknown }>,
  status: number,
  code: string,
): Promise<string> {
  const r = await p;
  const e = r.json as ApiError;
  assertEquals([r.status, e.code], [status, code], JSON.stringify(r.json));
  return e.message;
}

Deno.test("admin tokens: a scoped token calls what its scope names, until it expires or is deleted", async () => {
  const node = await startNode();
  try {
    const root = node.adminToken;
    const later = new Date(Date.now() + 86_400_000).toISOString();
    const created = await node.api<CreateAdminTokenResponse>("POST", "/v2/CreateAdminToken", {
      name: "dashboard",
      expiration: later,
      scope: ["GetClusterStatus", "ListBuckets", "Metrics"],
    });
    assertMatch(created.secretToken, /^[0-9a-f]{24}\.[A-Za-z0-9_-]{43}$/);
    assertEquals(created.secretToken.split(".")[0], created.id);
    assertEquals(
      { ...created, secretToken: "", created: "" },
      {
        id: created.id,
        created: "",
        name: "dashboard",
        expiration: new Date(later).toISOString(),
        expired: false,
        scope: ["GetClusterStatus", "ListBuckets", "Metrics"],
        secretToken: "",
      },
    );
    const token = created.secretToken;

    // What the scope names works; anything else is refused, saying why.
    assertEquals((await call(node, token, "GET", "/v2/GetClusterStatus")).status, 200);
    assertEquals((await call(node, token, "GET", "/v2/ListBuckets")).status, 200);
    assertMatch(
      await refused(call(node, token, "GET", "/v2/ListKeys"), 403, "AccessDenied"),
      /may not call ListKeys: its scope is GetClusterStatus, ListBuckets, Metrics/,
    );
    await refused(call(node, token, "POST", "/v2/CreateAdminToken", {}), 403, "AccessDenied");
    const metrics = await fetch(`${node.admin}/metrics`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assertEquals(metrics.status, 200);
    await metrics.body?.cancel();
    // Any valid token may ask what it is.
    const me = await call(node, token, "GET", "/v2/GetCurrentAdminTokenInfo");
    assertEquals((me.json as GetAdminTokenInfoResponse).name, "dashboard");
    const rootMe = await call(node, root, "GET", "/v2/GetCurrentAdminTokenInfo");
    assertEquals((rootMe.json as GetAdminTokenInfoResponse).scope, ["*"]);

    // A wrong secret with a real id, or no token of the cluster, is not a token.
    const forged = `${created.id}.${"A".repeat(43)}`;
    await refused(call(node, forged, "GET", "/v2/GetClusterStatus"), 401, "AccessDenied");

    // Listed (with the root token first), found by name or id prefix, never with a secret.
    const list = await node.api<ListAdminTokensResponse>("GET", "/v2/ListAdminTokens");
    assertEquals(list.map((t) => [t.id, t.name]), [
      [null, "admin_token (from the configuration)"],
      [created.id, "dashboard"],
    ]);
    assert(!JSON.stringify(list).includes(token.split(".")[1]));
    const byName = await node.api<GetAdminTokenInfoResponse>(
      "GET",
      "/v2/GetAdminTokenInfo?search=dashboard",
    );
    assertEquals(byName.id, created.id);
    const byPrefix = await node.api<GetAdminTokenInfoResponse>(
      "GET",
      `/v2/GetAdminTokenInfo?search=${created.id!.slice(0, 6)}`,
    );
    assertEquals(byPrefix.id, created.id);

    // A wider scope, an expiry in the past, then never.
    await node.api("POST", `/v2/UpdateAdminToken?id=${created.id}`, { scope: ["*"] });
    assertEquals((await call(node, token, "GET", "/v2/ListKeys")).status, 200);
    const past = await node.api<GetAdminTokenInfoResponse>(
      "POST",
      `/v2/UpdateAdminToken?id=${created.id}`,
      { expiration: "2020-01-01T00:00:00Z" },
    );
    assertEquals(past.expired, true);
    assertMatch(
      await refused(call(node, token, "GET", "/v2/ListKeys"), 401, "AccessDenied"),
      /expired on 2020-01-01T00:00:00.000Z/,
    );
    await node.api("POST", `/v2/UpdateAdminToken?id=${created.id}`, { neverExpires: true });
    assertEquals((await call(node, token, "GET", "/v2/ListKeys")).status, 200);

    // Deleted: refused at once.
    await node.api("POST", `/v2/DeleteAdminToken?id=${created.id}`);
    await refused(call(node, token, "GET", "/v2/GetClusterStatus"), 401, "AccessDenied");
    assertEquals((await node.api<ListAdminTokensResponse>("GET", "/v2/ListAdminTokens")).length, 1);
  } finally {
    await node.stop();
  }
});

Deno.test("admin tokens: malformed requests are refused and change nothing", async () => {
  const node = await startNode();
  try {
    const root = node.adminToken;
    const post = (endpoint: string, body?: unknown) => call(node, root, "POST", endpoint, body);
    await refused(
      post("/v2/CreateAdminToken", { scope: ["GetClusterStatus", "Nope"] }),
      400,
      "InvalidRequest",
    );
    await refused(post("/v2/CreateAdminToken", { expiration: "tomorrow" }), 400, "InvalidRequest");
    await refused(
      post("/v2/CreateAdminToken", { expiration: "2030-01-01T00:00:00Z", neverExpires: true }),
      400,
      "InvalidRequest",
    );
    await refused(post("/v2/CreateAdminToken", { name: "" }), 400, "InvalidRequest");
    await refused(post("/v2/CreateAdminToken", { scope: "*" }), 400, "InvalidRequest");
    await refused(post("/v2/CreateAdminToken", { nope: 1 }), 400, "InvalidRequest");
    assertEquals((await node.api<ListAdminTokensResponse>("GET", "/v2/ListAdminTokens")).length, 1);

    await refused(call(node, root, "GET", "/v2/GetAdminTokenInfo"), 400, "InvalidRequest");
    await refused(
      call(node, root, "GET", "/v2/GetAdminTokenInfo?id=0123456789abcdef01234567"),
      404,
      "NoSuchAdminToken",
    );
    await refused(
      post("/v2/UpdateAdminToken?id=0123456789abcdef01234567", {}),
      404,
      "NoSuchAdminToken",
    );
    await refused(post("/v2/UpdateAdminToken", {}), 400, "InvalidRequest");
    await refused(
      post("/v2/DeleteAdminToken?id=0123456789abcdef01234567"),
      404,
      "NoSuchAdminToken",
    );
  } finally {
    await node.stop();
  }
});
