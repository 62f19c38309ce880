/**
 * GetObjectAttributes (GET /bucket/key?attributes): the parts of HeadObject and ListParts an
 * x-amz-object-attributes header asks for, as XML.
 */
import type { HeaderReader } from "../util/header_map.ts";
import { cipherToRead, customerKey } from "../api/ssec.ts";
import { partRanges } from "../model/objects/read.ts";
import { parseChecksumAlgorithm } from "../util/checksum.ts";
import { type ObjectContext } from "./context.ts";
import { httpDate, xmlResponse } from "../api/response.ts";
import { S3Error } from "../api/error.ts";
import { currentVersion, versionById, versionHeader } from "../api/object_read.ts";
import type { XmlObject } from "../api/xml.ts";

/** The attribute names S3 defines, in the order their elements appear in the response. */
const ATTRIBUTES = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"] as const;
type Attribute = typeof ATTRIBUTES[number];

const MAX_PARTS = 1000;

function invalid(message: string, name: string, value: string | null): S3Error {
  return new S3Error("InvalidArgument", message, {
    ArgumentName: name,
    ...(value !== null ? { ArgumentValue: value } : {}),
  });
}

/** The attributes asked for: a comma-separated list, names matched without regard to case. */
export function requestedAttributes(header: string | null): Set<Attribute> {
  const names = (header ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (names.length === 0) {
    throw invalid(
      "The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty",
      "x-amz-object-attributes",
      header,
    );
  }
  const out = new Set<Attribute>();
  for (const n of names) {
    const a = ATTRIBUTES.find((x) => x.toLowerCase() === n.toLowerCase());
    if (!a) throw invalid("Invalid attribute name specified.", "x-amz-object-attributes", n);
    out.add(a);
  }
  return out;
}

function intHeader(h: HeaderReader, name: string, dflt: number): number {
  const v = h.get(name);
  if (v === null) return dflt;
  const s = v.trim();
  if (!/^\d{1,9}$/.test(s)) {
    throw invalid(`Provided ${name} not an integer or within integer range`, name, v);
  }
  return Number(s);
}

/** One page of the parts of a multipart object: number, size, and checksum when kept. */
async function objectParts(
  ctx: ObjectContext,
  uuid: string,
  count: number,
  max: number,
  marker: number,
  alg: string | undefined,
): Promise<XmlObject> {
  const ranges = [...(await partRanges(ctx.deps.model, uuid))]
    .filter(([n]) => n > marker)
    .sort(([a], [b]) => a - b);
  const page = ranges.slice(0, max);
  return {
    PartsCount: count,
    PartNumberMarker: marker,
    NextPartNumberMarker: page.length ? page[page.length - 1][0] : undefined,
    MaxParts: max,
    IsTruncated: ranges.length > max,
    Part: page.map(([n, r]) => ({
      PartNumber: n,
      Size: r.end - r.start + 1,
      ...(alg && r.checksum ? { [`Checksum${alg}`]: r.checksum } : {}),
    })),
  };
}

export async function getObjectAttributes(ctx: ObjectContext): Promise<Response> {
  const h = ctx.headers;
  const want = requestedAttributes(h.get("x-amz-object-attributes"));
  const max = Math.min(intHeader(h, "x-amz-max-parts", MAX_PARTS), MAX_PARTS);
  const marker = intHeader(h, "x-amz-part-number-marker", 0);

  const versionId = ctx.query.get("versionId");
  const v = versionId === null ? await currentVersion(ctx) : await versionById(ctx, versionId);
  const meta = v.state.data.meta;
  // S3 describes an encrypted object only to who holds its key.
  cipherToRead(meta, customerKey(ctx.headers));

  const body: XmlObject = {};
  if (want.has("ETag")) body.ETag = meta.etag;
  if (want.has("Checksum") && meta.checksum) {
    const alg = parseChecksumAlgorithm(meta.checksum.alg);
    if (alg) {
      body.Checksum = {
        [`Checksum${alg}`]: meta.checksum.value,
        ChecksumType: meta.checksum.type ?? "FULL_OBJECT",
      };
    }
  }
  // Only objects made by a multipart upload have parts to list.
  if (want.has("ObjectParts") && meta.parts) {
    const alg = meta.checksum ? parseChecksumAlgorithm(meta.checksum.alg) : undefined;
    body.ObjectParts = await objectParts(ctx, v.uuid, meta.parts, max, marker, alg);
  }
  if (want.has("StorageClass")) body.StorageClass = "STANDARD";
  if (want.has("ObjectSize")) body.ObjectSize = meta.size;
  return xmlResponse("GetObjectAttributesResponse", body, 200, {
    "last-modified": httpDate(v.timestamp),
    ...versionHeader(ctx.bucket, v),
  });
}
