import { assertEquals } from "../assert.ts";
import { zonesOf } from "../../console/src/layout_math.ts";

const change = (
  id: string,
  before: number,
  after: number,
  incoming = 0,
  outgoing = 0,
) => ({
  id,
  before,
  after,
  incoming,
  outgoing,
});

Deno.test("layout preview: a new node in a zone takes copies from the zone's other node", () => {
  const zones = zonesOf(
    [
      change("a", 256, 128, 0, 128),
      change("b", 256, 256),
      change("c", 256, 256),
      change("d", 0, 128, 128),
    ],
    {
      zoneBefore: { a: "dc1", b: "dc2", c: "dc3" },
      zoneAfter: { a: "dc1", b: "dc2", c: "dc3", d: "dc1" },
      names: {},
    },
  );
  assertEquals(
    zones.map((z) => [z.zone, z.before, z.after, z.incoming, z.outgoing]),
    [
      ["dc1", 256, 256, 0, 0],
      ["dc2", 256, 256, 0, 0],
      ["dc3", 256, 256, 0, 0],
    ],
  );
  assertEquals(zones[0].nodes.map((n) => n.id), ["a", "d"]);
});

Deno.test("layout preview: a removed node is shown in the zone it leaves", () => {
  const zones = zonesOf([
    change("a", 128, 0, 0, 128),
    change("b", 128, 256, 128),
  ], {
    zoneBefore: { a: "home", b: "office" },
    zoneAfter: { b: "office" },
    names: {},
  });
  assertEquals(
    zones.map((z) => [z.zone, z.before, z.after, z.incoming, z.outgoing]),
    [
      ["home", 128, 0, 0, 128],
      ["office", 128, 256, 128, 0],
    ],
  );
  assertEquals(zones[0].nodes.map((n) => n.id), ["a"]);
});
