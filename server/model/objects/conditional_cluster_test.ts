/**
 * If-None-Match: * through three real nodes in this process at once: whatever node each
 * writer goes through, at most one creates the key, and every node then reads that one.
 */
import { assert, assertEquals } from "../../../tests/assert.ts";
import { createBucket, getBucket } from "../buckets/bucket_ops.ts";
import { ModelError } from "../errors.ts";
import { visibleVersion } from "../tables/object.ts";
import { until, withCluster } from "../testing.ts";
import { writeObject } from "./object_write.ts";

Deno.test("conditional creates racing through three nodes: at most one wins each round", async () => {
  await withCluster(3, [], async (nodes) => {
    const created = await createBucket(nodes[0].model, {});
    await until("bucket everywhere", () => nodes.every((n) => getBucket(n.model, created.id)));
    for (let round = 0; round < 8; round++) {
      const key = `once-${round}`;
      const tries = nodes.flatMap((n, i) =>
        [0, 1].map((j) =>
          writeObject(n.model, {
            bucket: getBucket(n.model, created.id)!,
            key,
            body: new Blob([`node ${i} writer ${j}`]).stream(),
            headers: [],
            precondition(etag) {
              if (etag !== undefined) throw new ModelError("badRequest", "exists");
            },
          }).then((r) => r.meta.etag, (e) => {
            assert(
              e instanceof ModelError && ["badRequest", "conditionalConflict"].includes(e.kind),
              String(e),
            );
            return undefined;
          })
        )
      );
      const won = (await Promise.all(tries)).filter((etag) => etag !== undefined);
      assert(won.length <= 1, `round ${round}: ${won.length} creates succeeded`);
      if (won.length === 0) continue;
      for (const n of nodes) {
        const v = visibleVersion(await n.model.objects.get(created.id, key));
        assertEquals(v?.state.data.meta.etag, won[0]);
      }
    }
  });
});
