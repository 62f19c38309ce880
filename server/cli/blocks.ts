/**
 * `block info` (which versions and uploads use a block, where its copies belong) and `block
 * purge` (forget blocks lost for good): a purge first says what it would delete, and does it
 * only with --yes.
 */
import type {
  GetBlockInfoResponse,
  LocalGetBlockInfoResponse,
  PurgeBlocksResponse,
} from "../../shared/admin.ts";
import type { CliContext, Command } from "./context.ts";
import { CliError } from "./errors.ts";
import { short } from "./format.ts";
import { NODE_OPTION, perNode } from "./ops.ts";

function users(b: LocalGetBlockInfoResponse): string[] {
  return b.versions.filter((v) => !v.refDeleted).map((v) => {
    const l = v.backlink;
    if (l && "object" in l) return `object ${l.object.key} (bucket ${short(l.object.bucketId)})`;
    if (l && "upload" in l) {
      return `unfinished upload ${short(l.upload.uploadId)} of ${l.upload.key ?? "?"}`;
    }
    return `version ${short(v.versionId)} (owner unknown)`;
  });
}

async function infoOf(ctx: CliContext, hash: string): Promise<LocalGetBlockInfoResponse> {
  const [[, b]] = await perNode<GetBlockInfoResponse["success"][string]>(
    ctx,
    "GetBlockInfo",
    {},
    { blockHash: hash },
  );
  return b;
}

export const blockCommands: Command[] = [
  {
    path: ["block", "info"],
    args: "<hash>",
    summary: "Show which objects and uploads use a block, and which nodes should hold it",
    options: {},
    positionals: [1, 1],
    async run(ctx, { positionals }) {
      const b = await infoOf(ctx, positionals[0]);
      ctx.print(`Block ${b.blockHash}`);
      ctx.print(
        `References counted here: ${b.refcount}; stored here: ${b.storedHere ? "yes" : "no"}`,
      );
      ctx.print(`Nodes that should hold it: ${b.nodes.map(short).join(", ")}`);
      const u = users(b);
      ctx.print(u.length ? `Used by:\n  ${u.join("\n  ")}` : "Used by nothing.");
    },
  },
  {
    path: ["block", "purge"],
    args: "[-n NODE] <hash>... [--yes]",
    summary:
      "Forget blocks lost for good: deletes the objects and aborts the uploads that need them",
    options: { ...NODE_OPTION, yes: { type: "boolean" } },
    positionals: [1, Infinity],
    async run(ctx, { values, positionals }) {
      if (!values.yes) {
        const lost: string[] = [];
        for (const h of positionals) lost.push(...users(await infoOf(ctx, h)));
        ctx.print(
          lost.length
            ? `Purging would delete for good:\n  ${lost.join("\n  ")}`
            : "Nothing uses these blocks.",
        );
        throw new CliError("nothing purged: run again with --yes to purge");
      }
      for (
        const [id, r] of await perNode<PurgeBlocksResponse["success"][string]>(
          ctx,
          "PurgeBlocks",
          values,
          positionals,
        )
      ) {
        ctx.print(
          `node ${
            short(id)
          }: ${r.blocksPurged} block(s) purged, ${r.versionsDeleted} version(s) and ${r.uploadsDeleted} upload(s) deleted, ${r.versionsKept} version(s) kept by object lock`,
        );
      }
    },
  },
];
