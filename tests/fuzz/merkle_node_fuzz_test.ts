/**
 * Property-based tests of the Merkle node codec (server/table/merkle_node.ts). Inner nodes are
 * written and read by hand, but a node's hash is that of its bytes and peers compare hashes: the
 * hand-written form must be byte for byte what the MessagePack library writes, and reading any
 * stored bytes, well formed or damaged, must give what the library reads (or fail as it does).
 */
import fc from "fast-check";
import { decodeNode, encodeNode, type Inner, leaf } from "../../server/table/merkle_node.ts";
import { decode, encode } from "../../server/util/msgpack.ts";
import { assertEquals } from "../assert.ts";
import { runs } from "./props.ts";

/** Counts where MessagePack's forms change (fixarray up to 15), and any other. */
const count = fc.oneof(
  fc.constantFrom(0, 1, 15, 16, 17, 255, 256),
  fc.integer({ min: 0, max: 256 }),
);

/** Children under distinct bytes in byte order, as the fold builds them; hashes of any length. */
const inner: fc.Arbitrary<Inner> = count.chain((n) =>
  fc.uniqueArray(
    fc.tuple(
      fc.integer({ min: 0, max: 255 }),
      fc.oneof(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 0, maxLength: 300 }),
      ),
    ),
    { minLength: n, maxLength: n, selector: ([byte]) => byte },
  )
).map((children) => ({ children: children.sort(([a], [b]) => a - b) }));

const leafNode = fc.record({ pk: fc.string(), sk: fc.string(), hash: fc.uint8Array() })
  .map(({ pk, sk, hash }) => leaf(pk, sk, hash));

/** What decoding gives, or the fact that it failed. */
function outcome(read: () => unknown): unknown {
  try {
    return { value: read() };
  } catch {
    return "fails";
  }
}

Deno.test("merkle node codec: an inner node's bytes are the library's, and read back equal", () => {
  fc.assert(
    fc.property(inner, (n) => {
      const bytes = encodeNode(n);
      assertEquals(bytes, encode({ children: n.children }));
      assertEquals(decodeNode(bytes), n);
    }),
    runs(500),
  );
});

Deno.test("merkle node codec: a node as a peer may send it encodes as the library encodes it", () => {
  // Children whose bytes are out of range or not integers, hashes of any length: hashed on
  // receipt, so their encoding must still be the library's.
  const child = fc.tuple(
    fc.oneof(fc.integer({ min: -300, max: 600 }), fc.double(), fc.constant(0x80)),
    fc.uint8Array({ maxLength: 300 }),
  );
  fc.assert(
    fc.property(fc.array(child, { maxLength: 40 }), (children) => {
      assertEquals(encodeNode({ children }), encode({ children }));
    }),
    runs(500),
  );
});

Deno.test("merkle node codec: leaves round-trip through the library's form", () => {
  fc.assert(
    fc.property(leafNode, (n) => {
      const bytes = encodeNode(n);
      assertEquals(bytes, encode(n));
      assertEquals(decodeNode(bytes), n);
    }),
    runs(300),
  );
});

Deno.test("merkle node codec: damaged or foreign bytes read as the library reads them", () => {
  const damaged = fc.tuple(fc.oneof(inner, leafNode), fc.nat(), fc.nat(255), fc.nat(3)).map(
    ([n, at, value, how]) => {
      const bytes = encodeNode(n);
      const i = bytes.length ? at % bytes.length : 0;
      if (how === 0) return bytes.subarray(0, i);
      if (how === 1) return Uint8Array.of(...bytes, value);
      const out = bytes.slice();
      if (out.length) out[i] = value;
      return out;
    },
  );
  fc.assert(
    fc.property(fc.oneof(damaged, fc.uint8Array({ maxLength: 64 })), (bytes) => {
      assertEquals(outcome(() => decodeNode(bytes)), outcome(() => decode(bytes)));
    }),
    runs(2000),
  );
});
