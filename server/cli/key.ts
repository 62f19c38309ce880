/** `key create|list|info|rename|delete|allow|deny|import`. */
import type { GetKeyInfoResponse, ListKeysResponse } from "../../shared/admin.ts";
import { CliError } from "./errors.ts";
import type { CliContext, Command } from "./context.ts";
import { listAbbr, short, table } from "./format.ts";

export function keyInfoText(key: GetKeyInfoResponse): string {
  const info = [
    `Key ID:\t${key.accessKeyId}`,
    `Key name:\t${key.name}`,
    `Secret key:\t${key.secretAccessKey ?? "(redacted)"}`,
  ];
  if (key.created) info.push(`Created:\t${key.created}`);
  info.push(
    `Validity:\t${key.expired ? "EXPIRED" : "valid"}`,
    `Expiration:\t${key.expiration ?? "never"}`,
    "",
    `Can create buckets:\t${key.permissions.createBucket}`,
  );
  const buckets = ["Permissions\tID\tGlobal aliases\tLocal aliases"];
  for (const b of key.buckets) {
    const p = b.permissions;
    buckets.push(
      `${p.read ? "R" : " "}${p.write ? "W" : " "}${p.owner ? "O" : " "}\t${short(b.id)}\t${
        listAbbr(b.globalAliases)
      }\t${b.localAliases.join(",")}`,
    );
  }
  return [
    "==== ACCESS KEY INFORMATION ====",
    table(info),
    "",
    "==== BUCKETS FOR THIS KEY ====",
    table(buckets),
  ].join("\n");
}

/** The key a pattern (id, id prefix or name) designates; the API refuses ambiguous ones. */
export function findKey(ctx: CliContext, pattern: string, showSecret = false) {
  return ctx.api.call<GetKeyInfoResponse>("GetKeyInfo", {
    query: { search: pattern, showSecretKey: showSecret || undefined },
  });
}

export const keyCommands: Command[] = [
  {
    path: ["key", "list"],
    args: "",
    summary: "List access keys",
    options: {},
    positionals: [0, 0],
    async run(ctx) {
      const keys = await ctx.api.call<ListKeysResponse>("ListKeys");
      const rows = ["ID\tCreated\tName\tExpiration"];
      for (const k of keys) {
        const exp = k.expired ? "expired" : k.expiration ?? "never";
        rows.push(`${k.id}\t${k.created?.slice(0, 10) ?? ""}\t${k.name}\t${exp}`);
      }
      ctx.print(table(rows));
    },
  },
  {
    path: ["key", "info"],
    args: "<KEY> [--show-secret]",
    summary: "Show a key (by id, id prefix or name) and its buckets",
    options: { "show-secret": { type: "boolean" } },
    positionals: [1, 1],
    async run(ctx, { values, positionals }) {
      ctx.print(keyInfoText(await findKey(ctx, positionals[0], !!values["show-secret"])));
    },
  },
  {
    path: ["key", "create"],
    args: "[NAME]",
    summary: "Create an access key (its secret is shown once)",
    options: {},
    positionals: [0, 1],
    async run(ctx, { positionals }) {
      const key = await ctx.api.call<GetKeyInfoResponse>("CreateKey", {
        body: { name: positionals[0] ?? "Unnamed key" },
      });
      ctx.print(keyInfoText(key));
    },
  },
  {
    path: ["key", "rename"],
    args: "<KEY> <NEW_NAME>",
    summary: "Rename an access key",
    options: {},
    positionals: [2, 2],
    async run(ctx, { positionals }) {
      const key = await findKey(ctx, positionals[0]);
      const updated = await ctx.api.call<GetKeyInfoResponse>("UpdateKey", {
        query: { id: key.accessKeyId },
        body: { name: positionals[1] },
      });
      ctx.print(keyInfoText(updated));
    },
  },
  {
    path: ["key", "delete"],
    args: "<KEY> --yes",
    summary: "Delete an access key",
    options: { yes: { type: "boolean" } },
    positionals: [1, 1],
    async run(ctx, { values, positionals }) {
      const key = await findKey(ctx, positionals[0]);
      if (!values.yes) {
        ctx.print(`About to delete key ${key.accessKeyId}...`);
        throw new CliError("Add --yes flag to really perform this operation");
      }
      await ctx.api.call("DeleteKey", { query: { id: key.accessKeyId } });
      ctx.print(`Access key ${key.accessKeyId} has been deleted.`);
    },
  },
  ...(["allow", "deny"] as const).map((verb): Command => ({
    path: ["key", verb],
    args: "<KEY> --create-bucket",
    summary: verb === "allow"
      ? "Let a key create buckets"
      : "Withdraw a key's right to create buckets",
    options: { "create-bucket": { type: "boolean" } },
    positionals: [1, 1],
    async run(ctx, { values, positionals }) {
      if (!values["create-bucket"]) {
        throw new CliError(
          `key ${verb}: nothing to do; the only key-wide right is --create-bucket`,
        );
      }
      const key = await findKey(ctx, positionals[0]);
      const updated = await ctx.api.call<GetKeyInfoResponse>("UpdateKey", {
        query: { id: key.accessKeyId },
        body: { [verb]: { createBucket: true } },
      });
      ctx.print(keyInfoText(updated));
    },
  })),
  {
    path: ["key", "import"],
    args: "<KEY_ID> <SECRET_KEY> [-n NAME]",
    summary: "Import an access key made elsewhere (e.g. by Garage)",
    options: { name: { type: "string", short: "n" }, yes: { type: "boolean" } },
    positionals: [2, 2],
    async run(ctx, { values, positionals }) {
      const key = await ctx.api.call<GetKeyInfoResponse>("ImportKey", {
        body: {
          accessKeyId: positionals[0],
          secretAccessKey: positionals[1],
          name: (values.name as string | undefined) ?? "Imported key",
        },
      });
      ctx.print(keyInfoText(key));
    },
  },
];
