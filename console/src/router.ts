/**
 * Screens are addressed by the URL hash (`#/buckets/<id>`), so each one can be bookmarked and
 * linked to while the server only ever serves `/`.
 */
import { signal } from "@preact/signals";

export type Route =
  | { screen: "cluster" }
  | { screen: "layout" }
  | { screen: "keys" }
  | { screen: "key"; id: string }
  | { screen: "buckets" }
  | { screen: "bucket"; id: string }
  /** Who besides its keys may use a bucket: policy, public access block, ACL. */
  | { screen: "access"; id: string }
  | { screen: "operations" }
  | { screen: "usage" }
  /** The object browser of a bucket, in the folder `prefix` ("" for the top). */
  | { screen: "objects"; id: string; prefix: string }
  | { screen: "notFound"; path: string };

export function parseHash(hash: string): Route {
  const path = hash.replace(/^#/, "").replace(/^\/+/, "").replace(/\/+$/, "");
  const [first, second, ...rest] = path.split("/").map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  if (first === "buckets" && second && rest[0] === "objects" && rest.length <= 2) {
    return { screen: "objects", id: second, prefix: rest[1] ?? "" };
  }
  if (first === "buckets" && second && rest.length === 1 && rest[0] === "access") {
    return { screen: "access", id: second };
  }
  if (rest.length === 0) {
    if (!first || first === "cluster") {
      if (second === undefined) return { screen: "cluster" };
    } else if (first === "operations") {
      if (second === undefined) return { screen: "operations" };
    } else if (first === "usage") {
      if (second === undefined) return { screen: "usage" };
    } else if (first === "layout") {
      if (second === undefined) return { screen: "layout" };
    } else if (first === "keys") {
      return second ? { screen: "key", id: second } : { screen: "keys" };
    } else if (first === "buckets") {
      return second ? { screen: "bucket", id: second } : { screen: "buckets" };
    }
  }
  return { screen: "notFound", path: `/${path}` };
}

export function href(r: Route): string {
  switch (r.screen) {
    case "cluster":
      return "#/cluster";
    case "layout":
      return "#/layout";
    case "operations":
      return "#/operations";
    case "usage":
      return "#/usage";
    case "keys":
      return "#/keys";
    case "key":
      return `#/keys/${encodeURIComponent(r.id)}`;
    case "buckets":
      return "#/buckets";
    case "bucket":
      return `#/buckets/${encodeURIComponent(r.id)}`;
    case "access":
      return `#/buckets/${encodeURIComponent(r.id)}/access`;
    case "objects":
      return `#/buckets/${encodeURIComponent(r.id)}/objects${
        r.prefix ? `/${encodeURIComponent(r.prefix)}` : ""
      }`;
    case "notFound":
      return `#${r.path}`;
  }
}

/** The screen shown now; follows the hash. */
export const route = signal<Route>(parseHash(location.hash));

addEventListener("hashchange", () => {
  route.value = parseHash(location.hash);
});

export function navigate(r: Route): void {
  const target = href(r);
  if (location.hash === target) route.value = parseHash(target);
  else location.hash = target;
}
