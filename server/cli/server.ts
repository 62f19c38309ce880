/** `server`: runs a node until SIGTERM/SIGINT. */
import type { Config } from "../util/config.ts";
import { startMallocTrim } from "../util/malloc_trim.ts";
import { commandPrefix } from "./context.ts";

/**
 * How often the allocator's free pages go back to the system, once per process (a node is one):
 * under 32 writers, every 5 s and every second kept RSS alike (mean 202–213 and 201–207 MiB,
 * against 217–220 without), and both brought it to 115–131 MiB 12 s after the load, against
 * 187–197.
 */
const TRIM_MS = 5_000;

/**
 * Where the admin token comes from. The token itself is shown once, when it is generated, since
 * the banner ends in logs that more people read than the token file.
 */
function tokenLine(config: Config, token: string, generated: boolean): string {
  if (config.admin.adminToken) {
    return `set as admin_token in ${config.file} or the environment`;
  }
  const where = `${config.metadataDir}/admin_token`;
  return generated
    ? `${token}  (generated now and shown this once; kept in ${where}, readable by this user only)`
    : `kept in ${where} (read it with \`cat ${where}\`)`;
}

/** Starts the node, prints the `listening` line and the banner; resolves once it serves. */
export async function runServer(config: Config, configPath: string): Promise<void> {
  // Loaded only here: the operator commands do not need the whole server.
  const { adminTokenOf, RemiseNode } = await import("../node.ts");
  const { token, generated } = adminTokenOf(config);
  const node = await RemiseNode.start(config);
  const stopTrim = startMallocTrim(TRIM_MS);
  // Before anything is printed: whoever waits for the lines below may stop the node at once.
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => Deno.exit(0), 10_000);
    try {
      await stopTrim();
      await node.stop();
    } finally {
      clearTimeout(force);
      Deno.exit(0);
    }
  };
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
  const { s3, admin, web } = node.endpoints;
  console.log(`listening s3=${s3} admin=${admin ?? "none"} web=${web ?? "none"}`);

  const cli = commandPrefix(configPath);
  const role = node.sys.role;
  const lines = [
    "",
    `Remise node ${node.sys.id.slice(0, 16)} is running` +
    (role ? ` (zone ${role.zone}, layout version ${node.sys.layout.current.version})` : ""),
    `  S3 endpoint:     ${s3}   (region "${config.s3Api.s3Region}")`,
    `  Admin endpoint:  ${admin ?? `none (set [admin] api_bind_addr in ${config.file})`}`,
    `  Website:         ${
      web ? `${web}   (buckets by Host header)` : `none (set [s3_web] bind_addr in ${config.file})`
    }`,
  ];
  if (admin) {
    lines.push(
      `  Admin token:     ${tokenLine(config, token, generated)}`,
    );
  }
  if (!role) {
    lines.push(
      "",
      "This node has no role in the cluster layout yet; give it one:",
      `  ${cli} layout assign ${node.sys.id.slice(0, 16)} -z <zone> -c <capacity, e.g. 100G>`,
      `  ${cli} layout apply --version ${node.sys.layout.current.version + 1}`,
    );
  }
  lines.push(
    "",
    "Create an access key and a bucket:",
    `  ${cli} key create my-key`,
    `  ${cli} bucket create my-bucket`,
    `  ${cli} bucket allow --read --write --owner my-bucket --key my-key`,
    "",
  );
  console.log(lines.join("\n"));
}
