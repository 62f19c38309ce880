/** HTTP Range for GET: one byte range, as S3 supports it. */
import type { ByteRange } from "../model/objects/read.ts";
import { S3Error } from "./error.ts";

/**
 * Parses a Range header against an object size. Returns undefined when the header should be
 * ignored (absent or not a byte range), a range when it is satisfiable, and throws
 * InvalidRange (416) when it is not — including several ranges, which S3 does not serve.
 */
export function parseRange(header: string | null, size: number): ByteRange | undefined {
  if (header === null) return undefined;
  const m = /^\s*bytes\s*=\s*(.+)$/i.exec(header);
  if (!m) return undefined;
  const specs = m[1].split(",").map((s) => s.trim());
  if (specs.length > 1) {
    throw new S3Error("InvalidRange", "Multiple byte ranges in one request are not supported.", {
      RangeRequested: header,
      ActualObjectSize: String(size),
    });
  }
  const r = /^(\d*)\s*-\s*(\d*)$/.exec(specs[0]);
  if (!r || (r[1] === "" && r[2] === "")) return undefined;
  let start: number;
  let end: number;
  if (r[1] === "") {
    const suffix = Number(r[2]);
    if (suffix === 0) throw unsatisfiable(header, size);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    // A last position before the first makes the header invalid, so it is ignored (RFC 9110);
    // compared as digits, since positions past 2^53 are equal as numbers.
    if (r[2] !== "" && BigInt(r[2]) < BigInt(r[1])) return undefined;
    start = Number(r[1]);
    end = r[2] === "" ? size - 1 : Math.min(Number(r[2]), size - 1);
  }
  if (start >= size) throw unsatisfiable(header, size);
  return { start, end };
}

function unsatisfiable(header: string, size: number): S3Error {
  return new S3Error("InvalidRange", "The requested range is not satisfiable", {
    RangeRequested: header,
    ActualObjectSize: String(size),
  });
}
