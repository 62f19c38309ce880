/**
 * An RPC endpoint, declared once with the types of its request and of its answer: the handler
 * and every caller go through the declaration, so no one names an endpoint by a string or casts
 * what arrives. Messages travel as msgpack (util/msgpack.ts) between peers authenticated by TLS.
 */
export interface Endpoint<Req, Res> {
  readonly path: string;
  /** Never set: these carry the request and answer types to `register` and `call`. */
  readonly request?: Req;
  readonly answer?: Res;
}

export function endpoint<Req, Res>(path: string): Endpoint<Req, Res> {
  return { path };
}

/** What an endpoint's handler gets: the request and the node that sent it (this one included). */
export type EndpointHandler<Req, Res> = (msg: Req, from: string) => Res | Promise<Res>;
