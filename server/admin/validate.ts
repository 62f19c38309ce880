/**
 * Field-by-field checks of admin API request bodies and query strings. Every failure names
 * the field, what it must be and what was sent, so the caller can fix the request.
 */

/**
 * The longest string field accepted (names, ids, domains, rules): names are stored in entries
 * replicated to every node, and none of the real ones comes near.
 */
const MAX_STRING = 4096;

/** A request that cannot be processed as sent (HTTP 400 InvalidRequest). */
export class InvalidRequest extends Error {}

function show(v: unknown): string {
  if (v === undefined) return "nothing";
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? s.slice(0, 57) + "..." : s;
}

/** Parses a JSON request body; an empty body is `undefined`. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InvalidRequest(`The request body is not valid JSON: ${(e as Error).message}`);
  }
}

/** A JSON object whose fields are read with type checks; `path` names it in messages. */
export class Fields {
  private constructor(readonly value: Record<string, unknown>, readonly path: string) {}

  /**
   * Checks that `v` is an object with only `allowed` fields. `path` is "" for the request
   * body, or the dotted name of a nested object.
   */
  static of(v: unknown, path: string, allowed: readonly string[]): Fields {
    const where = path ? `\`${path}\`` : "The request body";
    if (typeof v !== "object" || v === null || Array.isArray(v)) {
      throw new InvalidRequest(`${where} must be a JSON object, got ${show(v)}`);
    }
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (!allowed.includes(k)) {
        throw new InvalidRequest(
          `${where} has an unknown field \`${k}\`; the fields it accepts are: ${
            allowed.join(", ")
          }`,
        );
      }
    }
    return new Fields(o, path);
  }

  name(field: string): string {
    return this.path ? `${this.path}.${field}` : field;
  }

  #bad(field: string, what: string): InvalidRequest {
    return new InvalidRequest(
      `\`${this.name(field)}\` must be ${what}, got ${show(this.value[field])}`,
    );
  }

  /** Whether the field is present and not null. */
  has(field: string): boolean {
    return this.value[field] !== undefined && this.value[field] !== null;
  }

  /** Whether the field is present, null included (null asks for a removal). */
  given(field: string): boolean {
    return this.value[field] !== undefined;
  }

  raw(field: string): unknown {
    return this.value[field];
  }

  str(field: string, opts: { nonEmpty?: boolean } = {}): string {
    const v = this.value[field];
    if (v === undefined || v === null) {
      throw new InvalidRequest(`\`${this.name(field)}\` is required`);
    }
    if (typeof v !== "string") throw this.#bad(field, "a string");
    if (opts.nonEmpty && v === "") throw this.#bad(field, "a non-empty string");
    if (v.length > MAX_STRING) throw this.#bad(field, `at most ${MAX_STRING} characters long`);
    return v;
  }

  optStr(field: string, opts: { nonEmpty?: boolean } = {}): string | undefined {
    return this.has(field) ? this.str(field, opts) : undefined;
  }

  bool(field: string): boolean {
    const v = this.value[field];
    if (v === undefined || v === null) {
      throw new InvalidRequest(`\`${this.name(field)}\` is required (true or false)`);
    }
    if (typeof v !== "boolean") throw this.#bad(field, "true or false");
    return v;
  }

  optBool(field: string): boolean | undefined {
    return this.has(field) ? this.bool(field) : undefined;
  }

  int(field: string, min = 0): number {
    const v = this.value[field];
    if (v === undefined || v === null) {
      throw new InvalidRequest(`\`${this.name(field)}\` is required`);
    }
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) {
      throw this.#bad(field, `an integer of at least ${min}`);
    }
    return v;
  }

  /** An integer, or null; absent is null too. */
  intOrNull(field: string, min = 0): number | null {
    return this.has(field) ? this.int(field, min) : null;
  }

  strings(field: string): string[] {
    const v = this.value[field];
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
      throw this.#bad(field, "a list of strings");
    }
    if (v.some((x) => x.length > MAX_STRING)) {
      throw this.#bad(field, `a list of strings of at most ${MAX_STRING} characters`);
    }
    return v as string[];
  }

  optStrings(field: string): string[] | undefined {
    return this.has(field) ? this.strings(field) : undefined;
  }

  list(field: string): unknown[] {
    const v = this.value[field];
    if (!Array.isArray(v)) throw this.#bad(field, "a list");
    return v;
  }

  obj(field: string, allowed: readonly string[]): Fields {
    if (!this.has(field)) throw new InvalidRequest(`\`${this.name(field)}\` is required`);
    return Fields.of(this.value[field], this.name(field), allowed);
  }

  optObj(field: string, allowed: readonly string[]): Fields | undefined {
    return this.has(field) ? this.obj(field, allowed) : undefined;
  }
}

/** Reads a request body that must be a JSON object (an empty body counts as `{}` if allowed). */
export function bodyFields(body: unknown, allowed: readonly string[], emptyOk = false): Fields {
  if (body === undefined) {
    if (emptyOk) return Fields.of({}, "", allowed);
    throw new InvalidRequest(
      `This endpoint needs a JSON object in the request body, with fields among: ${
        allowed.join(", ")
      }`,
    );
  }
  return Fields.of(body, "", allowed);
}

/** Query-string access with the same kind of messages. */
export class Query {
  constructor(readonly params: URLSearchParams, allowed: readonly string[]) {
    for (const k of params.keys()) {
      if (!allowed.includes(k)) {
        throw new InvalidRequest(
          allowed.length
            ? `Unknown query parameter \`${k}\`; this endpoint accepts: ${allowed.join(", ")}`
            : `Unknown query parameter \`${k}\`; this endpoint takes no query parameters`,
        );
      }
    }
  }

  get(name: string): string | undefined {
    return this.params.get(name) ?? undefined;
  }

  required(name: string, what: string): string {
    const v = this.params.get(name);
    if (v === null || v === "") {
      throw new InvalidRequest(`Missing query parameter \`${name}\` (${what})`);
    }
    return v;
  }

  bool(name: string): boolean {
    const v = this.params.get(name);
    if (v === null) return false;
    if (v === "true" || v === "") return true;
    if (v === "false") return false;
    throw new InvalidRequest(`Query parameter \`${name}\` must be true or false, got "${v}"`);
  }
}

/** Full-length node, bucket and key identifiers. */
export const HEX64 = /^[0-9a-f]{64}$/;

export function checkHexId(v: string, what: string, field: string): string {
  if (!HEX64.test(v)) {
    throw new InvalidRequest(
      `\`${field}\` must be a full ${what} id (64 hex digits), got ${show(v)}`,
    );
  }
  return v;
}

/** Parses an RFC 3339 date-time into milliseconds since the epoch. */
export function parseDateTime(v: string, field: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(v)
    ? Date.parse(v)
    : NaN;
  if (Number.isNaN(ms)) {
    throw new InvalidRequest(
      `\`${field}\` must be an RFC 3339 date and time such as "2030-01-31T12:00:00Z", got ${
        show(v)
      }`,
    );
  }
  return ms;
}
