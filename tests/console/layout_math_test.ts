import { assertEquals } from "../assert.ts";
import { redundancyWarnings, usableByZone, zonesOf } from "../../console/src/layout_math.ts";

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

Deno.test("layout preview: copies sharing a zone, and fewer zones than before, are warned of", () => {
  assertEquals(redundancyWarnings({ zonesBefore: 3, zonesAfter: 3, copies: 3, first: false }), []);
  assertEquals(redundancyWarnings({ zonesBefore: 3, zonesAfter: 2, copies: 3, first: false }), [
    "Only 2 zones for 3 copies: some partitions keep two copies in one zone, and losing that zone loses both.",
    "This change lowers redundancy: data is spread over 2 zones instead of 3.",
  ]);
  // A first layout lowers nothing.
  assertEquals(redundancyWarnings({ zonesBefore: 0, zonesAfter: 1, copies: 1, first: true }), []);
});

Deno.test("layout preview: usable capacity adds up by zone", () => {
  assertEquals(
    usableByZone([
      { id: "a", zone: "z1", usableCapacity: 100 },
      { id: "b", zone: "z1", usableCapacity: 50 },
      { id: "c", zone: "z2", usableCapacity: null },
    ]),
    { z1: 150, z2: 0 },
  );
});
