/**
 * A bucket's CORS, lifecycle and website configurations as the S3 documents clients send
 * (CORSConfiguration, LifecycleConfiguration, WebsiteConfiguration), for the console's editors:
 * read with GetBucketDocuments, set by UpdateBucket. The same parsers as the S3 API check them,
 * so the refusals are the S3 API's, and nothing is set unless every document given is valid.
 */
import type { GetBucketDocumentsResponse } from "../../shared/admin.ts";
import { bucketCors, CORS } from "../api/cors.ts";
import { corsDocument, parseCors } from "../api/cors_document.ts";
import {
  checkLifecycleSize,
  lifecycleDocument,
  parseLifecycle,
} from "../api/lifecycle_document.ts";
import { parseWebsite, websiteDocument } from "../api/website_document.ts";
import { getBucket, setBucketConfig } from "../model/buckets/bucket_ops.ts";
import { bucketLifecycle, LIFECYCLE_CONFIG } from "../model/buckets/lifecycle.ts";
import type { BucketEntry } from "../model/tables/bucket.ts";
import { lww, nextTimestamp } from "../table/crdt.ts";
import type { Call, EndpointDef } from "./context.ts";
import { existingBucket } from "./buckets.ts";
import { badRequest } from "./errors.ts";
import type { Fields } from "./validate.ts";

export const DOCUMENT_FIELDS = [
  "corsConfiguration",
  "lifecycleConfiguration",
  "websiteConfiguration",
] as const;

export function documentsOf(b: BucketEntry): GetBucketDocumentsResponse {
  const cors = bucketCors(b);
  const lifecycle = bucketLifecycle(b);
  const website = b.website.v;
  return {
    corsConfiguration: cors ? corsDocument(cors) : null,
    lifecycleConfiguration: lifecycle ? lifecycleDocument(lifecycle) : null,
    websiteConfiguration: website ? websiteDocument(website) : null,
  };
}

/** A document field: its XML text, null to remove it, undefined when not given. */
function documentField(f: Fields, name: string): string | null | undefined {
  if (!f.given(name)) return undefined;
  const raw = f.raw(name);
  if (raw !== null && typeof raw !== "string") {
    throw badRequest(`\`${name}\` must be the document's XML text (a string), or null.`);
  }
  return raw;
}

/** Applies the document fields of an UpdateBucket body, all checked before any is set. */
export async function updateDocuments(
  deps: Call["deps"],
  bucketId: string,
  f: Fields,
): Promise<void> {
  const cors = documentField(f, "corsConfiguration");
  const lifecycle = documentField(f, "lifecycleConfiguration");
  const website = documentField(f, "websiteConfiguration");
  const parsed = <T>(text: string | null | undefined, parse: (t: string) => T) =>
    typeof text === "string" ? parse(text) : text;
  const corsRules = parsed(cors, parseCors);
  const lifecycleRules = parsed(lifecycle, parseLifecycle);
  if (lifecycleRules) checkLifecycleSize(lifecycleRules);
  const websiteConfig = parsed(website, parseWebsite);
  const { model } = deps;
  const current = () => getBucket(model, bucketId)!;
  if (corsRules !== undefined) await setBucketConfig(model, current(), CORS, corsRules);
  if (lifecycleRules !== undefined) {
    await setBucketConfig(model, current(), LIFECYCLE_CONFIG, lifecycleRules);
  }
  if (websiteConfig !== undefined) {
    const b = current();
    await model.buckets.insert({ ...b, website: lww(websiteConfig, nextTimestamp(b.website)) });
  }
}

function getDocuments({ deps, query }: Call): GetBucketDocumentsResponse {
  return documentsOf(existingBucket(deps.model, query.required("id", "the bucket id")));
}

export const bucketDocumentEndpoints: Record<string, EndpointDef> = {
  GetBucketDocuments: { query: ["id"], run: getDocuments },
};
