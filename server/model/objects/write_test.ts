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
