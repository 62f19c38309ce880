/** The TLS credentials peers use: made from rpc_secret, or the operator's own files. */
import { clusterTls, nodeServername, PEER_SERVERNAME } from "../net/cert.ts";
import type { TlsMaterial } from "../net/peers.ts";
import { type Config, ConfigError } from "../util/config.ts";
import type { NodeIdentity } from "./system.ts";

export function tlsMaterial(config: Config, identity: NodeIdentity): TlsMaterial {
  if (!config.rpcTls) {
    return {
      ...clusterTls(config.rpcSecret, identity.keyPem, identity.id),
      servername: nodeServername,
      certifiesNodeKeys: true,
    };
  }
  const read = (what: string, path: string) => {
    try {
      return Deno.readTextFileSync(path);
    } catch (e) {
      throw new ConfigError(`cannot read ${what} ${path}: ${(e as Error).message}`);
    }
  };
  const { caFile, certFile, keyFile } = config.rpcTls;
  return {
    ca: read("rpc_tls_ca_file", caFile),
    cert: read("rpc_tls_cert_file", certFile),
    key: read("rpc_tls_key_file", keyFile),
    // Certificates an operator makes name the cluster, not each node.
    servername: () => PEER_SERVERNAME,
    certifiesNodeKeys: false,
  };
}
