/** `meta snapshot` and `meta restore`: copies of a node's metadata database, and using one. */
import type { CreateMetadataSnapshotResponse } from "../../shared/admin.ts";
import { listSnapshots, restoreSnapshot } from "../model/snapshots/snapshots.ts";
import type { Command } from "./context.ts";
import { CliError } from "./errors.ts";
import { short } from "./format.ts";
import { NODE_OPTION, perNode } from "./ops.ts";

export const metaCommands: Command[] = [
  {
    path: ["meta", "snapshot"],
    args: "[-n NODE]",
    summary: "Take a consistent copy of a node's metadata database (-n '*' for every node)",
    options: NODE_OPTION,
    positionals: [0, 0],
    async run(ctx, { values }) {
      for (
        const [id, s] of await perNode<CreateMetadataSnapshotResponse["success"][string]>(
          ctx,
          "CreateMetadataSnapshot",
          values,
        )
      ) {
        ctx.print(`node ${short(id)}: ${s.path} (${s.bytes} bytes)`);
      }
    },
  },
  {
    path: ["meta", "restore"],
    args: "[SNAPSHOT_DIR]",
    summary:
      "With the node stopped: put a snapshot (the newest if none is named) in place of its database",
    options: {},
    positionals: [0, 1],
    async run(ctx, { positionals }) {
      const running = await fetch(`${ctx.api.baseUrl}/health`).then(
        (r) => r.body?.cancel().then(() => true),
        () => false,
      );
      if (running) {
        throw new CliError(
          `the node answers on ${ctx.api.baseUrl}: stop it first, then restore its metadata`,
        );
      }
      const snapshot = positionals[0] ?? (await listSnapshots(ctx.config)).at(-1);
      if (!snapshot) {
        throw new CliError(`no snapshot in ${ctx.config.metadataSnapshotsDir}`);
      }
      let aside: string;
      try {
        aside = await restoreSnapshot(ctx.config, snapshot);
      } catch (e) {
        throw new CliError((e as Error).message);
      }
      ctx.print(`Restored ${snapshot}; the replaced database is in ${aside}.`);
      ctx.print(
        "Start the node: it catches up with its peers by anti-entropy (watch `worker list`).",
      );
    },
  },
];
