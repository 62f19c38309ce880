import { assertEquals } from "../../tests/assert.ts";
import { isStaleSnapshot, retryingStale } from "./kv_stale.ts";

/** Checked commits of new keys on `kv` while another handle writes the same file. */
async function commitsBeside(
  wrap: (kv: Deno.Kv) => Deno.Kv,
): Promise<{ ok: number; errors: unknown[] }> {
  const dir = await Deno.makeTempDir({ prefix: "remise-kv-" });
  const raw = await Deno.openKv(`${dir}/db.sqlite`);
  const kv = wrap(raw);
  const other = await Deno.openKv(`${dir}/db.sqlite`);
  let writing = true;
  const writer = (async () => {
    // A write every millisecond or so: far more often than the listing thread's handle.
    for (let i = 0; writing; i++) {
      await other.set(["elsewhere", i % 100], i);
      await new Promise((r) => setTimeout(r, 1));
    }
  })();
  const out = { ok: 0, errors: [] as unknown[] };
  try {
    for (let i = 0; i < 300; i++) {
      const cur = await kv.get<number>(["counter"]);
      try {
        const res = await kv.atomic().check(cur).set(["counter"], (cur.value ?? 0) + 1)
          .set(["row", i], new Uint8Array(1000)).sum(["total"], 1n).commit();
        if (res.ok) out.ok++;
      } catch (e) {
        out.errors.push(e);
      }
    }
    // Each commit that answered ok applied once, sums included.
    assertEquals((await kv.get<number>(["counter"])).value ?? 0, out.ok);
    assertEquals((await kv.get<Deno.KvU64>(["total"])).value?.value ?? 0n, BigInt(out.ok));
    return out;
  } finally {
    writing = false;
    await writer;
    other.close();
    raw.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("kv: a commit refused for a stale snapshot is committed again, once", async () => {
  const plain = await commitsBeside((kv) => kv);
  assertEquals(plain.errors.length > 0 && plain.errors.every(isStaleSnapshot), true);
  const retried = await commitsBeside(retryingStale);
  assertEquals(retried.errors, []);
  assertEquals(retried.ok, 300);
});
