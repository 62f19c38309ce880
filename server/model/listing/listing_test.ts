import { assertEquals } from "../../../tests/assert.ts";
import { compareKeys } from "../../util/order.ts";
import { listKeys, type ListParams, prefixEnd } from "./listing.ts";

/** A sorted in-memory "table" paged like the real one, counting the pages asked for. */
function table(keys: string[]) {
  const sorted = [...keys].sort(compareKeys);
  let fetches = 0;
  return {
    fetches: () => fetches,
    list: (p: ListParams) =>
      listKeys<string>(
        (start, end, limit) => {
          fetches++;
          return Promise.resolve(
            sorted.filter((k) =>
              (start === undefined || compareKeys(k, start) >= 0) &&
              (end === undefined || compareKeys(k, end) < 0)
            ).slice(0, limit),
          );
        },
        (k) => k,
        (k) => !k.endsWith("#deleted"),
        p,
      ),
  };
}

const show = (r: { items: Array<{ kind: string; key: string }>; truncated: boolean }) => ({
  keys: r.items.map((i) => i.kind === "prefix" ? `[${i.key}]` : i.key),
  truncated: r.truncated,
});

Deno.test("prefixEnd is the first string after every string with the prefix", () => {
  assertEquals(prefixEnd("a/"), "a0");
  assertEquals(prefixEnd("ab"), "ac");
  assertEquals(prefixEnd("a\u{10ffff}"), "b");
  assertEquals(prefixEnd(""), "");
});

Deno.test("listing folds common prefixes and skips deleted entries", async () => {
  const t = table(["a/1", "a/2", "b", "c/d/e", "c/x#deleted", "d#deleted", "e"]);
  assertEquals(show(await t.list({ prefix: "", delimiter: "/", max: 1000 })), {
    keys: ["[a/]", "b", "[c/]", "e"],
    truncated: false,
  });
  assertEquals(show(await t.list({ prefix: "c/", delimiter: "/", max: 1000 })), {
    keys: ["[c/d/]"],
    truncated: false,
  });
});

Deno.test("listing stops at max and says it is truncated only when more remains", async () => {
  const t = table(["a", "b", "c"]);
  assertEquals(show(await t.list({ prefix: "", max: 2 })), { keys: ["a", "b"], truncated: true });
  assertEquals(show(await t.list({ prefix: "", max: 3 })), {
    keys: ["a", "b", "c"],
    truncated: false,
  });
  assertEquals(show(await t.list({ prefix: "", max: 2, after: "b" })), {
    keys: ["c"],
    truncated: false,
  });
  assertEquals(show(await t.list({ prefix: "", max: 0 })), { keys: [], truncated: false });
});

Deno.test("a marker inside a common prefix resumes after that prefix", async () => {
  const t = table(["a/1", "a/2", "b/1", "c"]);
  assertEquals(show(await t.list({ prefix: "", delimiter: "/", max: 10, after: "a/" })), {
    keys: ["[b/]", "c"],
    truncated: false,
  });
});

Deno.test("a huge common prefix is skipped without reading through it", async () => {
  const keys = Array.from({ length: 5000 }, (_, i) => `big/${String(i).padStart(5, "0")}`);
  const t = table([...keys, "z"]);
  assertEquals(show(await t.list({ prefix: "", delimiter: "/", max: 10 })), {
    keys: ["[big/]", "z"],
    truncated: false,
  });
  assertEquals(t.fetches() <= 2, true, `${t.fetches()} pages fetched`);
});

Deno.test("keys sort by UTF-8 bytes, not UTF-16 units", async () => {
  const t = table(["\u{ff5e}", "\u{1f389}", "a"]);
  assertEquals(show(await t.list({ prefix: "", max: 10 })).keys, ["a", "\u{ff5e}", "\u{1f389}"]);
});

Deno.test("a full page after a marker, and whether more follow, is one read", async () => {
  const keys = Array.from({ length: 3000 }, (_, i) => `k${String(i).padStart(4, "0")}`);
  const t = table(keys);
  const r = await t.list({ prefix: "", max: 1000, after: "k0999" });
  assertEquals([r.items.length, r.items[0].key, r.truncated], [1000, "k1000", true]);
  assertEquals(t.fetches(), 1);
});
