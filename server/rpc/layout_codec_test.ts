import { assert, assertEquals } from "../../tests/assert.ts";
import { encode } from "../util/msgpack.ts";
import { applyStaged, type ClusterLayout, emptyLayout, type NodeRole } from "./layout.ts";
import { decodeLayout, encodeLayout } from "./layout_codec.ts";

const id = (n: number) => n.toString(16).padStart(64, "0");
const role = (zone: string): NodeRole => ({ zone, capacity: 1e9, tags: [] });

function layoutWithHistory(): ClusterLayout {
  const roles = Object.fromEntries([1, 2, 3, 4, 5].map((n) => [id(n), role(`z${n}`)]));
  const v1 = applyStaged({ ...emptyLayout(3), staged: { roles } }, 1);
  const v2 = applyStaged({ ...v1, staged: { roles: { [id(6)]: role("z6") } } }, 2);
  return { ...v2, sync: { [id(1)]: 2 } };
}

Deno.test("a layout and its history round-trip, small enough for one KV value", () => {
  const l = layoutWithHistory();
  const bytes = encodeLayout(l);
  assertEquals(decodeLayout(bytes), l);
  assert(encode(l).length > 64 * 1024, "written out plainly it would not fit");
  assert(bytes.length < 8 * 1024, `${bytes.length} bytes`);
});

Deno.test("a layout saved with node ids in its partitions still reads", () => {
  const l = layoutWithHistory();
  assertEquals(decodeLayout(encode(l)), l);
});
