import { createConnection, createServer, type Socket } from "node:net";
import { assert, assertEquals, assertRejectsWith } from "../../tests/assert.ts";
import {
  Connection,
  ConnectionClosed,
  PeerTimeout,
  Priority,
  RemoteError,
  type RequestHandler,
} from "./conn.ts";
import { encodeFrame, Kind } from "./frame.ts";

/** Two connections joined by a loopback TCP socket pair. */
async function pair(a: RequestHandler, b: RequestHandler) {
  const accepted = Promise.withResolvers<Socket>();
  const server = createServer((s) => accepted.resolve(s));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  const client = createConnection({ port, host: "127.0.0.1" });
  await new Promise((r) => client.once("connect", r));
  client.setNoDelay(true);
  const left = new Connection(client, a);
  const right = new Connection(await accepted.promise, b);
  return {
    left,
    right,
    async close() {
      left.close();
      right.close();
      await Promise.all([left.closed, right.closed]);
      await new Promise((r) => server.close(r));
    },
  };
}

const echo: RequestHandler = (endpoint, msg) => Promise.resolve({ endpoint, msg });

Deno.test("requests go both ways on one connection", async () => {
  const p = await pair(echo, (_e, msg) => Promise.resolve((msg as number) * 2));
  try {
    assertEquals(await p.left.call("double", 21, Priority.Normal, 1000), 42);
    assertEquals(await p.right.call("ping", "x", Priority.High, 1000), {
      endpoint: "ping",
      msg: "x",
    });
  } finally {
    await p.close();
  }
});

Deno.test("a message larger than a frame arrives whole, bytes intact", async () => {
  const p = await pair(echo, (_e, msg) => Promise.resolve(msg));
  try {
    const big = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => i * 7);
    const back = await p.left.call("block", big, Priority.Normal, 10_000) as Uint8Array;
    assertEquals(back.length, big.length);
    assert(back.every((v, i) => v === big[i]));
  } finally {
    await p.close();
  }
});

Deno.test("an urgent call overtakes a large transfer already under way", async () => {
  const order: string[] = [];
  const p = await pair(echo, (endpoint) => {
    order.push(endpoint);
    return Promise.resolve(null);
  });
  try {
    const big = p.left.call("block", new Uint8Array(8 * 1024 * 1024), Priority.Background, 10_000);
    // The transfer's first frames are on the wire before the urgent call is made.
    await new Promise((r) => setTimeout(r, 0));
    const small = p.left.call("meta", 1, Priority.High, 10_000);
    await Promise.all([big, small]);
    assertEquals(order, ["meta", "block"]);
  } finally {
    await p.close();
  }
});

Deno.test("many concurrent calls each get their own answer", async () => {
  const p = await pair(echo, async (_e, msg) => {
    await new Promise((r) => setTimeout(r, Math.random() * 5));
    return msg;
  });
  try {
    const answers = await Promise.all(
      Array.from({ length: 500 }, (_, i) => p.left.call("n", i, Priority.Normal, 5000)),
    );
    assertEquals(answers, Array.from({ length: 500 }, (_, i) => i));
  } finally {
    await p.close();
  }
});

Deno.test("the remote handler's error reaches the caller in words", async () => {
  const p = await pair(echo, () => Promise.reject(new Error("no such block")));
  try {
    await assertRejectsWith(
      () => p.left.call("get", 1, Priority.Normal, 1000),
      RemoteError,
      "no such",
    );
    // The connection still serves after a failed request.
    await assertRejectsWith(() => p.left.call("get", 2, Priority.Normal, 1000), RemoteError);
  } finally {
    await p.close();
  }
});

Deno.test("a request without answer times out; a late answer is dropped", async () => {
  let release!: () => void;
  const p = await pair(echo, () => new Promise<null>((r) => release = () => r(null)));
  try {
    await assertRejectsWith(() => p.left.call("slow", 1, Priority.Normal, 50), PeerTimeout);
    release();
    p.right.handler = echo;
    assertEquals(await p.left.call("after", 2, Priority.Normal, 1000), {
      endpoint: "after",
      msg: 2,
    });
  } finally {
    await p.close();
  }
});

Deno.test("calls waiting when the connection drops fail at once", async () => {
  const p = await pair(echo, () => new Promise(() => {}));
  try {
    const waiting = p.left.call("hang", 1, Priority.Normal, 60_000);
    p.right.close();
    await assertRejectsWith(() => waiting, ConnectionClosed);
    await assertRejectsWith(() => p.left.call("x", 1, Priority.Normal, 1000), ConnectionClosed);
  } finally {
    await p.close();
  }
});

Deno.test("a connection reset by the peer fails waiting calls as closed", async () => {
  const p = await pair(echo, () => new Promise(() => {}));
  try {
    const waiting = p.left.call("hang", 1, Priority.Normal, 60_000);
    await new Promise((r) => setTimeout(r, 20));
    p.right.socket.resetAndDestroy();
    await assertRejectsWith(() => waiting, ConnectionClosed, "connection lost");
  } finally {
    await p.close();
  }
});

Deno.test("a peer sending an oversized frame is disconnected", async () => {
  const p = await pair(echo, echo);
  try {
    const bad = encodeFrame(Kind.Request, 1, false, 0, new Uint8Array(0));
    new DataView(bad.buffer).setUint32(0, 1 << 30);
    p.right.socket.write(bad);
    const reason = await p.left.closed;
    assert(/exceeds/.test(reason.message), reason.message);
  } finally {
    await p.close();
  }
});
