import { assertEquals } from "../../../tests/assert.ts";
import {
  redirectAll,
  redirectOf,
  ruleBeforeLookup,
  ruleOnError,
  type WebsiteConfig,
} from "./website.ts";

const cfg: WebsiteConfig = {
  indexDocument: "index.html",
  errorDocument: null,
  routingRules: [
    { condition: { keyPrefixEquals: "docs/" }, redirect: { replaceKeyPrefixWith: "manual/" } },
    {
      condition: { httpErrorCodeReturnedEquals: 404 },
      redirect: { hostName: "old.example.org", httpRedirectCode: 302 },
    },
    { redirect: { protocol: "https" } },
  ],
};

Deno.test("the first rule without an error condition applies before the lookup", () => {
  assertEquals(ruleBeforeLookup(cfg, "docs/a.html"), cfg.routingRules![0]);
  assertEquals(ruleBeforeLookup(cfg, "blog/a.html"), cfg.routingRules![2], "no condition");
  assertEquals(ruleBeforeLookup({ ...cfg, routingRules: undefined }, "x"), undefined);
});

Deno.test("error rules apply only to their status", () => {
  assertEquals(ruleOnError(cfg, "x", 404), cfg.routingRules![1]);
  assertEquals(ruleOnError(cfg, "x", 403), undefined);
});

Deno.test("redirects replace the matched prefix or the key, and keep the site when they can", () => {
  assertEquals(redirectOf(cfg.routingRules![0], "docs/a b.html", "site.test"), {
    status: 301,
    location: "/manual/a%20b.html",
  });
  assertEquals(redirectOf(cfg.routingRules![1], "x/y", "site.test"), {
    status: 302,
    location: "http://old.example.org/x/y",
  });
  assertEquals(redirectOf(cfg.routingRules![2], "a", "site.test:8080"), {
    status: 301,
    location: "https://site.test:8080/a",
  });
  assertEquals(
    redirectOf({ redirect: { replaceKeyWith: "gone.html" } }, "anything", "h").location,
    "/gone.html",
  );
});

Deno.test("a site redirecting everything keeps path and query", () => {
  const all: WebsiteConfig = {
    indexDocument: "",
    errorDocument: null,
    redirectAllRequestsTo: { hostName: "example.org", protocol: "https" },
  };
  assertEquals(redirectAll(all, "/a/b?c=d"), {
    status: 301,
    location: "https://example.org/a/b?c=d",
  });
  assertEquals(redirectAll(cfg, "/"), undefined);
});
