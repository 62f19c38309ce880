/** Streaming a body into blocks on a real (single) node: what an upload holds while it waits. */
import { assertEquals } from "../../../tests/assert.ts";
import { newUuid } from "../../util/ids.ts";
import { withNode } from "../testing.ts";
import { writeBlocks } from "./write.ts";

Deno.test("an upload waiting for the write budget holds its full block and no other", async () => {
  await withNode(async ({ model }) => {
    const blockSize = model.blockBuffers.size;
    // Every slot of the budget is taken, as by other uploads storing their blocks.
    const held: (() => void)[] = [];
    while (model.writeBudget.available > 0) held.push(await model.writeBudget.acquire());
    let buffers = 0;
    const take = model.blockBuffers.take.bind(model.blockBuffers);
    model.blockBuffers.take = () => {
      buffers++;
      return take();
    };
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (pulled++ === 3) c.close();
        else c.enqueue(new Uint8Array(blockSize).fill(pulled));
      },
    }, { highWaterMark: 0 });
    const write = writeBlocks(model, newUuid(), 0, body);
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 5));
    assertEquals(pulled, 1, "no more of the body is read while the block cannot go out");
    assertEquals(buffers, 1);
    for (const release of held) release();
    const r = await write;
    assertEquals(r.blocks, 3);
    assertEquals(r.size, 3 * blockSize);
  });
});

Deno.test("a body announced as one block is handed back whole, or stored if more comes", async () => {
  await withNode(async ({ model }) => {
    const blockSize = model.blockBuffers.size;
    const body = (n: number) => new Blob([new Uint8Array(n).fill(7)]).stream();
    // As announced: nothing stored, the block handed back for the caller to send.
    const one = await writeBlocks(model, newUuid(), 0, body(blockSize), {
      holdSingle: true,
      sizeHint: blockSize,
    });
    assertEquals(one.single?.data.length, blockSize);
    assertEquals(one.single?.row.offset, 0);
    assertEquals(await model.blocks.store.exists(one.single!.hash), false);
    one.single!.release();
    // Longer than announced (a client's lie): both blocks stored, in order.
    const uuid = newUuid();
    const two = await writeBlocks(model, uuid, 0, body(blockSize + 10), {
      holdSingle: true,
      sizeHint: blockSize,
    });
    assertEquals([two.single, two.blocks, two.size], [undefined, 2, blockSize + 10]);
    const rows = await model.versions.store.range(uuid, {});
    assertEquals(rows.map((r) => [r.offset, r.size]), [[0, blockSize], [blockSize, 10]]);
  });
});
