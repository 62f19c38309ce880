/**
 * A bucket's CORS rules as S3's CORSConfiguration document: parsed and checked whole (for
 * PutBucketCors and the admin API alike), and written back.
 */
import { CORS_METHODS, type CorsRule } from "../model/buckets/cors.ts";
import { S3Error } from "./error.ts";
import {
  parseXmlBody,
  xmlDocument,
  type XmlElements,
  xmlList,
  xmlText,
  xmlToken,
  type XmlValue,
} from "./xml.ts";

/** AWS's limit on rules per bucket. */
const MAX_RULES = 100;

function malformed(why: string): S3Error {
  return new S3Error(
    "MalformedXML",
    `The XML you provided was not well-formed or did not validate against our published schema: ${why}.`,
  );
}

function texts(v: XmlValue): string[] {
  return xmlList(v).map((x) => xmlToken(x) ?? "");
}

function oneWildcard(kind: string, values: string[]): void {
  for (const v of values) {
    if (v.split("*").length > 2) {
      throw new S3Error("InvalidRequest", `${kind} "${v}" can not have more than one wildcard.`);
    }
  }
}

export function parseCorsRule(r: XmlValue): CorsRule {
  const o = typeof r === "object" && r !== null && !Array.isArray(r) ? r : {};
  const rule: CorsRule = {
    allowedOrigins: texts(o.AllowedOrigin),
    allowedMethods: texts(o.AllowedMethod),
    allowedHeaders: texts(o.AllowedHeader),
    exposeHeaders: texts(o.ExposeHeader),
  };
  if (!rule.allowedOrigins.length) throw malformed("each CORSRule needs an AllowedOrigin");
  if (!rule.allowedMethods.length) throw malformed("each CORSRule needs an AllowedMethod");
  for (const m of rule.allowedMethods) {
    if (!CORS_METHODS.includes(m)) {
      throw new S3Error(
        "InvalidRequest",
        `Found unsupported HTTP method in CORS config. Unsupported method is ${m}`,
      );
    }
  }
  oneWildcard("AllowedOrigin", rule.allowedOrigins);
  oneWildcard("AllowedHeader", rule.allowedHeaders);
  const id = xmlText(o.ID);
  if (id !== undefined) {
    if (id.length > 255) {
      throw new S3Error("InvalidArgument", "The ID of a CORSRule is at most 255 characters.");
    }
    rule.id = id;
  }
  const age = xmlToken(o.MaxAgeSeconds);
  if (age !== undefined) {
    if (!/^\d{1,10}$/.test(age)) throw malformed("MaxAgeSeconds must be a whole number");
    rule.maxAgeSeconds = Number(age);
  }
  return rule;
}

/** A CORSConfiguration document's text, checked whole. */
export function parseCors(text: string): CorsRule[] {
  const rules = xmlList(parseXmlBody(text, "CORSConfiguration").CORSRule).map(parseCorsRule);
  if (!rules.length) throw malformed("a CORSConfiguration holds at least one CORSRule");
  if (rules.length > MAX_RULES) {
    throw new S3Error(
      "InvalidRequest",
      `A CORS configuration holds at most ${MAX_RULES} rules; this one has ${rules.length}.`,
    );
  }
  return rules;
}

/** The rules as the elements of a CORSConfiguration. */
export function corsElements(rules: CorsRule[]): XmlElements {
  return {
    CORSRule: rules.map((r) => ({
      ID: r.id,
      AllowedHeader: r.allowedHeaders,
      AllowedMethod: r.allowedMethods,
      AllowedOrigin: r.allowedOrigins,
      ExposeHeader: r.exposeHeaders,
      MaxAgeSeconds: r.maxAgeSeconds,
    })),
  };
}

/** The rules as a CORSConfiguration document. */
export function corsDocument(rules: CorsRule[]): string {
  return xmlDocument("CORSConfiguration", corsElements(rules));
}
