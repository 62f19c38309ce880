/**
 * Shared pieces of the property-based fuzz suite: how a run is configured, what counts as an
 * acceptable failure (a 4xx S3Error, a ConfigError, an InvalidRequest), a prototype-pollution
 * guard, and generators of the inputs a peer can actually send (header-safe strings, byte
 * streams cut into reads).
 *
 * Every property runs from a fresh random seed; set FUZZ_SEED (and FUZZ_PATH, both printed by
 * fast-check on failure) to replay one run.
 */
import fc from "fast-check";
import { concatBytes } from "../../server/util/bytes.ts";
import { S3Error } from "../../server/api/error.ts";
import { AssertionError } from "../assert.ts";

/** fast-check parameters for a property of `numRuns` runs, replayable from the environment. */
export function runs<T>(numRuns: number): fc.Parameters<T> {
  const seed = Deno.env.get("FUZZ_SEED");
  const path = Deno.env.get("FUZZ_PATH");
  return {
    numRuns,
    ...(seed !== undefined ? { seed: Number(seed) } : {}),
    ...(path !== undefined ? { path } : {}),
  };
}

/** "TypeError: message" for any thrown value, to name it in a failed property. */
export function describeError(e: unknown): string {
  if (e instanceof S3Error) return `S3Error ${e.code} (${e.status}): ${e.message}`;
  if (e instanceof Error) return `${e.constructor.name}: ${e.message}`;
  return `non-Error thrown: ${String(e)}`;
}

/** Fails unless `e` is an S3Error whose HTTP status is 4xx; returns it. */
export function expect4xx(e: unknown, context = ""): S3Error {
  if (!(e instanceof S3Error)) {
    throw new AssertionError(
      `${context ? context + ": " : ""}expected an S3Error 4xx, got ${describeError(e)}`,
    );
  }
  if (e.status < 400 || e.status > 499) {
    throw new AssertionError(
      `${context ? context + ": " : ""}expected a 4xx S3Error, got ${describeError(e)}`,
    );
  }
  return e;
}

/** Fails unless `e` is an instance of `type`; returns it. */
export function expectType<E extends Error>(
  e: unknown,
  // deno-lint-ignore no-explicit-any
  type: new (...args: any[]) => E,
  context = "",
): E {
  if (!(e instanceof type)) {
    throw new AssertionError(
      `${context ? context + ": " : ""}expected ${type.name}, got ${describeError(e)}`,
    );
  }
  return e;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

export function outcome<T>(fn: () => T): Outcome<T> {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

export async function outcomeAsync<T>(fn: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * Names that have tripped JavaScript parsers into prototype pollution or into reading
 * inherited members: used as element names, JSON keys, TOML keys, header names.
 */
export const HOSTILE_NAMES = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "__defineGetter__",
  "isPrototypeOf",
  "polluted",
] as const;

const PROTOTYPES: [string, object][] = [
  ["Object.prototype", Object.prototype],
  ["Array.prototype", Array.prototype],
  ["Function.prototype", Function.prototype],
  ["String.prototype", String.prototype],
];

/** The own keys of the built-in prototypes, to compare before and after a parse. */
export function prototypeSnapshot(): string[] {
  return PROTOTYPES.flatMap(([name, p]) => Reflect.ownKeys(p).map((k) => `${name}::${String(k)}`))
    .sort();
}

const BASELINE = prototypeSnapshot();

/** Fails if any built-in prototype gained or lost a key, or `({}).polluted` is defined. */
export function assertNoPollution(context = ""): void {
  const now = prototypeSnapshot();
  const added = now.filter((k) => !BASELINE.includes(k));
  const removed = BASELINE.filter((k) => !now.includes(k));
  // deno-lint-ignore no-explicit-any
  const polluted = ({} as any).polluted;
  if (added.length || removed.length || polluted !== undefined) {
    // Undo what can be undone so that one failure does not cascade into every later test.
    for (const k of added) {
      const [name, key] = k.split("::");
      const proto = PROTOTYPES.find(([n]) => n === name)?.[1];
      if (proto) delete (proto as Record<string, unknown>)[key];
    }
    throw new AssertionError(
      `${context ? context + ": " : ""}prototype pollution: added ${JSON.stringify(added)}, ` +
        `removed ${JSON.stringify(removed)}, ({}).polluted = ${String(polluted)}`,
    );
  }
}

/**
 * Fails if an object reachable from `v` has a prototype other than Object.prototype or null
 * (Array.prototype for arrays), or carries an own `__proto__` accessor-shaped surprise.
 */
export function assertPlainTree(v: unknown, context = "", depth = 0): void {
  if (v === null || typeof v !== "object") return;
  if (depth > 100_000) return;
  const proto = Object.getPrototypeOf(v);
  if (Array.isArray(v)) {
    if (proto !== Array.prototype) {
      throw new AssertionError(`${context}: an array with a foreign prototype`);
    }
    for (const x of v) assertPlainTree(x, context, depth + 1);
    return;
  }
  if (proto !== Object.prototype && proto !== null) {
    throw new AssertionError(
      `${context}: a parsed object has the prototype ${
        proto?.constructor?.name ?? String(proto)
      } (keys ${JSON.stringify(Object.keys(proto ?? {}))})`,
    );
  }
  for (const k of Object.keys(v)) {
    assertPlainTree((v as Record<string, unknown>)[k], context, depth + 1);
  }
}

/**
 * Strings a Headers object accepts as a value: bytes 0x01-0xFF except CR and LF (Deno's
 * Headers refuses NUL, CR and LF). What a peer can put in a header, as the server sees it.
 */
export function headerSafeString(
  constraints: { minLength?: number; maxLength?: number; size?: fc.SizeForArbitrary } = {},
): fc.Arbitrary<string> {
  const unit = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
    { weight: 1, arbitrary: fc.constantFrom(0x09, 0x01, 0x7f) },
    { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
  ).map((c) => String.fromCharCode(c));
  return fc.string({ unit, ...constraints });
}

/** Printable ASCII without runs of white space: a value that SigV4 canonicalization keeps. */
export const asciiValue: fc.Arbitrary<string> = fc.array(
  fc.string({
    unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
    minLength: 1,
    maxLength: 12,
  }),
  { minLength: 1, maxLength: 4 },
).map((words) => words.join(" "));

/** Lower-case hex of `n` digits. */
export function hexString(n: number): fc.Arbitrary<string> {
  return fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: n, maxLength: n });
}

export const enc = new TextEncoder();

export function concat(...parts: (Uint8Array | string)[]): Uint8Array {
  return concatBytes(parts.map((p) => typeof p === "string" ? enc.encode(p) : p));
}

/** Offsets at which to cut a body of `length` bytes into reads (sorted, distinct, inside). */
export function cutsOf(length: number, maxCuts = 12): fc.Arbitrary<number[]> {
  if (length < 2) return fc.constant([]);
  return fc.uniqueArray(fc.integer({ min: 1, max: length - 1 }), { maxLength: maxCuts })
    .map((a) => a.sort((x, y) => x - y));
}

/** The body cut at `cuts` into separate reads (copies: a reader may keep views). */
export function splitAt(body: Uint8Array, cuts: number[]): Uint8Array[] {
  const ends = [...cuts.filter((c) => c > 0 && c < body.length), body.length];
  const out: Uint8Array[] = [];
  let from = 0;
  for (const end of ends) {
    out.push(body.slice(from, end));
    from = end;
  }
  return out;
}

/** A body delivered as the given reads, one per pull, as a socket would deliver it. */
export function streamOf(reads: Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (i >= reads.length) c.close();
      else c.enqueue(reads[i++]);
    },
  });
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
