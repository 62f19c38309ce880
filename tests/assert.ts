/** The few assertions the tests use (JSR's @std/assert is out of reach here). */
import { deepStrictEqual } from "node:assert";

export class AssertionError extends Error {}

export function assert(cond: unknown, msg = "assertion failed"): asserts cond {
  if (!cond) throw new AssertionError(msg);
}

export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  try {
    deepStrictEqual(actual, expected);
  } catch (e) {
    throw new AssertionError(`${msg ? msg + "\n" : ""}${(e as Error).message}`);
  }
}

export function assertMatch(actual: string, re: RegExp, msg?: string): void {
  if (!re.test(actual)) {
    throw new AssertionError(msg ?? `${JSON.stringify(actual)} does not match ${re}`);
  }
}

export async function assertRejects(fn: () => Promise<unknown>, msg?: string): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new AssertionError(msg ?? "expected the call to fail, and it succeeded");
}

/** Fails unless the call rejects with an instance of `type` whose message contains `includes`. */
export async function assertRejectsWith<E extends Error>(
  fn: () => Promise<unknown>,
  // deno-lint-ignore no-explicit-any
  type: new (...args: any[]) => E,
  includes = "",
): Promise<E> {
  const e = await assertRejects(fn);
  if (!(e instanceof type) || !e.message.includes(includes)) {
    throw new AssertionError(`expected ${type.name} with "${includes}", got ${e}`);
  }
  return e;
}

export function assertThrows(fn: () => unknown, msg?: string): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new AssertionError(msg ?? "expected the call to throw, and it returned");
}
