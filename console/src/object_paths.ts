/** Folders of an object browser: S3 has only keys, and "/" in them is read as a folder. */

export interface Crumb {
  name: string;
  prefix: string;
}

/** The folders from the top down to `prefix` ("a/b/" gives a/ and a/b/). */
export function crumbs(prefix: string): Crumb[] {
  const out: Crumb[] = [];
  let at = 0;
  for (let i = prefix.indexOf("/"); i !== -1; i = prefix.indexOf("/", at)) {
    out.push({ name: prefix.slice(at, i), prefix: prefix.slice(0, i + 1) });
    at = i + 1;
  }
  return out;
}

/** A key or folder prefix as shown inside the folder `prefix`. */
export function nameIn(prefix: string, key: string): string {
  return key.startsWith(prefix) ? key.slice(prefix.length) : key;
}

/**
 * The key a file gets when dropped in the folder `prefix`: its path inside a dropped folder
 * (webkitRelativePath) is kept, so folders upload as folders.
 */
export function keyFor(prefix: string, file: { name: string; webkitRelativePath?: string }) {
  return prefix + (file.webkitRelativePath || file.name);
}

/** A folder as typed ("photos", "/photos/2026") as a key prefix: no leading "/", one trailing. */
export function folderPath(typed: string): string {
  const t = typed.trim().replace(/^\/+/, "").replace(/\/+$/, "");
  return t ? `${t}/` : "";
}
