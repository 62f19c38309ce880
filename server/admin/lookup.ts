/** `?id=` (exact) or `?search=` (id prefix or name, exactly one match), as Garage's info calls take them. */
import { AdminError, badRequest } from "./errors.ts";

export interface Lookup<T> {
  get(id: string): T | undefined;
  find(search: string): T[];
  notFound(what: string): AdminError;
  /** How a match is named when several are: its id and name. */
  label(t: T): string;
  /** "key", "token": in messages. */
  kind: string;
}

export function lookupOne<T>(l: Lookup<T>, id?: string, search?: string): T {
  if ((id === undefined) === (search === undefined)) {
    throw badRequest("Either id or search must be provided (but not both)");
  }
  if (id !== undefined) {
    const t = l.get(id);
    if (!t) throw l.notFound(id);
    return t;
  }
  const found = l.find(search!);
  if (found.length === 0) throw l.notFound(`no ${l.kind} id or name matches "${search}"`);
  if (found.length > 1) {
    throw badRequest(
      `${found.length} matching ${l.kind}s for "${search}": ${
        found.map(l.label).join(", ")
      }; give the full ${l.kind} id`,
    );
  }
  return found[0];
}
