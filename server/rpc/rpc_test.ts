import { assert, assertEquals, assertRejectsWith } from "../../tests/assert.ts";
import { quorum, quorumEach, QuorumError } from "./rpc.ts";

/** Nodes that answer when the test says so, remembering who was asked, in order. */
function cluster() {
  const asked: string[] = [];
  const pending = new Map<string, PromiseWithResolvers<string>>();
  return {
    asked,
    ask(node: string): Promise<string> {
      asked.push(node);
      const answer = Promise.withResolvers<string>();
      pending.set(node, answer);
      return answer.promise;
    },
    answer(node: string) {
      pending.get(node)!.resolve(`from ${node}`);
    },
    fail(node: string) {
      pending.get(node)!.reject(new Error(`${node} is down`));
    },
  };
}

/** Lets a promise be looked at before it settles. */
function watch<T>(p: Promise<T>) {
  const w: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  p.then((value) => Object.assign(w, { settled: true, value }), (error) => {
    Object.assign(w, { settled: true, error });
  });
  return w;
}

/** Lets every answer given so far reach the quorum. */
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("a write asks every node at once and is done at the first `need` answers", async () => {
  const c = cluster();
  const w = watch(quorum(["a", "b", "c"], 2, c.ask));
  assertEquals(c.asked, ["a", "b", "c"]);
  c.answer("b");
  await flush();
  assert(!w.settled);
  c.answer("c");
  await flush();
  assertEquals(w.value, ["from b", "from c"]);
  // The slowest node's late answer changes nothing.
  c.answer("a");
  await flush();
  assertEquals(w.value, ["from b", "from c"]);
});

Deno.test("a write fails with every error once too few nodes are left to answer", async () => {
  const c = cluster();
  const w = watch(quorum(["a", "b", "c"], 2, c.ask));
  c.answer("a");
  c.fail("b");
  await flush();
  assert(!w.settled, "c may still answer");
  c.fail("c");
  await flush();
  assert(w.error instanceof QuorumError);
  assertEquals([w.error.quorum, w.error.ok], [2, 1]);
  assertEquals(w.error.errors.map((e) => e.message), ["b is down", "c is down"]);
});

Deno.test("a write fails as soon as the quorum is out of reach, without waiting for the rest", async () => {
  const c = cluster();
  const w = watch(quorum(["a", "b", "c"], 2, c.ask));
  c.fail("a");
  c.fail("b");
  await flush();
  assert(w.error instanceof QuorumError && w.error.ok === 0);
});

Deno.test("a read asks only the first `need` nodes, best first", async () => {
  const c = cluster();
  const w = watch(quorum(["a", "b", "c", "d"], 2, c.ask, "needed"));
  assertEquals(c.asked, ["a", "b"]);
  c.answer("a");
  c.answer("b");
  await flush();
  assertEquals(w.value, ["from a", "from b"]);
  assertEquals(c.asked, ["a", "b"]);
});

Deno.test("a read asks one more node per failure, and never more", async () => {
  const c = cluster();
  const w = watch(quorum(["a", "b", "c", "d"], 2, c.ask, "needed"));
  c.fail("a");
  await flush();
  assertEquals(c.asked, ["a", "b", "c"]);
  c.answer("b");
  await flush();
  assertEquals(c.asked, ["a", "b", "c"], "an answer asks nobody else");
  c.fail("c");
  await flush();
  assertEquals(c.asked, ["a", "b", "c", "d"]);
  c.answer("d");
  await flush();
  assertEquals(w.value, ["from b", "from d"]);
});

Deno.test("a read fails with the errors once the nodes left cannot make up `need`", async () => {
  const c = cluster();
  const w = watch(quorum(["a", "b", "c"], 2, c.ask, "needed"));
  c.fail("a");
  await flush();
  c.fail("c");
  await flush();
  assert(w.error instanceof QuorumError);
  assertEquals(w.error.errors.map((e) => e.message), ["a is down", "c is down"]);
  assertEquals(c.asked, ["a", "b", "c"]);
});

Deno.test("fewer nodes in the layout than `need` fails at once, asking no one", async () => {
  const c = cluster();
  await assertRejectsWith(() => quorum(["a"], 2, c.ask), QuorumError, "only 1 node(s)");
  assertEquals(c.asked, []);
});

Deno.test("a single replica's failure is a QuorumError too", async () => {
  const e = await assertRejectsWith(
    () => quorum(["a"], 1, () => Promise.reject("unreachable")),
    QuorumError,
    "unreachable",
  );
  assertEquals(e.ok, 0);
});

// During a layout change: the old version's set a,b,c and the new one's a,b,d.
const sets = [["a", "b", "c"], ["a", "b", "d"]];

Deno.test("a write to several replica sets asks each node of their union once", () => {
  const c = cluster();
  quorumEach(sets, 2, c.ask);
  assertEquals(c.asked, ["a", "b", "c", "d"]);
});

Deno.test("a write to several sets is done only when every set has `need` answers", async () => {
  const c = cluster();
  const w = watch(quorumEach(sets, 2, c.ask));
  c.answer("a");
  c.answer("c");
  await flush();
  assert(!w.settled, "the new set has one answer");
  c.answer("d");
  await flush();
  assert(w.settled && w.error === undefined);
});

Deno.test("a node in several sets counts in each", async () => {
  const c = cluster();
  const w = watch(quorumEach(sets, 2, c.ask));
  c.answer("a");
  c.answer("b");
  await flush();
  assert(w.settled && w.error === undefined);
});

Deno.test("a write to several sets fails as soon as one set cannot reach `need`", async () => {
  const c = cluster();
  const w = watch(quorumEach(sets, 2, c.ask));
  c.answer("a");
  c.fail("b");
  await flush();
  assert(!w.settled);
  c.fail("d");
  await flush();
  assert(w.error instanceof QuorumError, "the new set is left with a alone, whatever c says");
  assertEquals(w.error.errors.map((e) => e.message), ["b is down", "d is down"]);
});

Deno.test("a replica set smaller than `need` fails the write at once, asking no one", async () => {
  const c = cluster();
  await assertRejectsWith(() => quorumEach([["a", "b"], ["c"]], 2, c.ask), QuorumError);
  assertEquals(c.asked, []);
});

Deno.test("a write to one replica set is an ordinary write quorum", async () => {
  const c = cluster();
  const w = watch(quorumEach([["a", "b", "c"]], 2, c.ask));
  assertEquals(c.asked, ["a", "b", "c"]);
  c.answer("a");
  c.answer("c");
  await flush();
  assert(w.settled && w.error === undefined);
});
