/** GET /metrics: Prometheus text, with per-bucket storage gauges and the process's memory. */
import { getBucket, globalAliases } from "../model/buckets/bucket_ops.ts";
import type { AdminDeps } from "./context.ts";
import { allLocalBucketStats } from "../model/buckets/bucket_stats.ts";
import type { Sample } from "../util/metrics.ts";

export function registerGauges(deps: AdminDeps): void {
  const { metrics, model, sys } = deps;
  const read = (stat: "objects" | "bytes") => async () => {
    const out: Sample[] = [];
    for (const [id, s] of await allLocalBucketStats(sys.kv)) {
      const b = getBucket(model, id);
      if (!b) continue;
      out.push([{ bucket_id: id, bucket: globalAliases(b)[0] ?? "" }, s[stat]]);
    }
    return out;
  };
  metrics.gauge(
    "bucket_objects",
    "Objects stored in each bucket, as counted by this node's replicas of its partition",
    read("objects"),
  );
  metrics.gauge(
    "bucket_bytes",
    "Bytes stored in each bucket, as counted by this node's replicas of its partition",
    read("bytes"),
  );
  const disks = (field: "available" | "reserve") => () => {
    const usage = sys.diskUsage();
    return Promise.resolve(
      (["data", "metadata"] as const).flatMap((disk) => {
        const d = usage[disk];
        return d ? [[{ disk }, d[field]] as Sample] : [];
      }),
    );
  };
  metrics.gauge("disk_available_bytes", "Free space on this node's disks", disks("available"));
  metrics.gauge(
    "disk_reserve_bytes",
    "Free space kept on each disk (min_free_space): below it new data is refused",
    disks("reserve"),
  );
  metrics.gauge("disk_full", "1 when a disk is in its reserve and new data is refused", () => {
    const full = sys.diskFull();
    return Promise.resolve(
      (["data", "metadata"] as const).map((disk) => [{ disk }, full === disk ? 1 : 0]),
    );
  });
  metrics.gauge(
    "rpc_bytes_total",
    "Bytes of peer RPC frames sent to and received from each peer since this node started",
    () =>
      Promise.resolve(
        sys.peers.traffic().flatMap(({ id, sent, received }): Sample[] => [
          [{ peer: id.slice(0, 16), direction: "sent" }, sent],
          [{ peer: id.slice(0, 16), direction: "received" }, received],
        ]),
      ),
    "counter",
  );
  // Where memory goes: JavaScript heap, buffers outside it (request bodies, blocks), and RSS.
  metrics.gauge("process_memory_bytes", "Memory of this node's process, by kind", () => {
    const m = Deno.memoryUsage();
    return Promise.resolve([
      [{ kind: "rss" }, m.rss],
      [{ kind: "heap_total" }, m.heapTotal],
      [{ kind: "heap_used" }, m.heapUsed],
      [{ kind: "external" }, m.external],
    ]);
  });
}

export async function metricsResponse(deps: AdminDeps): Promise<Response> {
  return new Response(await deps.metrics.render(), {
    headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
  });
}
