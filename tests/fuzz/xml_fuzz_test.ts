/**
 * Property-based fuzzing of the S3 XML request parsing (server/s3/xml.ts parseXmlBody) and of
 * the documents read with it: CORS rules (server/api/cors_document.ts parseCorsRule), lifecycle rules
 * (server/api/lifecycle_document.ts parseLifecycle) and website configurations (server/api/website_document.ts
 * parseWebsiteConfig).
 *
 * A request body is client input: whatever it holds, the answer must be a parsed value or a
 * 4xx S3Error (MalformedXML, InvalidArgument, ...), never another error (which the router
 * answers 500 InternalError), and parsing must not touch Object.prototype.
 */
import fc from "fast-check";
import { parseCorsRule } from "../../server/api/cors_document.ts";
import { S3Error } from "../../server/api/error.ts";
import { parseLifecycle } from "../../server/api/lifecycle_document.ts";
import { parseWebsiteConfig } from "../../server/api/website_document.ts";
import { parseXmlBody, xmlList } from "../../server/api/xml.ts";
import { CORS_METHODS } from "../../server/model/buckets/cors.ts";
import { assert, AssertionError } from "../assert.ts";
import {
  assertNoPollution,
  assertPlainTree,
  expect4xx,
  HOSTILE_NAMES,
  outcome,
  runs,
} from "./props.ts";

// --- generators ----------------------------------------------------------------------------

const CORS_NAMES = [
  "CORSRule",
  "ID",
  "AllowedOrigin",
  "AllowedMethod",
  "AllowedHeader",
  "ExposeHeader",
  "MaxAgeSeconds",
];
const LIFECYCLE_NAMES = [
  "Rule",
  "ID",
  "Status",
  "Filter",
  "Prefix",
  "And",
  "ObjectSizeGreaterThan",
  "ObjectSizeLessThan",
  "Expiration",
  "Days",
  "Date",
  "AbortIncompleteMultipartUpload",
  "DaysAfterInitiation",
  "Transition",
  "Tag",
  "NoncurrentVersionExpiration",
  "ExpiredObjectDeleteMarker",
];
const WEBSITE_NAMES = [
  "IndexDocument",
  "Suffix",
  "ErrorDocument",
  "Key",
  "RedirectAllRequestsTo",
  "HostName",
  "Protocol",
  "RoutingRules",
  "RoutingRule",
  "Condition",
  "KeyPrefixEquals",
  "HttpErrorCodeReturnedEquals",
  "Redirect",
  "ReplaceKeyWith",
  "ReplaceKeyPrefixWith",
  "HttpRedirectCode",
];
/** Lifecycle elements Remise refuses with NotImplemented (501), by design. */
const LIFECYCLE_UNSUPPORTED = [
  "Transition",
  "NoncurrentVersionTransition",
  "NoncurrentVersionExpiration",
  "Tag",
  "ExpiredObjectDeleteMarker",
];
/** The names fast-xml-parser calls reserved; the rest of HOSTILE_NAMES it renames. */
const FATAL_NAMES = ["__proto__", "constructor", "prototype"];
const MILD_HOSTILE = HOSTILE_NAMES.filter((n) => !FATAL_NAMES.includes(n));

const randomName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9._-]{0,8}$/);

/** Element names: mostly the schema's, some random, some namespaced, some hostile. */
function names(schema: string[], hostile: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...schema) },
    { weight: 1, arbitrary: randomName },
    { weight: 1, arbitrary: fc.constantFrom(...schema).map((n) => `s3:${n}`) },
    { weight: 1, arbitrary: fc.constantFrom(...hostile) },
  );
}

const escapeText = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Text content: values the schemas look for, random text, entity references and CDATA. */
const textContent = fc.oneof(
  fc.constantFrom(
    "GET",
    "PUT",
    "get",
    "*",
    "http://*.example.com",
    "a*b*c",
    "Enabled",
    "Disabled",
    "1",
    "0",
    "-1",
    "30",
    " 7 ",
    "99999999999999999999",
    "9007199254740993",
    "2030-01-01T00:00:00Z",
    "2030-01-01",
    "2030-02-30T00:00:00.000Z",
    "2030-01-01T00:00:01+01:00",
    "index.html",
    "a/b",
    "http",
    "https",
    "ftp",
    "301",
    "302",
    "404",
    "3e2",
    "",
    "  ",
    "x".repeat(300),
  ),
  fc.string({ maxLength: 12 }).map(escapeText),
  fc.string({ unit: "grapheme", maxLength: 6 }).map(escapeText),
  fc.constantFrom(
    "&amp;",
    "&lt;",
    "&gt;",
    "&quot;",
    "&apos;",
    "&#65;",
    "&#x41;",
    "&#34;",
    "&#0;",
    "&#xD800;",
    "&#1114112;",
    "&#99999999999;",
    "&nbsp;",
    "&copy;",
    "&foo;",
    "&#x;",
  ),
  fc.string({ maxLength: 12 }).filter((s) => !s.includes("]]>")).map((s) => `<![CDATA[${s}]]>`),
  fc.constantFrom("<!-- a comment -->", "<?pi data?>"),
);

type Node = string | { name: string; attrs: [string, string][]; children: Node[] };

function tree(elementName: fc.Arbitrary<string>, attrName: fc.Arbitrary<string>, maxDepth = 5) {
  const attrs = fc.array(
    fc.tuple(
      attrName,
      fc.string({ maxLength: 8 }).map((v) => escapeText(v).replace(/"/g, "&quot;")),
    ),
    { maxLength: 3 },
  );
  const { node } = fc.letrec<{ node: Node }>((tie) => ({
    node: fc.oneof(
      { depthSize: "small", maxDepth, withCrossShrink: true },
      textContent,
      fc.record({
        name: elementName,
        attrs,
        children: fc.array(tie("node"), { maxLength: 4 }),
      }),
    ),
  }));
  return node;
}

function serialize(n: Node): string {
  if (typeof n === "string") return n;
  const attrs = n.attrs.map(([k, v]) => ` ${k}="${v}"`).join("");
  return n.children.length === 0 && n.attrs.length > 0
    ? `<${n.name}${attrs}/>`
    : `<${n.name}${attrs}>${n.children.map(serialize).join("")}</${n.name}>`;
}

/** A document under `root` (or, sometimes, another root) with an optional declaration. */
function documentOf(root: string, node: fc.Arbitrary<Node>): fc.Arbitrary<string> {
  return fc.tuple(
    fc.constantFrom('<?xml version="1.0" encoding="UTF-8"?>', "", "\n", "\uFEFF"),
    fc.oneof(
      { weight: 9, arbitrary: fc.constant(root) },
      { weight: 1, arbitrary: fc.constantFrom(`s3:${root}`, "Other", root.toLowerCase()) },
    ),
    fc.constantFrom(' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"', "", ' xmlns:s3="urn:x"'),
    fc.array(node, { maxLength: 5 }),
  ).map(([decl, r, ns, children]) =>
    `${decl}<${r}${ns}>${children.map(serialize).join("")}</${r}>`
  );
}

/** XML-ish soup: markup tokens in any order, rarely well-formed. */
const xmlToken = fc.oneof(
  fc.constantFrom(
    "<",
    ">",
    "</",
    "/>",
    "=",
    '"',
    "'",
    " ",
    "\n",
    "<Root>",
    "</Root>",
    "<a>",
    "</a>",
    "<a/>",
    '<?xml version="1.0"?>',
    "<!DOCTYPE Root>",
    '<!DOCTYPE r [<!ENTITY e "x">]>',
    '<!ENTITY a "b">',
    "<![CDATA[",
    "]]>",
    "<!--",
    "-->",
    "<?",
    "?>",
    "&",
    ";",
    "#",
    "x",
    ":",
    "xmlns",
  ),
  textContent,
  fc.constantFrom(...HOSTILE_NAMES).map((n) => `<${n}>`),
  fc.constantFrom(...HOSTILE_NAMES).map((n) => `</${n}>`),
  fc.string({ maxLength: 6 }),
);
const xmlSoup = fc.array(xmlToken, { maxLength: 40, size: "medium" }).map((t) => t.join(""));

// --- checks --------------------------------------------------------------------------------

/** A parse that returned: plain objects only, prototypes untouched. */
function checkParsed(v: unknown, text: string): void {
  assertPlainTree(v, `parsing ${JSON.stringify(text.slice(0, 300))}`);
  assertNoPollution(`parsing ${JSON.stringify(text.slice(0, 300))}`);
}

/** Runs a parse: its value, or the 4xx S3Error it threw; anything else fails the property. */
function parsedOr4xx<T>(text: string, parse: () => T): T | S3Error {
  const o = outcome(parse);
  assertNoPollution(`parsing ${JSON.stringify(text.slice(0, 300))}`);
  if (!o.ok) return expect4xx(o.error, `parsing ${JSON.stringify(text.slice(0, 300))}`);
  checkParsed(o.value, text);
  return o.value;
}

/** NotImplemented (501) for a lifecycle document that names an action Remise cannot run. */
function unsupportedLifecycle(e: unknown, text: string): boolean {
  return e instanceof S3Error && e.code === "NotImplemented" &&
    LIFECYCLE_UNSUPPORTED.some((n) => new RegExp(`<(s3:)?${n}[\\s/>]`).test(text));
}

function corsRules(text: string) {
  return xmlList(parseXmlBody(text, "CORSConfiguration").CORSRule).map(parseCorsRule);
}

function website(text: string) {
  return parseWebsiteConfig(parseXmlBody(text, "WebsiteConfiguration"));
}

// --- properties ----------------------------------------------------------------------------

Deno.test("fuzz xml: any XML-ish text is parsed to plain objects or refused with a 4xx S3 error, without prototype pollution (1500 runs)", () => {
  fc.assert(
    fc.property(xmlSoup, fc.constantFrom("Root", "a", "CORSConfiguration"), (text, root) => {
      parsedOr4xx(text, () => parseXmlBody(text, root));
    }),
    runs(1500),
  );
});

Deno.test("fuzz xml: documents with hostile element and attribute names (__proto__, constructor, prototype, toString, hasOwnProperty, ...) parse to plain objects or are refused with a 4xx S3 error, without prototype pollution (500 runs)", () => {
  const hostile = fc.constantFrom(...HOSTILE_NAMES);
  fc.assert(
    fc.property(
      documentOf("Root", tree(fc.oneof(hostile, randomName), fc.oneof(hostile, randomName))),
      (text) => {
        parsedOr4xx(text, () => parseXmlBody(text, "Root"));
      },
    ),
    runs(500),
  );
});

Deno.test("fuzz xml: elements nested thousands of levels deep are parsed or refused with a 4xx S3 error (100 runs)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 5000 }),
      fc.constantFrom("a", "Rule", "Filter", "And", "s3:x"),
      fc.constantFrom("", "x", "<![CDATA[y]]>"),
      (depth, name, inner) => {
        const text = `<Root>${`<${name}>`.repeat(depth)}${inner}${
          `</${name}>`.repeat(depth)
        }</Root>`;
        parsedOr4xx(`<Root>${depth} × <${name}>`, () => parseXmlBody(text, "Root"));
      },
    ),
    runs(100),
  );
});

Deno.test("fuzz xml: huge attribute lists, entity references, CDATA and DOCTYPE declarations are parsed or refused with a 4xx S3 error (200 runs)", () => {
  const attrName = fc.oneof(randomName, fc.constantFrom(...HOSTILE_NAMES), fc.constant("xmlns:a"));
  fc.assert(
    fc.property(
      fc.array(fc.tuple(attrName, fc.string({ maxLength: 4 })), { maxLength: 3000, size: "max" }),
      fc.array(textContent, { maxLength: 50 }),
      fc.constantFrom(
        "",
        "<!DOCTYPE Root>",
        '<!DOCTYPE Root [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>',
        '<!DOCTYPE Root SYSTEM "file:///etc/passwd">',
        "<!doctype Root>",
      ),
      (attrs, texts, doctype) => {
        const a = attrs.map(([k, v]) => ` ${k}="${escapeText(v).replace(/"/g, "&quot;")}"`).join(
          "",
        );
        const text = `${doctype}<Root${a}><v${a.slice(0, 2000)}>${texts.join("")}</v></Root>`;
        const got = parsedOr4xx(text, () => parseXmlBody(text, "Root"));
        if (doctype !== "" && !(got instanceof S3Error)) {
          throw new AssertionError(`a document type declaration was accepted: ${doctype}`);
        }
      },
    ),
    runs(200),
  );
});

Deno.test("fuzz cors: any CORSConfiguration document yields valid CORS rules or a 4xx S3 error (1000 runs)", () => {
  const node = tree(names(CORS_NAMES, MILD_HOSTILE), randomName);
  fc.assert(
    fc.property(documentOf("CORSConfiguration", node), (text) => {
      const rules = parsedOr4xx(text, () => corsRules(text));
      if (rules instanceof S3Error) return;
      for (const r of rules) {
        assert(r.allowedOrigins.length > 0, "a rule without AllowedOrigin was accepted");
        assert(
          r.allowedMethods.length > 0 && r.allowedMethods.every((m) => CORS_METHODS.includes(m)),
          `methods ${JSON.stringify(r.allowedMethods)} were accepted`,
        );
        assert(
          r.maxAgeSeconds === undefined || Number.isSafeInteger(r.maxAgeSeconds),
          `MaxAgeSeconds ${r.maxAgeSeconds} was accepted`,
        );
        assert(r.id === undefined || r.id.length <= 255, "an ID over 255 characters was accepted");
      }
    }),
    runs(1000),
  );
});

Deno.test("fuzz lifecycle: any LifecycleConfiguration document yields valid rules or a 4xx S3 error (NotImplemented 501 only for the unsupported actions) (1000 runs)", () => {
  const node = tree(names(LIFECYCLE_NAMES, MILD_HOSTILE), randomName, 6);
  fc.assert(
    fc.property(documentOf("LifecycleConfiguration", node), (text) => {
      const o = outcome(() => parseLifecycle(text));
      assertNoPollution(`parsing ${JSON.stringify(text)}`);
      if (!o.ok) {
        // By design (see lifecycle.ts): rules Remise cannot run are refused with 501.
        if (unsupportedLifecycle(o.error, text)) return;
        expect4xx(o.error, `parsing ${JSON.stringify(text)}`);
        return;
      }
      checkParsed(o.value, text);
      const rules = o.value;
      assert(rules.length >= 1 && rules.length <= 1000, `${rules.length} rules were accepted`);
      assert(new Set(rules.map((r) => r.id)).size === rules.length, "duplicate IDs were accepted");
      for (const r of rules) {
        assert(r.expiration || r.abortIncompleteUploadDays !== undefined, "a rule with no action");
        const days = r.expiration && "days" in r.expiration ? r.expiration.days : 1;
        assert(Number.isSafeInteger(days) && days > 0, `Days ${days} was accepted`);
        if (r.expiration && "date" in r.expiration) {
          // GetBucketLifecycle renders it back: it must be an ISO date at midnight.
          const iso = new Date(r.expiration.date).toISOString();
          assert(iso.endsWith("T00:00:00.000Z"), `Date ${iso} was accepted`);
        }
        JSON.stringify(r); // stored as JSON in the bucket entry
      }
    }),
    runs(1000),
  );
});

Deno.test("fuzz website: any WebsiteConfiguration document yields a valid configuration or a 4xx S3 error (1000 runs)", () => {
  const node = tree(names(WEBSITE_NAMES, MILD_HOSTILE), randomName, 6);
  fc.assert(
    fc.property(documentOf("WebsiteConfiguration", node), (text) => {
      const cfg = parsedOr4xx(text, () => website(text));
      if (cfg instanceof S3Error) return;
      if (cfg.redirectAllRequestsTo) {
        assert(cfg.redirectAllRequestsTo.hostName !== "", "an empty redirect host was accepted");
        return;
      }
      assert(
        cfg.indexDocument !== "" && !cfg.indexDocument.includes("/"),
        `index document ${JSON.stringify(cfg.indexDocument)} was accepted`,
      );
      for (const r of cfg.routingRules ?? []) {
        const code = r.redirect.httpRedirectCode;
        assert(
          code === undefined || [301, 302, 303, 307, 308].includes(code),
          `redirect code ${code} was accepted`,
        );
        assert(Object.keys(r.redirect).length > 0, "an empty Redirect was accepted");
      }
    }),
    runs(1000),
  );
});

Deno.test("fuzz s3 documents: CORS, lifecycle and website documents with elements named __proto__, constructor or prototype are refused with a 4xx S3 error (300 runs)", () => {
  const all = [...CORS_NAMES, ...LIFECYCLE_NAMES, ...WEBSITE_NAMES];
  const node = tree(names(all, FATAL_NAMES), randomName, 4);
  fc.assert(
    fc.property(
      fc.constantFrom("CORSConfiguration", "LifecycleConfiguration", "WebsiteConfiguration").chain(
        (root) => fc.tuple(fc.constant(root), documentOf(root, node)),
      ),
      ([root, text]) => {
        const parse: () => unknown = root === "CORSConfiguration"
          ? () => corsRules(text)
          : root === "LifecycleConfiguration"
          ? () => parseLifecycle(text)
          : () => website(text);
        const o = outcome(parse);
        assertNoPollution(text);
        if (o.ok) {
          checkParsed(o.value, text);
          return;
        }
        if (unsupportedLifecycle(o.error, text)) return;
        expect4xx(o.error, `parsing ${JSON.stringify(text)}`);
      },
    ),
    runs(300),
  );
});
