/**
 * What every front end (S3, website, admin) answers with: request ids, XML documents, dates as
 * S3 writes them; and what each of them is given to work with.
 */
import type { Model } from "../model/model.ts";
import type { System } from "../rpc/system.ts";
import type { Metrics } from "../util/metrics.ts";
import { xmlDocument, type XmlElements } from "./xml.ts";

export interface ApiDeps {
  sys: System;
  model: Model;
  metrics: Metrics;
}

/** Headers every S3 response carries. */
export function responseIds(requestId: string): Record<string, string> {
  return { "x-amz-request-id": requestId, "x-amz-id-2": requestId, server: "Remise" };
}

// Reading a built Response's headers makes Deno drop the wire form it prepared at construction,
// which then costs a small GET about a tenth of its time: the router looks only at the others.
const identified = new WeakSet<Response>();

/** A response built with responseIds among its headers. */
export function identifiedResponse(body: BodyInit | null, init: ResponseInit): Response {
  const res = new Response(body, init);
  identified.add(res);
  return res;
}

/** Adds responseIds to a response built without them. */
export function identify(res: Response, requestId: string): void {
  if (identified.has(res)) return;
  for (const [name, value] of Object.entries(responseIds(requestId))) res.headers.set(name, value);
}

export function xmlResponse(
  root: string,
  body: XmlElements,
  status = 200,
  headers: HeadersInit = {},
): Response {
  const h = new Headers(headers);
  if (!h.has("content-type")) h.set("content-type", "application/xml");
  return new Response(xmlDocument(root, body), { status, headers: h });
}

/**
 * A date format with its recent answers kept, per second: formatting costs more than a lookup,
 * and the same objects (or many written in one second) are read and listed again and again.
 */
function perSecond(format: (second: number) => string): (ms: number) => string {
  const known = new Map<number, string>();
  return (ms) => {
    const second = Math.floor(ms / 1000);
    let text = known.get(second);
    if (text === undefined) {
      if (known.size >= 4096) known.clear();
      text = format(second);
      known.set(second, text);
    }
    return text;
  };
}

export const httpDate = perSecond((s) => new Date(s * 1000).toUTCString());

/** ISO 8601 to the second, as S3 lists dates. */
export const isoDate = perSecond((s) => new Date(s * 1000).toISOString());
