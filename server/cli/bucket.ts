/**
 * `bucket create|list|info|delete|allow|deny|alias|unalias|website|set-quotas|versioning|lock|
 * policy|public-access|acl`.
 */
import type { GetBucketInfoResponse, ListBucketsResponse } from "../../shared/admin.ts";
import { parseSize } from "../util/size.ts";
import type { CliContext, Command } from "./context.ts";
import { CliError } from "./errors.ts";
import { bytes, listAbbr, short, table } from "./format.ts";
import { findKey } from "./key.ts";

export function bucketInfoText(b: GetBucketInfoResponse): string {
  const info = [
    `Bucket:\t${b.id}`,
    `Created:\t${b.created}`,
    "",
    `Size:\t${bytes(b.bytes, true)} (${bytes(b.bytes)})`,
    `Objects:\t${b.objects}`,
  ];
  if (b.unfinishedUploads > 0) {
    info.push(
      `Unfinished uploads:\t${b.unfinishedMultipartUploads} multipart uploads`,
      `Size of unfinished multipart uploads:\t${bytes(b.unfinishedMultipartUploadBytes, true)} (${
        bytes(b.unfinishedMultipartUploadBytes)
      })`,
    );
  }
  info.push("", `Versioning:\t${b.versioning ?? "never enabled"}`);
  if (b.objectLock) {
    const r = b.objectLock.defaultRetention;
    info.push(
      `Object lock:\tenabled${
        r ? `, default retention ${r.mode} ${r.days ? `${r.days} days` : `${r.years} years`}` : ""
      }`,
    );
  }
  const a = b.access;
  info.push(
    "",
    `Public:\t${a.isPublic ? "yes (anyone can use it without a key)" : "no"}`,
    `  ACL:\t${a.acl}`,
    `  policy:\t${a.policy === null ? "none" : "set (bucket policy get to show it)"}`,
    `  public access block:\t${
      Object.entries(a.effectiveBlock).filter(([, on]) => on).map(([k]) => k).join(", ") || "none"
    }`,
  );
  info.push("", `Website access:\t${b.websiteAccess}`);
  if (b.websiteConfig) {
    info.push(
      `  index document:\t${b.websiteConfig.indexDocument}`,
      `  error document:\t${b.websiteConfig.errorDocument ?? "(not defined)"}`,
    );
  }
  if (b.quotas.maxSize !== null || b.quotas.maxObjects !== null) {
    info.push("", "Quotas:\tenabled");
    if (b.quotas.maxSize !== null) {
      info.push(`  maximum size:\t${bytes(b.quotas.maxSize, true)} (${bytes(b.quotas.maxSize)})`);
    }
    if (b.quotas.maxObjects !== null) {
      info.push(`  maximum number of objects:\t${b.quotas.maxObjects}`);
    }
  }
  if (b.globalAliases.length) {
    info.push("");
    b.globalAliases.forEach((a, i) => {
      if (i > 0) info.push(`\t${a}`);
      else info.push(`${b.globalAliases.length > 1 ? "Global aliases" : "Global alias"}:\t${a}`);
    });
  }
  const keys = ["Permissions\tAccess key\t\tLocal aliases"];
  for (const k of b.keys) {
    const p = k.permissions;
    keys.push(
      `${p.read ? "R" : " "}${p.write ? "W" : " "}${
        p.owner ? "O" : " "
      }\t${k.accessKeyId}\t${k.name}\t${k.bucketLocalAliases.join(",")}`,
    );
  }
  return [
    "==== BUCKET INFORMATION ====",
    table(info),
    "",
    "==== KEYS FOR THIS BUCKET ====",
    table(keys),
  ].join("\n");
}

/** The bucket a name (global alias) or id prefix designates. */
export function findBucket(ctx: CliContext, name: string) {
  return ctx.api.call<GetBucketInfoResponse>("GetBucketInfo", { query: { search: name } });
}

function permCommand(verb: "allow" | "deny"): Command {
  return {
    path: ["bucket", verb],
    args: "[--read] [--write] [--owner] <BUCKET> --key <KEY>",
    summary: verb === "allow"
      ? "Give a key rights on a bucket"
      : "Withdraw a key's rights on a bucket",
    options: {
      read: { type: "boolean" },
      write: { type: "boolean" },
      owner: { type: "boolean" },
      key: { type: "string" },
    },
    positionals: [1, 1],
    async run(ctx, { values, positionals }) {
      const keyPattern = values.key as string | undefined;
      if (!keyPattern) throw new CliError(`bucket ${verb}: --key <KEY> is required`);
      const permissions = { read: !!values.read, write: !!values.write, owner: !!values.owner };
      if (!permissions.read && !permissions.write && !permissions.owner) {
        throw new CliError(
          `bucket ${verb}: nothing to do; give at least one of --read, --write, --owner`,
        );
      }
      const bucket = await findBucket(ctx, positionals[0]);
      const key = await findKey(ctx, keyPattern);
      const res = await ctx.api.call<GetBucketInfoResponse>(
        verb === "allow" ? "AllowBucketKey" : "DenyBucketKey",
        { body: { bucketId: bucket.id, accessKeyId: key.accessKeyId, permissions } },
      );
      ctx.print(bucketInfoText(res));
    },
  };
}

export const bucketCommands: Command[] = [
  {
    path: ["bucket", "list"],
    args: "",
    summary: "List buckets",
    options: {},
    positionals: [0, 0],
    async run(ctx) {
      const list = await ctx.api.call<ListBucketsResponse>("ListBuckets");
      const rows = ["ID\tCreated\tGlobal aliases\tLocal aliases"];
      for (const b of list) {
        rows.push(
          `${short(b.id)}\t${b.created.slice(0, 10)}\t${listAbbr(b.globalAliases)}\t${
            listAbbr(b.localAliases.map((l) => `${l.accessKeyId}:${l.alias}`))
          }`,
        );
      }
      ctx.print(table(rows));
    },
  },
  {
    path: ["bucket", "info"],
    args: "<BUCKET>",
    summary: "Show a bucket (by name or id prefix), its size and its keys",
    options: {},
    positionals: [1, 1],
    async run(ctx, { positionals }) {
      ctx.print(bucketInfoText(await findBucket(ctx, positionals[0])));
    },
  },
  {
    path: ["bucket", "create"],
    args: "<NAME>",
    summary: "Create a bucket with this global name",
    options: {},
    positionals: [1, 1],
    async run(ctx, { positionals }) {
      const b = await ctx.api.call<GetBucketInfoResponse>("CreateBucket", {
        body: { globalAlias: positionals[0] },
      });
      ctx.print(bucketInfoText(b));
    },
  },
  {
    path: ["bucket", "delete"],
    args: "<BUCKET> --yes",
    summary: "Delete an empty bucket",
    options: { yes: { type: "boolean" } },
    positionals: [1, 1],
    async run(ctx, { values, positionals }) {
      const name = positionals[0];
      const b = await findBucket(ctx, name);
      if (b.globalAliases.some((a) => a !== name)) {
        throw new CliError(
          `Bucket ${name} still has other global aliases. Use \`bucket unalias\` to delete them one by one.`,
        );
      }
      if (b.keys.some((k) => k.bucketLocalAliases.length > 0)) {
        throw new CliError(
          `Bucket ${name} still has local aliases. Use \`bucket unalias\` to delete them one by one.`,
        );
      }
      if (!values.yes) {
        ctx.print(`About to delete bucket ${b.id}.`);
        throw new CliError("Add --yes flag to really perform this operation");
      }
      await ctx.api.call("DeleteBucket", { query: { id: b.id } });
      ctx.print(`Bucket ${b.id} has been deleted.`);
    },
  },
  permCommand("allow"),
  permCommand("deny"),
  {
    path: ["bucket", "alias"],
    args: "<BUCKET> <NEW_ALIAS> [--local <KEY>]",
    summary: "Give a bucket another name, global or in one key's namespace",
    options: { local: { type: "string" } },
    positionals: [2, 2],
    async run(ctx, { values, positionals }) {
      const [existing, alias] = positionals;
      const b = await findBucket(ctx, existing);
      const local = values.local as string | undefined;
      const body = local
        ? {
          bucketId: b.id,
          localAlias: alias,
          accessKeyId: (await findKey(ctx, local)).accessKeyId,
        }
        : { bucketId: b.id, globalAlias: alias };
      ctx.print(bucketInfoText(await ctx.api.call("AddBucketAlias", { body })));
    },
  },
  {
    path: ["bucket", "unalias"],
    args: "<ALIAS> [--local <KEY>]",
    summary: "Remove a bucket name",
    options: { local: { type: "string" } },
    positionals: [1, 1],
    async run(ctx, { values, positionals }) {
      const alias = positionals[0];
      const local = values.local as string | undefined;
      let body;
      if (local) {
        const key = await findKey(ctx, local);
        const b = key.buckets.find((x) => x.localAliases.includes(alias));
        if (!b) {
          throw new CliError(`No bucket called ${alias} in namespace of key ${key.accessKeyId}`);
        }
        body = { bucketId: b.id, localAlias: alias, accessKeyId: key.accessKeyId };
      } else {
        const b = await ctx.api.call<GetBucketInfoResponse>("GetBucketInfo", {
          query: { globalAlias: alias },
        });
        body = { bucketId: b.id, globalAlias: alias };
      }
      ctx.print(bucketInfoText(await ctx.api.call("RemoveBucketAlias", { body })));
    },
  },
  {
    path: ["bucket", "website"],
    args: "<BUCKET> --allow|--deny [--index-document index.html] [--error-document PATH]",
    summary: "Serve a bucket as a website, or stop",
    options: {
      allow: { type: "boolean" },
      deny: { type: "boolean" },
      "index-document": { type: "string" },
      "error-document": { type: "string" },
    },
    positionals: [1, 1],
    async run(ctx, { values, positionals }) {
      if (!values.allow === !values.deny) {
        throw new CliError("You must specify exactly one flag, either --allow or --deny");
      }
      const b = await findBucket(ctx, positionals[0]);
      const websiteAccess = values.allow
        ? {
          enabled: true,
          indexDocument: (values["index-document"] as string | undefined) ?? "index.html",
          errorDocument: (values["error-document"] as string | undefined) ??
            b.websiteConfig?.errorDocument ?? null,
        }
        : { enabled: false };
      const res = await ctx.api.call<GetBucketInfoResponse>("UpdateBucket", {
        query: { id: b.id },
        body: { websiteAccess },
      });
      ctx.print(bucketInfoText(res));
    },
  },
  {
    path: ["bucket", "set-quotas"],
    args: "<BUCKET> [--max-size SIZE|none] [--max-objects N|none]",
    summary: "Limit a bucket's size or object count",
    options: { "max-size": { type: "string" }, "max-objects": { type: "string" } },
    positionals: [1, 1],
    async run(ctx, { values, positionals }) {
      const ms = values["max-size"] as string | undefined;
      const mo = values["max-objects"] as string | undefined;
      if (ms === undefined && mo === undefined) {
        throw new CliError(
          "You must specify either --max-size or --max-objects (or both) for this command to do something.",
        );
      }
      const b = await findBucket(ctx, positionals[0]);
      const size = (v: string) => {
        const n = parseSize(v);
        if (n === undefined) throw new CliError(`Invalid size specified: ${v}`);
        return n;
      };
      const count = (v: string) => {
        if (!/^\d+$/.test(v)) throw new CliError(`Invalid number: ${v}`);
        return Number(v);
      };
      const quotas = {
        maxSize: ms === undefined ? b.quotas.maxSize : ms === "none" ? null : size(ms),
        maxObjects: mo === undefined ? b.quotas.maxObjects : mo === "none" ? null : count(mo),
      };
      const res = await ctx.api.call<GetBucketInfoResponse>("UpdateBucket", {
        query: { id: b.id },
        body: { quotas },
      });
      ctx.print(bucketInfoText(res));
    },
  },
  {
    path: ["bucket", "versioning"],
    args: "<BUCKET> enable|suspend",
    summary: "Keep every version of each object, or stop making new ones",
    options: {},
    positionals: [2, 2],
    async run(ctx, { positionals }) {
      const [name, verb] = positionals;
      const versioning = { enable: "Enabled", suspend: "Suspended" }[verb];
      if (!versioning) throw new CliError(`Expected enable or suspend, not ${verb}.`);
      const b = await findBucket(ctx, name);
      const res = await ctx.api.call<GetBucketInfoResponse>("UpdateBucket", {
        query: { id: b.id },
        body: { versioning },
      });
      ctx.print(bucketInfoText(res));
    },
  },
  {
    path: ["bucket", "policy"],
    args: "<BUCKET> get|delete | <BUCKET> set <FILE|->",
    summary: "Show, set (from a JSON file, - for stdin) or remove the bucket policy",
    options: {},
    positionals: [2, 3],
    async run(ctx, { positionals }) {
      const [name, verb, file] = positionals;
      const b = await findBucket(ctx, name);
      if (verb === "get") {
        if (b.access.policy === null) throw new CliError(`Bucket ${name} has no policy.`);
        ctx.print(JSON.stringify(JSON.parse(b.access.policy), null, 2));
        return;
      }
      let policy: string | null;
      if (verb === "delete") policy = null;
      else if (verb === "set" && file !== undefined) {
        policy = file === "-"
          ? await new Response(Deno.stdin.readable).text()
          : await Deno.readTextFile(file);
      } else throw new CliError("Expected get, delete, or set <FILE|->.");
      const res = await ctx.api.call<GetBucketInfoResponse>("UpdateBucket", {
        query: { id: b.id },
        body: { policy },
      });
      ctx.print(bucketInfoText(res));
    },
  },
  {
    path: ["bucket", "public-access"],
    args:
      "<BUCKET> [--block-public-acls] [--ignore-public-acls] [--block-public-policy] [--restrict-public-buckets] | <BUCKET> --remove",
    summary: "Set the bucket's public access block (the flags given are on, the others off)",
    options: {
      "block-public-acls": { type: "boolean" },
      "ignore-public-acls": { type: "boolean" },
      "block-public-policy": { type: "boolean" },
      "restrict-public-buckets": { type: "boolean" },
      remove: { type: "boolean" },
    },
    positionals: [1, 1],
    async run(ctx, { positionals, values }) {
      const b = await findBucket(ctx, positionals[0]);
      const on = (k: string) => values[k] === true;
      const publicAccessBlock = on("remove") ? null : {
        blockPublicAcls: on("block-public-acls"),
        ignorePublicAcls: on("ignore-public-acls"),
        blockPublicPolicy: on("block-public-policy"),
        restrictPublicBuckets: on("restrict-public-buckets"),
      };
      const res = await ctx.api.call<GetBucketInfoResponse>("UpdateBucket", {
        query: { id: b.id },
        body: { publicAccessBlock },
      });
      ctx.print(bucketInfoText(res));
    },
  },
  {
    path: ["bucket", "acl"],
    args: "<BUCKET> private|public-read|public-read-write|authenticated-read",
    summary: "Set the bucket's canned ACL (public-read: anyone may list it)",
    options: {},
    positionals: [2, 2],
    async run(ctx, { positionals }) {
      const [name, acl] = positionals;
      const b = await findBucket(ctx, name);
      const res = await ctx.api.call<GetBucketInfoResponse>("UpdateBucket", {
        query: { id: b.id },
        body: { acl },
      });
      ctx.print(bucketInfoText(res));
    },
  },
  {
    path: ["bucket", "lock"],
    args: "<BUCKET> [--mode GOVERNANCE|COMPLIANCE (--days N | --years N)]",
    summary: "Turn object lock on for good (versioning must be enabled), with a default retention",
    options: { mode: { type: "string" }, days: { type: "string" }, years: { type: "string" } },
    positionals: [1, 1],
    async run(ctx, { values, positionals }) {
      const mode = values.mode as string | undefined;
      const days = values.days as string | undefined, years = values.years as string | undefined;
      const count = (v: string | undefined) => {
        if (v === undefined) return null;
        if (!/^\d+$/.test(v) || Number(v) < 1) throw new CliError(`Invalid number: ${v}`);
        return Number(v);
      };
      if (mode === undefined && (days !== undefined || years !== undefined)) {
        throw new CliError("--days and --years give a default retention: say its --mode too.");
      }
      if (mode !== undefined && (days === undefined) === (years === undefined)) {
        throw new CliError("A default retention needs either --days or --years.");
      }
      const b = await findBucket(ctx, positionals[0]);
      const defaultRetention = mode === undefined
        ? null
        : { mode: mode.toUpperCase(), days: count(days), years: count(years) };
      const res = await ctx.api.call<GetBucketInfoResponse>("UpdateBucket", {
        query: { id: b.id },
        body: { objectLock: { defaultRetention } },
      });
      ctx.print(bucketInfoText(res));
    },
  },
];
