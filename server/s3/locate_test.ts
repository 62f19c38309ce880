import { assertEquals } from "../../tests/assert.ts";
import { locate } from "./locate.ts";

Deno.test("path-style: bucket is the first segment, the key is the rest, decoded once", () => {
  const at = (p: string) => locate(new URL(`http://h:1${p}`), "h:1");
  assertEquals(at("/"), {});
  assertEquals(at("/b"), { bucket: "b" });
  assertEquals(at("/b/"), { bucket: "b", key: undefined });
  assertEquals(at("/b/dir/file%20name%2Bplus%25"), { bucket: "b", key: "dir/file name+plus%" });
  assertEquals(at("/b/a//c"), { bucket: "b", key: "a//c" });
});

Deno.test("virtual-host style: the bucket comes from the Host header under root_domain", () => {
  const url = new URL("http://photos.s3.example.com/cat.jpg");
  assertEquals(locate(url, "photos.s3.example.com:3900", ".s3.example.com"), {
    bucket: "photos",
    key: "cat.jpg",
  });
  assertEquals(
    locate(new URL("http://photos.s3.example.com/"), "photos.s3.example.com", ".s3.example.com"),
    { bucket: "photos", key: undefined },
  );
  assertEquals(locate(new URL("http://s3.example.com/b/k"), "s3.example.com", ".s3.example.com"), {
    bucket: "b",
    key: "k",
  });
});
