/** S3 XML: building responses from plain objects and reading request bodies safely. */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { S3Error } from "./error.ts";

export const S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/";

export type XmlValue = string | number | boolean | undefined | null | XmlObject | XmlValue[];
export interface XmlObject {
  [tag: string]: XmlValue;
}

/** Escapes markup, and line breaks and tabs too so that parsers do not normalize them away. */
/** Characters escaped as numeric references, by code. */
const MARKUP = new Uint8Array(63);
for (const c of "&<>\"'\t\n\r") MARKUP[c.charCodeAt(0)] = 1;

export function escapeXml(s: string): string {
  // Most values (keys, dates) need nothing: a scan is cheaper than a replace.
  for (let i = 0; i < s.length; i++) {
    if (MARKUP[s.charCodeAt(i)]) {
      return s.replace(/[&<>"'\t\n\r]/g, (c) => `&#${c.charCodeAt(0)};`);
    }
  }
  return s;
}

function element(tag: string, v: XmlValue): string {
  if (v === undefined || v === null) return "";
  if (Array.isArray(v)) {
    let out = "";
    for (const item of v) out += element(tag, item);
    return out;
  }
  if (typeof v === "object") return `<${tag}>${children(v)}</${tag}>`;
  return `<${tag}>${typeof v === "string" ? escapeXml(v) : v}</${tag}>`;
}

function children(o: XmlObject): string {
  let out = "";
  for (const k in o) out += element(k, o[k]);
  return out;
}

/** `<?xml …?><Root xmlns="…">…</Root>` from an object whose key order is the element order. */
export function xmlDocument(root: string, body: XmlObject, ns: string | null = S3_NS): string {
  return '<?xml version="1.0" encoding="UTF-8"?>' +
    (ns ? `<${root} xmlns="${ns}">` : `<${root}>`) + children(body) + `</${root}>`;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  // Values are kept as sent: an object key may be a single space. Callers trim numbers and flags.
  trimValues: false,
  removeNSPrefix: true,
  processEntities: true,
  // Numeric character references (Go SDKs write quotes as &#34;) must be decoded.
  htmlEntities: true,
});

/**
 * Parses a request body; anything that is not well-formed XML with the expected root element
 * is MalformedXML. Document type declarations are refused outright (entity expansion).
 */
export function parseXmlBody(text: string, root: string): XmlObject {
  if (/<!DOCTYPE|<!ENTITY/i.test(text) || XMLValidator.validate(text) !== true) {
    throw new S3Error(
      "MalformedXML",
      "The XML you provided was not well-formed or did not validate against our published schema.",
    );
  }
  const doc = parser.parse(text) as XmlObject;
  const body = doc[root];
  if (body === undefined) {
    throw new S3Error(
      "MalformedXML",
      `The XML you provided was not well-formed or did not validate against our published schema: expected <${root}>.`,
    );
  }
  return typeof body === "object" && body !== null && !Array.isArray(body) ? body : {};
}

/** A child that may appear once or many times, as a list. */
export function xmlList(v: XmlValue): XmlValue[] {
  return v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
}

/** A value where surrounding white space is insignificant (numbers, flags, ETags). */
export function xmlToken(v: XmlValue): string | undefined {
  return xmlText(v)?.trim();
}

export function xmlText(v: XmlValue): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "object") return Array.isArray(v) ? xmlText(v[0]) : "";
  return String(v);
}
