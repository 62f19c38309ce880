/** S3 XML: building responses from plain objects and reading request bodies safely. */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { S3Error } from "./error.ts";

export const S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/";

/** Elements already rendered (long repeated lists), placed in a document as they are. */
export class RawXml {
  constructor(readonly xml: string) {}
}

/** A parsed request body. */
export type XmlValue = string | number | boolean | undefined | null | XmlObject | XmlValue[];
export interface XmlObject {
  [tag: string]: XmlValue;
}

/** What a response document holds: values, nested elements, and elements already rendered. */
export type XmlContent = XmlValue | RawXml | XmlContent[] | XmlElements;
export interface XmlElements {
  [tag: string]: XmlContent;
}

/**
 * Escapes markup in text (quotes need no escaping outside attributes), and line breaks and
 * tabs too so that parsers do not normalize them away.
 */
export function escapeXml(s: string): string {
  return /[&<>\t\n\r]/.test(s) ? s.replace(/[&<>\t\n\r]/g, (c) => `&#${c.charCodeAt(0)};`) : s;
}

function element(tag: string, v: XmlContent): string {
  if (v === undefined || v === null) return "";
  if (v instanceof RawXml) return v.xml;
  if (Array.isArray(v)) {
    let out = "";
    for (const item of v) out += element(tag, item);
    return out;
  }
  if (typeof v === "object") return `<${tag}>${children(v)}</${tag}>`;
  return `<${tag}>${typeof v === "string" ? escapeXml(v) : v}</${tag}>`;
}

function children(o: XmlElements): string {
  let out = "";
  for (const k in o) out += element(k, o[k]);
  return out;
}

/** `<?xml …?><Root xmlns="…">…</Root>` from an object whose key order is the element order. */
export function xmlDocument(root: string, body: XmlElements, ns: string | null = S3_NS): string {
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
  let doc: XmlObject;
  try {
    doc = parser.parse(text) as XmlObject;
  } catch (e) {
    // The parser refuses documents nested too deep and element names such as __proto__ or
    // constructor (which could reach an object's prototype): the client's document is at fault.
    throw new S3Error(
      "MalformedXML",
      `The XML you provided was not well-formed or did not validate against our published schema: ${
        (e as Error).message
      }.`,
    );
  }
  const body = Object.hasOwn(doc, root) ? doc[root] : undefined;
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
