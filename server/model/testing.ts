/** Fixtures of the model tests: a real node of one, on a scratch folder. */
import { RemiseNode } from "../node.ts";
import { parseConfig } from "../util/config.ts";

/** Runs `fn` on a started single node (4 KiB blocks), stopped and removed afterwards. */
export async function withNode(fn: (node: RemiseNode) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "remise-model-" });
  const config = parseConfig(
    [
      `metadata_dir = "${dir}/meta"`,
      `data_dir = "${dir}/data"`,
      "replication_factor = 1",
      `rpc_secret = "${"ab".repeat(32)}"`,
      `rpc_bind_addr = "127.0.0.1:0"`,
      "block_size = 4096",
      "[s3_api]",
      `api_bind_addr = "127.0.0.1:0"`,
      `s3_region = "garage"`,
      "[auto_layout]",
      `zone = "z"`,
      `capacity = "1G"`,
    ].join("\n"),
    `${dir}/config.toml`,
    {},
  );
  const node = await RemiseNode.start(config);
  try {
    await fn(node);
  } finally {
    await node.stop();
    await Deno.remove(dir, { recursive: true });
  }
}
