/**
 * The node's folders hold what no other local user may read: the metadata database keeps secret
 * keys in clear (its SQLite WAL too), and blocks are the objects themselves.
 */
import process from "node:process";
import { log } from "./log.ts";

/**
 * Makes every file and folder the process creates from now on private to its user (0600 and
 * 0700), whoever creates it: Deno KV's database, WAL and shared-memory files included.
 */
export function createPrivately(): void {
  process.umask(0o077);
}

/** Creates `path` (mode 0700) or, if it exists, warns when other users may read it. */
export async function privateDir(path: string, what: string): Promise<void> {
  await Deno.mkdir(path, { recursive: true, mode: 0o700 });
  const mode = (await Deno.stat(path)).mode;
  if (mode !== null && (mode & 0o077) !== 0) {
    log.warn(`${what} is open to other local users: run \`chmod -R go-rwx ${path}\``, {
      path,
      mode: (mode & 0o777).toString(8),
    });
  }
}
