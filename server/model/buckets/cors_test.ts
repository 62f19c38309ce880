import { assertEquals } from "../../../tests/assert.ts";
import {
  corsHeaders,
  type CorsRule,
  matchingRule,
  requestedHeaders,
  wildcardMatch,
} from "./cors.ts";

const app: CorsRule = {
  allowedOrigins: ["https://*.example.com"],
  allowedMethods: ["GET", "PUT"],
  allowedHeaders: ["Content-Type", "x-amz-*"],
  exposeHeaders: ["ETag"],
  maxAgeSeconds: 60,
};
const open: CorsRule = {
  allowedOrigins: ["*"],
  allowedMethods: ["GET"],
  allowedHeaders: [],
  exposeHeaders: [],
};

Deno.test("a wildcard stands for any run of characters, once", () => {
  assertEquals(wildcardMatch("https://*.example.com", "https://a.b.example.com"), true);
  assertEquals(wildcardMatch("https://*.example.com", "https://example.com"), false);
  assertEquals(wildcardMatch("*", ""), true);
  assertEquals(wildcardMatch("exact", "exact"), true);
  assertEquals(wildcardMatch("ab*ba", "aba"), false, "head and tail may not overlap");
});

Deno.test("the first rule allowing origin, method and every header matches", () => {
  const rules = [app, open];
  assertEquals(matchingRule(rules, "https://a.example.com", "PUT", ["content-type"]), app);
  assertEquals(matchingRule(rules, "https://a.example.org", "GET"), open);
  assertEquals(matchingRule(rules, "https://a.example.com", "PUT", ["authorization"]), undefined);
  assertEquals(matchingRule(rules, "https://a.example.org", "DELETE"), undefined);
  assertEquals(requestedHeaders(" Content-Type ,X-Amz-Date,"), ["content-type", "x-amz-date"]);
});

Deno.test("named origins are echoed with credentials; an open rule answers *", () => {
  assertEquals(corsHeaders(app, "https://a.example.com", { headers: ["x-amz-date"] }), {
    "access-control-allow-origin": "https://a.example.com",
    "access-control-allow-methods": "GET, PUT",
    "access-control-allow-credentials": "true",
    "access-control-allow-headers": "x-amz-date",
    "access-control-expose-headers": "ETag",
    "access-control-max-age": "60",
    vary: "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
  });
  assertEquals(corsHeaders(open, "https://x.org")["access-control-allow-origin"], "*");
  assertEquals(corsHeaders(open, "https://x.org")["access-control-allow-credentials"], undefined);
});
