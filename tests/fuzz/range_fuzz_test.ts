/**
 * Property-based fuzzing of the Range header (server/s3/range.ts parseRange): any header and
 * object size give undefined (ignore the header), a range inside the object, or a 4xx S3Error
 * (InvalidRange is 416); a single well-formed byte range gives exactly what RFC 9110 says,
 * checked against a model that computes with BigInt so that no digit string loses precision.
 */
import fc from "fast-check";
import { parseRange } from "../../server/api/range.ts";
import { assertEquals, AssertionError } from "../assert.ts";
import { describeError, expect4xx, headerSafeString, outcome, runs } from "./props.ts";

/** Object sizes: empty, small, around 2^32 and up to the largest safe integer. */
const size = fc.oneof(
  fc.constantFrom(0, 1, 2, 2 ** 32, Number.MAX_SAFE_INTEGER),
  fc.nat(100),
  fc.nat(),
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
);

/** Digit strings: small, near the size, huge, with leading zeros. */
const digits = fc.oneof(
  fc.nat(120).map(String),
  fc.bigInt({ min: 0n, max: 2n ** 64n }).map(String),
  fc.stringMatching(/^0{1,5}\d{0,3}$/),
  fc.stringMatching(/^\d{15,40}$/),
  fc.constantFrom("9007199254740991", "9007199254740992", "9007199254740993"),
);

const ws = fc.constantFrom("", " ", "  ", "\t");
const unit = fc.constantFrom("bytes", "Bytes", "BYTES", "bytes ", " bytes", "byte", "items", "");

const rangeHeader = fc.oneof(
  headerSafeString({ maxLength: 40 }),
  fc.tuple(
    ws,
    unit,
    ws,
    fc.constantFrom("=", "==", ":", ""),
    ws,
    fc.array(
      fc.tuple(fc.option(digits), ws, fc.constantFrom("-", "--", "", "+"), ws, fc.option(digits))
        .map(([a, s1, dash, s2, b]) => `${a ?? ""}${s1}${dash}${s2}${b ?? ""}`),
      { minLength: 1, maxLength: 3 },
    ),
    fc.constantFrom(",", ", ", " ,"),
    ws,
  ).map(
    ([w1, u, w2, eq, w3, specs, sep, w4]) => `${w1}${u}${w2}${eq}${w3}${specs.join(sep)}${w4}`,
  ),
);

Deno.test("fuzz range: any Range header gives undefined, a range within [0, size), or a 4xx S3 error (2000 runs)", () => {
  fc.assert(
    fc.property(fc.option(rangeHeader), size, (header, n) => {
      const o = outcome(() => parseRange(header, n));
      const context = `Range ${JSON.stringify(header)} on ${n} bytes`;
      if (!o.ok) {
        expect4xx(o.error, context);
        return;
      }
      if (o.value === undefined) return;
      const { start, end } = o.value;
      if (
        !Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || start > end ||
        end >= n
      ) {
        throw new AssertionError(`${context}: got ${JSON.stringify(o.value)}`);
      }
    }),
    runs(2000),
  );
});

/** RFC 9110 §14.1.2 for one range, in BigInt: a range, "ignore", or "unsatisfiable". */
function model(first: string, last: string, size: number) {
  const n = BigInt(size);
  if (first === "") {
    const suffix = BigInt(last);
    if (suffix === 0n || n === 0n) return "unsatisfiable";
    return { start: Number(n > suffix ? n - suffix : 0n), end: size - 1 };
  }
  const start = BigInt(first);
  if (last !== "" && BigInt(last) < start) return "ignore";
  if (start >= n) return "unsatisfiable";
  const end = last === "" || BigInt(last) >= n ? n - 1n : BigInt(last);
  return { start: Number(start), end: Number(end) };
}

Deno.test("fuzz range: a single well-formed byte range is served exactly as RFC 9110 computes it (5000 runs)", () => {
  fc.assert(
    fc.property(
      fc.oneof(digits, fc.constant("")),
      fc.oneof(digits, fc.constant("")),
      size,
      ws,
      (first, last, n, space) => {
        fc.pre(first !== "" || last !== "");
        const header = `bytes=${space}${first}-${last}`;
        const expected = model(first, last, n);
        const o = outcome(() => parseRange(header, n));
        const context = `Range ${JSON.stringify(header)} on ${n} bytes`;
        if (expected === "unsatisfiable") {
          if (o.ok) {
            throw new AssertionError(`${context}: expected 416, got ${JSON.stringify(o.value)}`);
          }
          assertEquals(expect4xx(o.error, context).status, 416, context);
        } else if (!o.ok) {
          throw new AssertionError(
            `${context}: expected ${JSON.stringify(expected)}, threw ${describeError(o.error)}`,
          );
        } else {
          assertEquals(o.value, expected === "ignore" ? undefined : expected, context);
        }
      },
    ),
    runs(5000),
  );
});
