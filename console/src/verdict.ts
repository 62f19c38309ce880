/**
 * The cluster's state in words: GetClusterStatus and GetClusterHealth read together as one
 * verdict. Pure, so tests can check every case without a browser.
 */
import type {
  GetClusterHealthResponse,
  GetClusterStatusResponse,
  NodeResp,
} from "../../shared/admin.ts";
import { ago, count, plural, shortId } from "./format.ts";

export interface Snapshot {
  status: GetClusterStatusResponse;
  health: GetClusterHealthResponse;
  at: Date;
}

export type Tone = "good" | "warn" | "bad";

export interface Verdict {
  tone: Tone;
  title: string;
  lines: string[];
  /** Where to go to act on it, when a screen of the console does. */
  next?: { hash: string; text: string };
}

function nodeName(n: NodeResp): string {
  return n.hostname ? `${n.hostname} (${shortId(n.id, 8)})` : shortId(n.id);
}

/** One sentence-level judgement from both answers, naming the nodes that are down. */
export function verdictOf(
  { status, health: h }: Pick<Snapshot, "status" | "health">,
): Verdict {
  if (status.layoutVersion === 0 || h.storageNodes === 0) {
    return {
      tone: "warn",
      title: "No storage yet",
      lines: [
        "No node has a storage role in the cluster layout, so buckets cannot hold data.",
        "Give nodes a zone and a capacity, then apply the layout.",
      ],
      next: { hash: "#/layout", text: "Assign roles on the Layout screen" },
    };
  }
  const down = status.nodes.filter((n) => n.role && !n.isUp);
  const downLine = down.length
    ? `Down: ${
      down.map((n) => `${nodeName(n)} in ${n.role!.zone}, ${ago(n.lastSeenSecsAgo)}`).join("; ")
    }.`
    : null;
  const nodes = `${h.storageNodesOk} of ${plural(h.storageNodes, "storage node")} up`;
  if (h.status === "healthy") {
    return {
      tone: "good",
      title: "Healthy",
      lines: [
        `${
          h.storageNodes === 1 ? "The storage node is" : `All ${h.storageNodes} storage nodes are`
        } up; all ${count(h.partitions)} partitions have every copy.`,
      ],
    };
  }
  if (h.status === "degraded") {
    const missing = h.partitions - h.partitionsAllOk;
    return {
      tone: "warn",
      title: "Degraded",
      lines: [
        `${nodes}. Every partition still has a quorum, so reads and writes work, but ${
          plural(missing, "partition")
        } ${missing === 1 ? "is" : "are"} missing a copy.`,
        ...(downLine ? [downLine] : []),
      ],
    };
  }
  const lost = h.partitions - h.partitionsQuorum;
  return {
    tone: "bad",
    title: "Unavailable",
    lines: [
      `${plural(lost, "partition")} of ${count(h.partitions)} ${
        lost === 1 ? "has" : "have"
      } no quorum: reads and writes of the data there fail. ${nodes}.`,
      ...(downLine ? [downLine] : []),
    ],
  };
}
