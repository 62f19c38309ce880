import { assertEquals } from "../assert.ts";
import { crumbs, keyFor, nameIn } from "../../console/src/object_paths.ts";

Deno.test("object browser: every folder of a prefix is a crumb", () => {
  assertEquals(crumbs(""), []);
  assertEquals(crumbs("photos/2026/"), [
    { name: "photos", prefix: "photos/" },
    { name: "2026", prefix: "photos/2026/" },
  ]);
  // An empty folder name (a key with "//") is a crumb too, or its objects could not be reached.
  assertEquals(crumbs("a//").map((c) => c.prefix), ["a/", "a//"]);
});

Deno.test("object browser: names are shown relative to the folder", () => {
  assertEquals(nameIn("photos/", "photos/cat.jpg"), "cat.jpg");
  assertEquals(nameIn("photos/", "photos/2026/"), "2026/");
  assertEquals(nameIn("", "top.txt"), "top.txt");
});

Deno.test("object browser: a dropped file lands in the open folder, keeping its own folders", () => {
  assertEquals(keyFor("docs/", { name: "a.txt" }), "docs/a.txt");
  assertEquals(
    keyFor("docs/", { name: "a.txt", webkitRelativePath: "" }),
    "docs/a.txt",
  );
  assertEquals(
    keyFor("", { name: "b.txt", webkitRelativePath: "site/css/b.txt" }),
    "site/css/b.txt",
  );
});
