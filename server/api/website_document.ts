/**
 * A bucket's website configuration as S3's WebsiteConfiguration document: parsed and checked
 * whole (for PutBucketWebsite and the admin API alike), and written back.
 */
import type { RoutingRule, WebsiteConfig } from "../model/buckets/website.ts";
import { S3Error } from "./error.ts";
import {
  parseXmlBody,
  xmlDocument,
  type XmlElements,
  xmlList,
  type XmlObject,
  xmlToken,
  type XmlValue,
} from "./xml.ts";

/** AWS's limit on routing rules per website configuration. */
const MAX_RULES = 50;
const REDIRECT_CODES = [301, 302, 303, 307, 308];

function invalid(message: string): S3Error {
  return new S3Error("InvalidArgument", message);
}

function obj(v: XmlValue): XmlObject | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? v : undefined;
}

function protocolOf(v: XmlValue): "http" | "https" | undefined {
  const p = xmlToken(v);
  if (p === undefined) return undefined;
  if (p !== "http" && p !== "https") {
    throw invalid(`Invalid protocol "${p}": a redirect's Protocol is http or https.`);
  }
  return p;
}

function parseRule(v: XmlValue): RoutingRule {
  const r = obj(v) ?? {};
  const redirect = obj(r.Redirect);
  if (!redirect) throw invalid("A RoutingRule needs a Redirect.");
  const rule: RoutingRule = { redirect: {} };
  const cond = obj(r.Condition);
  if (cond) {
    rule.condition = {};
    const prefix = xmlToken(cond.KeyPrefixEquals);
    if (prefix !== undefined) rule.condition.keyPrefixEquals = prefix;
    const code = xmlToken(cond.HttpErrorCodeReturnedEquals);
    if (code !== undefined) {
      if (!/^[45]\d\d$/.test(code)) {
        throw invalid(`HttpErrorCodeReturnedEquals must be a 4xx or 5xx status, not "${code}".`);
      }
      rule.condition.httpErrorCodeReturnedEquals = Number(code);
    }
    if (prefix === undefined && code === undefined) {
      throw invalid("A Condition needs KeyPrefixEquals or HttpErrorCodeReturnedEquals.");
    }
  }
  const host = xmlToken(redirect.HostName);
  if (host !== undefined) rule.redirect.hostName = host;
  const protocol = protocolOf(redirect.Protocol);
  if (protocol) rule.redirect.protocol = protocol;
  const withKey = xmlToken(redirect.ReplaceKeyWith);
  const withPrefix = xmlToken(redirect.ReplaceKeyPrefixWith);
  if (withKey !== undefined && withPrefix !== undefined) {
    throw invalid("You can only define ReplaceKeyPrefix or ReplaceKey but not both.");
  }
  if (withKey !== undefined) rule.redirect.replaceKeyWith = withKey;
  if (withPrefix !== undefined) rule.redirect.replaceKeyPrefixWith = withPrefix;
  const code = xmlToken(redirect.HttpRedirectCode);
  if (code !== undefined) {
    if (!REDIRECT_CODES.includes(Number(code)) || !/^\d+$/.test(code)) {
      throw invalid(
        `The provided HTTP redirect code (${code}) is not valid: use 301-303, 307, 308.`,
      );
    }
    rule.redirect.httpRedirectCode = Number(code);
  }
  if (Object.keys(rule.redirect).length === 0) {
    throw invalid("A Redirect needs at least one of HostName, Protocol, ReplaceKey*, or a code.");
  }
  return rule;
}

export function parseWebsiteConfig(doc: XmlObject): WebsiteConfig {
  const all = obj(doc.RedirectAllRequestsTo);
  if (all) {
    if (doc.IndexDocument !== undefined || doc.ErrorDocument !== undefined || doc.RoutingRules) {
      throw invalid(
        "RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.",
      );
    }
    const hostName = xmlToken(all.HostName);
    if (!hostName) throw invalid("RedirectAllRequestsTo needs a HostName.");
    const protocol = protocolOf(all.Protocol);
    return {
      indexDocument: "",
      errorDocument: null,
      redirectAllRequestsTo: protocol ? { hostName, protocol } : { hostName },
    };
  }
  const suffix = xmlToken(obj(doc.IndexDocument)?.Suffix);
  if (suffix === undefined) {
    throw invalid(
      "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty",
    );
  }
  if (suffix === "" || suffix.includes("/")) {
    throw invalid("The IndexDocument Suffix is not well formed: non-empty, without a slash.");
  }
  const errorDoc = xmlToken(obj(doc.ErrorDocument)?.Key);
  if (errorDoc === "") throw invalid("The ErrorDocument Key is not well formed.");
  const cfg: WebsiteConfig = { indexDocument: suffix, errorDocument: errorDoc ?? null };
  const rules = xmlList(obj(doc.RoutingRules)?.RoutingRule).map(parseRule);
  if (rules.length > MAX_RULES) {
    throw invalid(`A website configuration holds at most ${MAX_RULES} routing rules.`);
  }
  if (rules.length) cfg.routingRules = rules;
  return cfg;
}

/** A WebsiteConfiguration document's text, checked whole. */
export function parseWebsite(text: string): WebsiteConfig {
  return parseWebsiteConfig(parseXmlBody(text, "WebsiteConfiguration"));
}

/** The configuration as the elements of a WebsiteConfiguration. */
export function websiteElements(cfg: WebsiteConfig): XmlElements {
  if (cfg.redirectAllRequestsTo) {
    const { hostName, protocol } = cfg.redirectAllRequestsTo;
    return {
      RedirectAllRequestsTo: { HostName: hostName, Protocol: protocol },
    };
  }
  return {
    IndexDocument: { Suffix: cfg.indexDocument },
    ErrorDocument: cfg.errorDocument === null ? undefined : { Key: cfg.errorDocument },
    RoutingRules: cfg.routingRules
      ? {
        RoutingRule: cfg.routingRules.map((r) => ({
          Condition: r.condition
            ? {
              KeyPrefixEquals: r.condition.keyPrefixEquals,
              HttpErrorCodeReturnedEquals: r.condition.httpErrorCodeReturnedEquals,
            }
            : undefined,
          Redirect: {
            HostName: r.redirect.hostName,
            HttpRedirectCode: r.redirect.httpRedirectCode,
            Protocol: r.redirect.protocol,
            ReplaceKeyPrefixWith: r.redirect.replaceKeyPrefixWith,
            ReplaceKeyWith: r.redirect.replaceKeyWith,
          },
        })),
      }
      : undefined,
  };
}

/** The configuration as a WebsiteConfiguration document. */
export function websiteDocument(cfg: WebsiteConfig): string {
  return xmlDocument("WebsiteConfiguration", websiteElements(cfg));
}
