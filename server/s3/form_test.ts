import { assertEquals, assertRejects } from "../../tests/assert.ts";
import { formBoundary, FormReader } from "./form.ts";

/** `bytes` delivered `chunk` bytes at a time. */
function chunked(bytes: Uint8Array, chunk: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.slice(at, at += chunk));
    },
  });
}

/** A FormData body as a browser sends it, delivered `chunk` bytes at a time. */
async function encoded(form: FormData, chunk: number) {
  const req = new Request("http://x/", { method: "POST", body: form });
  const body = chunked(new Uint8Array(await req.arrayBuffer()), chunk);
  return { body, boundary: formBoundary(req.headers.get("content-type"))! };
}

async function readAll(form: FormData, chunk: number) {
  const { body, boundary } = await encoded(form, chunk);
  const r = new FormReader(body, boundary);
  const out: Array<[string, string, string?]> = [];
  for (let p = await r.next(); p; p = await r.next()) {
    const text = p.filename === undefined
      ? await r.text(1024 * 1024)
      : new TextDecoder().decode(await new Response(r.content()).arrayBuffer());
    out.push(p.filename === undefined ? [p.name, text] : [p.name, text, p.filename]);
  }
  return out;
}

Deno.test("fields and a file come out whole, however the body is cut", async () => {
  const file = "line one\r\n--not a boundary\r\n" + "x".repeat(70_000);
  for (const chunk of [1, 7, 100, 65_536]) {
    const form = new FormData();
    form.set("key", "uploads/${filename}");
    form.set("x-amz-meta-note", "é\r\nsecond line");
    form.set("file", new File([file], "a b.txt", { type: "text/plain" }));
    form.set("after", "ignored by S3, still parsed");
    assertEquals(await readAll(form, chunk), [
      ["key", "uploads/${filename}"],
      ["x-amz-meta-note", "é\r\nsecond line"],
      ["file", file, "a b.txt"],
      ["after", "ignored by S3, still parsed"],
    ], `chunks of ${chunk}`);
  }
});

Deno.test("a part left unread is skipped; a truncated body is an error", async () => {
  const form = new FormData();
  form.set("a", "1");
  form.set("b", "2");
  const { body, boundary } = await encoded(form, 10);
  const r = new FormReader(body, boundary);
  assertEquals((await r.next())?.name, "a");
  assertEquals((await r.next())?.name, "b");
  assertEquals(await r.text(10), "2");
  assertEquals(await r.next(), null);

  const cut = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(
        new TextEncoder().encode(`--XY\r\ncontent-disposition: form-data; name="f"\r\n\r\nabc`),
      );
      c.close();
    },
  });
  const t = new FormReader(cut, "XY");
  assertEquals((await t.next())?.name, "f");
  await assertRejects(() => t.text(100));
  assertEquals(formBoundary('multipart/form-data; boundary="a b"'), "a b");
  assertEquals(formBoundary("application/json"), undefined);
});

Deno.test("content that begins like the boundary is kept, wherever the reads cut it", async () => {
  const content = "a\r\n--X\r\n--XZ\r\r\n-\r";
  const body = new TextEncoder().encode(
    `--XY\r\ncontent-disposition: form-data; name="file"; filename="f"\r\n\r\n${content}\r\n--XY--\r\n`,
  );
  for (let chunk = 1; chunk <= body.length; chunk++) {
    const r = new FormReader(chunked(body, chunk), "XY");
    assertEquals((await r.next())?.filename, "f");
    assertEquals(await r.text(100), content, `chunks of ${chunk}`);
    assertEquals(await r.next(), null);
  }
});
