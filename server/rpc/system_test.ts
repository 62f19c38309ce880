import { assertEquals } from "../../tests/assert.ts";
import { parseConfig } from "../util/config.ts";
import { System } from "./system.ts";

async function withSystem(fn: (sys: System) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "remise-system-" });
  const config = parseConfig(
    [
      `metadata_dir = "${dir}/meta"`,
      `data_dir = "${dir}/data"`,
      `rpc_secret = "${"ab".repeat(32)}"`,
      `rpc_bind_addr = "127.0.0.1:0"`,
      "replication_factor = 2",
      "[s3_api]",
      `api_bind_addr = "127.0.0.1:0"`,
      `s3_region = "garage"`,
    ].join("\n"),
    `${dir}/config.toml`,
    {},
  );
  const kv = await Deno.openKv(`${dir}/kv.sqlite`);
  try {
    await fn(await System.open(config, kv));
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("layout: roles staged while a peer's layout arrives keep both changes", async () => {
  await withSystem(async (sys) => {
    const peer = "p".repeat(64);
    const theirs = { ...sys.layout, sync: { [peer]: 7 } };
    const role = { zone: "z1", capacity: 1e9, tags: [] };
    await Promise.all([
      sys.stageRoles({ [sys.id]: role }),
      sys.rpc.handle("system/layout", theirs, peer),
    ]);
    assertEquals(sys.layout.staged.roles, { [sys.id]: role });
    assertEquals(sys.layout.sync?.[peer], 7);
  });
});

Deno.test("layout: a refused apply leaves later changes free to run", async () => {
  await withSystem(async (sys) => {
    const role = { zone: "z1", capacity: 1e9, tags: [] };
    const [applied, staged] = await Promise.allSettled([
      sys.applyLayout(1),
      sys.stageRoles({ [sys.id]: role }),
    ]);
    assertEquals(applied.status, "rejected");
    assertEquals(staged.status, "fulfilled");
    assertEquals(sys.layout.staged.roles, { [sys.id]: role });
    assertEquals(sys.layout.current.version, 0);
  });
});
