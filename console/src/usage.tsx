/**
 * Usage over time, from every node's own sampled counters (no Prometheus needed): S3 requests
 * and errors per second per node, objects and bytes per bucket; and the last errors the nodes
 * answered, newest first.
 */
import type {
  GetClusterStatusResponse,
  GetNodeUsageResponse,
  ListBucketsResponse,
  ListRecentErrorsResponse,
  RecentErrorResp,
} from "../../shared/admin.ts";
import { call } from "./api.ts";
import { bucketName } from "./buckets.tsx";
import { LineChart } from "./chart.tsx";
import { bytes, count, date, shortId } from "./format.ts";
import { can } from "./state.ts";
import { TableHead } from "./table_head.tsx";
import { ErrorNote, Loading, PageTitle, usePolling } from "./ui.tsx";
import { bucketRates, bucketSeries, rates, type Sample, type Series } from "./usage_model.ts";

interface Snapshot {
  usage: GetNodeUsageResponse;
  errors: ListRecentErrorsResponse | null;
  status: GetClusterStatusResponse | null;
  buckets: ListBucketsResponse;
}

async function load(): Promise<Snapshot> {
  const [usage, errors, status, buckets] = await Promise.all([
    call<GetNodeUsageResponse>("GetNodeUsage", { query: { node: "*" } }),
    can("ListRecentErrors")
      ? call<ListRecentErrorsResponse>("ListRecentErrors", { query: { node: "*" } })
      : null,
    can("GetClusterStatus") ? call<GetClusterStatusResponse>("GetClusterStatus") : null,
    can("ListBuckets") ? call<ListBucketsResponse>("ListBuckets") : [],
  ]);
  return { usage, errors, status, buckets };
}

const perSecond = (v: number) => `${v < 10 ? v.toFixed(1) : Math.round(v)}/s`;

function RecentErrors(
  { errors, name }: {
    errors: (RecentErrorResp & { node: string })[];
    name: (id: string) => string;
  },
) {
  if (errors.length === 0) return <p class="empty">No errors answered recently.</p>;
  return (
    <table class="cards">
      <TableHead
        caption="Recent errors, newest first"
        columns={["When", "Node", "Request", "Error", "Message"]}
      />
      <tbody>
        {errors.map((e, i) => (
          <tr key={`${e.node}/${e.at}/${i}`}>
            <td data-label="When">{date(new Date(e.at).toISOString())}</td>
            <td data-label="Node">{name(e.node)}</td>
            <td data-label="Request">
              <span class="muted small">{e.api}</span> {e.operation}{" "}
              <code class="block">{e.method} {e.path}</code>
            </td>
            <td data-label="Error">
              <span class={`badge ${e.status >= 500 ? "bad" : "warn"}`}>{e.status}</span> {e.code}
            </td>
            <td data-label="Message">{e.message}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function UsageView() {
  const { data: s, error } = usePolling(load, 10_000);
  const names = new Map(
    (s?.status?.nodes ?? []).map((
      n,
    ) => [n.id, n.hostname ? `${n.hostname} ${shortId(n.id, 8)}` : shortId(n.id)]),
  );
  const name = (id: string) => names.get(id) ?? shortId(id);
  const byNode: Record<string, Sample[]> = {};
  for (const [id, u] of Object.entries(s?.usage.success ?? {})) byNode[id] = u.samples;
  const nodeSeries = (counter: "requests" | "errors" | "bytesIn" | "bytesOut"): Series[] =>
    Object.entries(byNode).map(([id, samples]) => ({
      name: name(id),
      points: rates(samples, counter),
    }));
  const bucketNames = new Map((s?.buckets ?? []).map((b) => [b.id, bucketName(b)]));
  const nameOfBucket = (id: string) => bucketNames.get(id) ?? shortId(id);
  const recent = Object.entries(s?.errors?.success ?? {})
    .flatMap(([node, list]) => list.map((e) => ({ ...e, node })))
    .sort((a, b) => b.at - a.at)
    .slice(0, 50);
  const interval = Object.values(s?.usage.success ?? {})[0]?.intervalMs;
  return (
    <section aria-labelledby="page-title">
      <PageTitle title="Usage">Usage</PageTitle>
      <ErrorNote action="Reading the usage" error={error} />
      {!s && !error && <Loading what="the usage" />}
      {s && (
        <>
          <p class="hint">
            Each node samples its own counters{interval
              ? ` every ${interval < 1000 ? `${interval} ms` : `${Math.round(interval / 1000)} s`}`
              : ""} and keeps about two hours; a restarted node starts again. Refreshed every 10 s.
          </p>
          {Object.keys(s.usage.error).length > 0 && (
            <p class="note warn">
              No answer from{" "}
              {Object.keys(s.usage.error).map(name).join(", ")}: their lines are missing.
            </p>
          )}
          <h2>Requests</h2>
          <div class="charts">
            <LineChart
              title="S3 requests per second"
              series={nodeSeries("requests")}
              format={perSecond}
            />
            <LineChart
              title="S3 errors per second"
              series={nodeSeries("errors")}
              format={perSecond}
            />
            <LineChart
              title="Bytes received per second"
              series={nodeSeries("bytesIn")}
              format={(v) => `${bytes(v)}/s`}
            />
            <LineChart
              title="Bytes sent per second"
              series={nodeSeries("bytesOut")}
              format={(v) => `${bytes(v)}/s`}
            />
          </div>
          <h2>Buckets</h2>
          <div class="charts">
            <LineChart
              title="S3 requests per second per bucket"
              series={bucketRates(byNode, "requests", interval ?? 30_000, nameOfBucket)}
              format={perSecond}
            />
            <LineChart
              title="S3 errors per second per bucket"
              series={bucketRates(byNode, "errors", interval ?? 30_000, nameOfBucket)}
              format={perSecond}
            />
            <LineChart
              title="Objects per bucket"
              series={bucketSeries(byNode, "objects", nameOfBucket)}
              format={(v) => count(Math.round(v))}
            />
            <LineChart
              title="Bytes per bucket"
              series={bucketSeries(byNode, "bytes", nameOfBucket)}
              format={bytes}
            />
          </div>
          {s.errors && (
            <>
              <h2>Recent errors</h2>
              <RecentErrors errors={recent} name={name} />
            </>
          )}
        </>
      )}
    </section>
  );
}
