/**
 * Property-based fuzzing of bucket policies (server/model/buckets/policy*.ts) and the IP
 * ranges their conditions name: any JSON is parsed or refused with a PolicyError, never
 * another exception; a policy that parses evaluates without throwing; Deny always beats Allow;
 * and an address is in a range exactly when its leading bits are.
 */
import fc from "fast-check";
import { parsePolicy, PolicyError } from "../../server/model/buckets/policy.ts";
import { evaluate } from "../../server/model/buckets/policy_eval.ts";
import { inRange, parseIp, parseIpRange } from "../../server/model/buckets/ip_range.ts";
import { assertEquals } from "../assert.ts";
import { HOSTILE_NAMES, runs } from "./props.ts";

const scope = { bucketNames: ["photos"], keyExists: (id: string) => id === "GK1" };

const action = fc.constantFrom(
  "s3:GetObject",
  "s3:get*",
  "s3:*",
  "*",
  "s3:ListBucket",
  "s3:PutObject",
  "s3:Bogus",
  "iam:PassRole",
);
const resource = fc.constantFrom(
  "arn:aws:s3:::photos",
  "arn:aws:s3:::photos/*",
  "arn:aws:s3:::photos/public/*",
  "arn:aws:s3:::ph?tos/*",
  "arn:aws:s3:::other/*",
  "*",
  "photos",
);
const conditionKey = fc.constantFrom(
  ...HOSTILE_NAMES,
  "s3:x-amz-server-side-encryption-customer-algorithm",
  "s3:object-lock-retain-until-date",
  "aws:SourceIp",
  "aws:Referer",
  "s3:prefix",
  "aws:CurrentTime",
  "aws:SecureTransport",
  "s3:max-keys",
  "s3:ExistingObjectTag/team",
  "aws:Nope",
);
const operator = fc.constantFrom(
  ...HOSTILE_NAMES,
  "StringEquals",
  "StringNotLike",
  "IpAddress",
  "NotIpAddress",
  "DateGreaterThan",
  "Bool",
  "NumericLessThan",
  "Null",
  "StringEqualsIfExists",
  "ForAnyValue:StringLike",
  "Whatever",
);
const scalar = fc.oneof(
  fc.constantFrom("127.0.0.1/32", "::1", "2026-01-01T00:00:00Z", "true", "10", "a*", ""),
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.boolean(),
);
const statement = fc.record({
  Sid: fc.option(fc.string({ maxLength: 4 }), { nil: undefined }),
  Effect: fc.constantFrom("Allow", "Deny", "Maybe"),
  Principal: fc.constantFrom<unknown>("*", { AWS: "*" }, { AWS: ["GK1"] }, { AWS: "GK2" }, {
    Service: "x",
  }),
  Action: fc.oneof(action, fc.array(action, { maxLength: 3 })),
  Resource: fc.oneof(resource, fc.array(resource, { maxLength: 3 })),
  Condition: fc.option(
    fc.dictionary(operator, fc.dictionary(conditionKey, fc.oneof(scalar, fc.array(scalar))), {
      maxKeys: 2,
    }),
    { nil: undefined },
  ),
}, { requiredKeys: [] });
const document = fc.oneof(
  fc.record({
    Version: fc.constantFrom("2012-10-17", "2008-10-17", "2020"),
    Statement: fc.oneof(statement, fc.array(statement, { maxLength: 4 })),
  }, { requiredKeys: ["Statement"] }).map((d) => JSON.stringify(d)),
  fc.json(),
  fc.string(),
);

const request = fc.record({
  principal: fc.constantFrom(null, "GK1", "GK2"),
  action: fc.constantFrom("s3:getobject", "s3:listbucket", "s3:putobject", "s3:deleteobject"),
  key: fc.option(fc.constantFrom("public/a.jpg", "private/b", ""), { nil: undefined }),
  ip: fc.constantFrom("127.0.0.1", "10.1.2.3", "::1", undefined),
});

Deno.test("fuzz policy: any document parses or is refused with a PolicyError (3000 runs)", () => {
  fc.assert(
    fc.property(document, request, (text, r) => {
      let policy;
      try {
        policy = parsePolicy(text, scope);
      } catch (e) {
        if (!(e instanceof PolicyError)) throw e;
        return;
      }
      // A parsed policy reads back the same without a scope, and evaluates without throwing.
      assertEquals(parsePolicy(text), policy);
      const decision = evaluate(policy, {
        principal: r.principal,
        action: r.action,
        bucketNames: ["photos"],
        key: r.key,
        context: (k) => k === "aws:sourceip" ? r.ip : undefined,
      });
      assertEquals([undefined, "Allow", "Deny"].includes(decision), true);
    }),
    runs(3000),
  );
});

Deno.test("fuzz policy: a matching Deny wins over any Allow, in any order (500 runs)", () => {
  fc.assert(
    fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }), (denies) => {
      const statements = denies.map((deny) => ({
        Effect: deny ? "Deny" : "Allow",
        Principal: "*",
        Action: "s3:GetObject",
        Resource: "arn:aws:s3:::photos/*",
      }));
      const policy = parsePolicy(JSON.stringify({ Statement: statements }), scope);
      const decision = evaluate(policy, {
        principal: null,
        action: "s3:getobject",
        bucketNames: ["photos"],
        key: "k",
        context: () => undefined,
      });
      assertEquals(decision, denies.includes(true) ? "Deny" : "Allow");
    }),
    runs(500),
  );
});

Deno.test("fuzz policy: an IPv4 address is in a range exactly when its leading bits match (2000 runs)", () => {
  const octets = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 });
  fc.assert(
    fc.property(octets, octets, fc.integer({ min: 0, max: 32 }), (a, b, bits) => {
      const ip = parseIp(a.join("."))!;
      const range = parseIpRange(`${b.join(".")}/${bits}`)!;
      const n = (o: number[]) => o.reduce((x, y) => x * 256 + y, 0);
      const mask = bits === 0 ? 0 : 2 ** 32 - 2 ** (32 - bits);
      const same = Math.floor(n(a) / 2 ** (32 - bits)) === Math.floor(n(b) / 2 ** (32 - bits));
      assertEquals(inRange(ip, range), same, `${a} in ${b}/${bits} (mask ${mask})`);
      // The same address written as IPv4-mapped IPv6 is the same address.
      assertEquals(inRange(parseIp(`::ffff:${a.join(".")}`)!, range), same);
    }),
    runs(2000),
  );
});

Deno.test("fuzz policy: any text as an IP range parses or is refused, never throws (2000 runs)", () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[0-9a-f:./]{0,45}$/)), (s) => {
      const r = parseIpRange(s);
      if (r) assertEquals(r.bits <= (r.v6 ? 128 : 32), true);
    }),
    runs(2000),
  );
});
