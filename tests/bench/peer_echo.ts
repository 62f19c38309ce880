/**
 * A bare peer for the RPC rows of the bench: the real TLS transport in a process of its own,
 * answering every call (blocks with nothing, anything else with itself). Prints its id and
 * address as one JSON line, then serves until killed.
 */
import { clusterTls, nodeServername } from "../../server/net/cert.ts";
import { Peers } from "../../server/net/peers.ts";
import { loadIdentity } from "../../server/rpc/system.ts";

export const BENCH_SECRET = "cd".repeat(32);

export async function benchPeer(dir: string): Promise<Peers> {
  const identity = loadIdentity(dir);
  const peers = new Peers({
    id: identity.id,
    bindAddr: "127.0.0.1:0",
    tls: {
      ...clusterTls(BENCH_SECRET, identity.keyPem, identity.id),
      servername: nodeServername,
      certifiesNodeKeys: true,
    },
    handler: (_endpoint, msg) => Promise.resolve(msg instanceof Uint8Array ? null : msg),
    pingIntervalMs: 3_600_000,
    pingTimeoutMs: 5_000,
  });
  await peers.start();
  return peers;
}

if (import.meta.main) {
  const p = await benchPeer(Deno.args[0]);
  console.log(JSON.stringify({ id: p.id, addr: p.addr }));
}
