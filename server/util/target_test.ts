import { assertEquals } from "../../tests/assert.ts";
import { QueryParams, RequestTarget } from "./target.ts";

function parts(href: string) {
  const t = new RequestTarget(href);
  return [t.protocol, t.host, t.pathname, t.search];
}

Deno.test("request target: path and query are kept as sent", () => {
  assertEquals(parts("http://127.0.0.1:3900/b/k?uploads"), [
    "http:",
    "127.0.0.1:3900",
    "/b/k",
    "?uploads",
  ]);
  // What URL would normalize away is part of an object key.
  assertEquals(parts("http://h/b/dots/../x/./y\\z")[2], "/b/dots/../x/./y\\z");
  assertEquals(parts("https://h/b/a%2Fb?prefix=a+b&x=%2F")[3], "?prefix=a+b&x=%2F");
});

Deno.test("request target: no path, empty query, fragment", () => {
  assertEquals(parts("http://h"), ["http:", "h", "/", ""]);
  assertEquals(parts("http://h?x=1"), ["http:", "h", "/", "?x=1"]);
  assertEquals(parts("http://h/b?"), ["http:", "h", "/b", ""]);
  assertEquals(parts("http://h/b/k?a=1#frag"), ["http:", "h", "/b/k", "?a=1"]);
  assertEquals(parts("http://h/b/k#frag"), ["http:", "h", "/b/k", ""]);
});

Deno.test("query params: decoded as URLSearchParams decodes them", () => {
  const q = new RequestTarget("http://h/b?uploads&prefix=a+b%2Fc&x=1&x=2&e=&%C3%A9=%E2%82%AC")
    .searchParams;
  assertEquals(
    ["uploads", "prefix", "x", "e", "é", "missing"].map((n) => [q.has(n), q.get(n)]),
    [[true, ""], [true, "a b/c"], [true, "1"], [true, ""], [true, "€"], [false, null]],
  );
  const alphabet = [
    "a",
    "+",
    "%",
    "2",
    "B",
    "%2B",
    "%25",
    "%e9",
    "%C3%A9",
    "%ED%A0%80",
    "=",
    "&",
    "%zz",
    "é",
    "%F0",
  ];
  for (let n = 0; n < 2000; n++) {
    const search = "?" + Array.from(
      { length: Math.floor(Math.random() * 10) },
      () => alphabet[Math.floor(Math.random() * alphabet.length)],
    ).join("");
    const mine = new QueryParams(search), reference = new URLSearchParams(search);
    for (const name of reference.keys()) {
      assertEquals(mine.get(name), reference.get(name), `${search}: ${name}`);
    }
  }
});
