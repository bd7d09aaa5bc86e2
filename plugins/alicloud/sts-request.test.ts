import { test } from "warden/sdk/testing/suite";
import * as assert from "uvu/assert";
import { WardenError } from "warden/sdk";
import { alicloudLoginData } from "./cli.js";
import { encodeQuery, signRpc } from "./rpc-encoding.js";
import { parseIdentityRequestUrl, rebuildStsRequest, splitQuery } from "./sts-request.js";

const NOW = new Date("2026-03-01T10:00:00Z");
const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");

function params(over: Record<string, string | undefined> = {}): Record<string, string> {
  const p: Record<string, string | undefined> = {
    AccessKeyId: "LTAI5tTestKey",
    Action: "GetCallerIdentity",
    Format: "JSON",
    RegionId: "cn-hangzhou",
    SignatureMethod: "HMAC-SHA1",
    SignatureNonce: "0123456789abcdef0123456789abcdef",
    SignatureType: "",
    SignatureVersion: "1.0",
    Timestamp: "2026-03-01T10:00:00Z",
    Version: "2015-04-01",
    ...over,
  };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(p)) if (v !== undefined) out[k] = v;
  if (!("Signature" in over)) out.Signature = signRpc("POST", out, "secret");
  return out;
}
const query = (over: Record<string, string | undefined> = {}): string => encodeQuery(params(over));
const goodUrl = (host = "sts.cn-hangzhou.aliyuncs.com", q = query()): string => `https://${host}/?${q}`;

function rejects(raw: string, why: string): void {
  try {
    const v = parseIdentityRequestUrl(b64(raw), NOW);
    assert.unreachable(`${why}: accepted, would rebuild ${rebuildStsRequest(v, { method: "POST", userAgent: "t" }).url}`);
  } catch (e) {
    if (!(e instanceof WardenError)) throw e;
    assert.is(e.status, 400, why);
    // No secret-bearing part of the input in the message.
    assert.not.ok(e.message.includes("LTAI5tTestKey") || e.message.includes("0123456789abcdef"), why);
  }
}

test("accepts the Vault CLI shape and rebuilds it byte-for-byte equivalent", () => {
  const v = parseIdentityRequestUrl(b64(goodUrl()), NOW);
  assert.is(v.host, "sts.cn-hangzhou.aliyuncs.com");
  assert.is(v.region, "cn-hangzhou");
  assert.is(v.accessKeyId, "LTAI5tTestKey");
  const out = rebuildStsRequest(v, { method: "POST", userAgent: "ua" });
  assert.is(out.url, goodUrl());
  assert.equal(out.headers, { accept: "application/json", "user-agent": "ua" });
  assert.is(out.method, "POST");
  assert.is(out.body, undefined);
  const viaEndpoint = rebuildStsRequest(v, { method: "GET", endpoint: "http://127.0.0.1:9", userAgent: "ua" });
  assert.is(viaEndpoint.url, `http://127.0.0.1:9/?${query()}`);
});

test("accepts the global and VPC hosts, lower-case json, STS tokens, Go-style '+' spaces", () => {
  parseIdentityRequestUrl(b64(goodUrl("sts.aliyuncs.com", query({ RegionId: "cn-wuhan" }))), NOW);
  parseIdentityRequestUrl(b64(goodUrl("sts-vpc.ap-southeast-1.aliyuncs.com", query({ RegionId: undefined }))), NOW);
  parseIdentityRequestUrl(b64(goodUrl(undefined, query({ Format: "json" }))), NOW);
  const v = parseIdentityRequestUrl(b64(goodUrl(undefined, query({ AccessKeyId: "STS.NUabc", SecurityToken: "CAIS+ab/cd==" }))), NOW);
  assert.is(v.params.SecurityToken, "CAIS+ab/cd==");
  assert.equal(splitQuery("Timestamp=a+b%2B"), Object.assign(Object.create(null), { Timestamp: "a b+" }));
});

test("the CLI's own payload validates", () => {
  const d = alicloudLoginData({ role: "r", region: "eu-central-1", accessKey: "AK", secretKey: "SK", now: NOW });
  const v = parseIdentityRequestUrl(d.identity_request_url, NOW);
  assert.is(v.host, "sts.eu-central-1.aliyuncs.com");
  assert.is(v.params.Signature, signRpc("POST", v.params, "SK"));
  const raw = Buffer.from(d.identity_request_url, "base64").toString();
  // Go SDK shape: every parameter in the sorted query, RegionId and an empty SignatureType included.
  assert.is(raw, `https://sts.eu-central-1.aliyuncs.com/?${encodeQuery(v.params)}`);
  assert.ok(raw.includes("&SignatureType=&") && raw.includes("RegionId=eu-central-1") && raw.includes("Timestamp=2026-03-01T10%3A00%3A00Z"));
  assert.equal(JSON.parse(Buffer.from(d.identity_request_headers, "base64").toString())["Content-Type"], ["application/x-www-form-urlencoded"]);
  assert.equal(JSON.parse(Buffer.from(d.identity_request_headers, "base64").toString())["x-acs-action"], ["GetCallerIdentity"]);
  assert.is(d.role, "r");
  assert.throws(() => alicloudLoginData({ role: "r", region: "oss-cn-hangzhou", accessKey: "AK", secretKey: "SK" }));
});

const q = query();
const URL_CORPUS: Array<[string, string]> = [
  [`https://sts.cn-hangzhou.aliyuncs.com@evil.com/?${q}`, "userinfo"],
  [`https://user:pw@sts.cn-hangzhou.aliyuncs.com/?${q}`, "userinfo on the right host"],
  [`https://evil.com\\@sts.cn-hangzhou.aliyuncs.com/?${q}`, "backslash"],
  [`https://sts.cn-hangzhou.aliyuncs.com%2eevil.com/?${q}`, "%2e in host"],
  [`https://sts.cn-hangzhou.aliyuncs.com\t.evil.com/?${q}`, "tab in host"],
  [`https://sts.cn-hangzhou.aliyuncs.com\n/?${q}`, "newline"],
  [`https://ｓｔｓ.cn-hangzhou.aliyuncs.com/?${q}`, "fullwidth"],
  [`https://sts.cn-hangzhou.aliyuncs.cоm/?${q}`, "cyrillic o"],
  [`https://xn--sts-aliyuncs-com/?${q}`, "punycode"],
  [`https://127.0.0.1/?${q}`, "IPv4 literal"],
  [`https://0x7f000001/?${q}`, "hex IP"],
  [`https://2130706433/?${q}`, "decimal IP"],
  [`https://[::ffff:100.100.100.200]/?${q}`, "mapped metadata IP"],
  [`https://100.100.100.200/?${q}`, "metadata IP"],
  [`https://sts.cn-hangzhou.aliyuncs.com:443/?${q}`, "explicit 443"],
  [`https://sts.cn-hangzhou.aliyuncs.com:8443/?${q}`, "port"],
  [`http://sts.cn-hangzhou.aliyuncs.com/?${q}`, "http"],
  [`HTTPS://sts.cn-hangzhou.aliyuncs.com/?${q}`, "upper-case scheme"],
  [`https:sts.cn-hangzhou.aliyuncs.com/?${q}`, "no slashes"],
  [`https:/sts.cn-hangzhou.aliyuncs.com/?${q}`, "one slash"],
  [` https://sts.cn-hangzhou.aliyuncs.com/?${q}`, "leading space"],
  [`file:///etc/passwd?${q}`, "file scheme"],
  [`https://sts.cn-hangzhou.aliyuncs.com./?${q}`, "trailing dot"],
  [`https://STS.cn-hangzhou.aliyuncs.com/?${q}`, "upper-case host"],
  [`https://sts.oss-cn-hangzhou.aliyuncs.com/?${query({ RegionId: "oss-cn-hangzhou" })}`, "oss virtual host as region"],
  [`https://sts.oss-cn-hangzhou.aliyuncs.com/?${query({ RegionId: undefined })}`, "oss virtual host, no RegionId"],
  [`https://bucket.oss-cn-hangzhou.aliyuncs.com/?${q}`, "bucket host"],
  [`https://sts.cn-hangzhou.aliyuncs.com.evil.com/?${q}`, "suffix"],
  [`https://evilsts.cn-hangzhou.aliyuncs.com/?${q}`, "prefix"],
  [`https://ecs.cn-hangzhou.aliyuncs.com/?${q}`, "other service"],
  [`https://sts.cn-hangzhou.aliyuncs.com/x?${q}`, "path"],
  [`https://sts.cn-hangzhou.aliyuncs.com//?${q}`, "double slash"],
  [`https://sts.cn-hangzhou.aliyuncs.com/%2e/?${q}`, "dot segment"],
  [`https://sts.cn-hangzhou.aliyuncs.com?${q}`, "no path"],
  [`https://sts.cn-hangzhou.aliyuncs.com/`, "no query"],
  [`https://sts.cn-hangzhou.aliyuncs.com/?${q}#frag`, "fragment"],
  [`https://sts.cn-beijing.aliyuncs.com/?${q}`, "RegionId differs from host"],
  [`https://sts.cn-hangzhou.aliyuncs.com/?${q}&Action=AssumeRole`, "duplicate Action"],
  [`https://sts.cn-hangzhou.aliyuncs.com/?${q}&Signature=AAAAAAAAAAAAAAAAAAAAAAAAAAA%3D`, "duplicated Signature"],
  [`https://sts.cn-hangzhou.aliyuncs.com/?${q}&Extra=1`, "extra param"],
  [`https://sts.cn-hangzhou.aliyuncs.com/?${q}&=1`, "empty key"],
  [`https://sts.cn-hangzhou.aliyuncs.com/?${q}&&`, "empty piece"],
  [`https://sts.cn-hangzhou.aliyuncs.com/?${q}&Foo`, "key without value"],
  [`https://sts.cn-hangzhou.aliyuncs.com/?${q}&%41ction=x`, "percent-encoded duplicate key"],
  [`https://sts.cn-hangzhou.aliyuncs.com/?${q}&RegionId%00=x`, "NUL in key"],
  [`https://sts.cn-hangzhou.aliyuncs.com/?${q.replace("Version=2015-04-01", "Version=%zz")}`, "bad percent"],
  [goodUrl(undefined, query({ Action: "getcalleridentity" })), "wrong-case action"],
  [goodUrl(undefined, query({ Action: "AssumeRole" })), "other action"],
  [goodUrl(undefined, query({ Action: undefined })), "no action"],
  [goodUrl(undefined, query({ Format: "XML" })), "Format=XML"],
  [goodUrl(undefined, query({ Format: undefined })), "no Format (STS default XML)"],
  [goodUrl(undefined, query({ Version: "2019-01-01" })), "version"],
  [goodUrl(undefined, query({ SignatureMethod: "HMAC-SHA256" })), "signature method"],
  [goodUrl(undefined, query({ SignatureVersion: "2.0" })), "signature version"],
  [goodUrl(undefined, query({ SignatureType: "BEARERTOKEN" })), "bearer token"],
  [goodUrl(undefined, query({ Signature: "not-base64!" })), "malformed signature"],
  [goodUrl(undefined, query({ Signature: undefined })), "unsigned"],
  [goodUrl(undefined, query({ SignatureNonce: "a b" })), "nonce with space"],
  [goodUrl(undefined, query({ SignatureNonce: "x/../y" })), "nonce with slash"],
  [goodUrl(undefined, query({ AccessKeyId: "a/b" })), "key id with slash"],
  [goodUrl(undefined, query({ RegionId: "evil" })), "bad RegionId"],
  [goodUrl(undefined, query({ Timestamp: "2026-03-01T09:44:59Z" })), "old timestamp"],
  [goodUrl(undefined, query({ Timestamp: "2026-03-01T10:15:01Z" })), "future timestamp"],
  [goodUrl(undefined, query({ Timestamp: "2026-02-30T10:00:00Z" })), "impossible date"],
  [goodUrl(undefined, query({ Timestamp: "2026-02-29T10:00:00Z" })), "no leap day in 2026 (Date.parse reads it as NOW)"],
  [goodUrl(undefined, query({ Timestamp: "2026-03-01 10:00:00" })), "not ISO"],
  [goodUrl(undefined, query({ Timestamp: "2026-03-01T10:00:00+00:00" })), "offset not Z"],
];

test("adversarial URL corpus: every entry is a 400, never a rebuilt request", () => {
  for (const [raw, why] of URL_CORPUS) rejects(raw, why);
});

test("timestamp window edges are inclusive at exactly 15 minutes", () => {
  parseIdentityRequestUrl(b64(goodUrl(undefined, query({ Timestamp: "2026-03-01T09:45:00Z" }))), NOW);
  parseIdentityRequestUrl(b64(goodUrl(undefined, query({ Timestamp: "2026-03-01T10:15:00Z" }))), NOW);
  parseIdentityRequestUrl(b64(goodUrl(undefined, query({ Timestamp: "2026-03-01T10:00:00.123Z" }))), NOW);
});

test("the calendar is checked, not rolled over: a leap day is a date, 24:00 and second 60 are not", () => {
  parseIdentityRequestUrl(b64(goodUrl(undefined, query({ Timestamp: "2028-02-29T10:00:00Z" }))), new Date("2028-02-29T10:00:00Z"));
  const midnight = new Date("2026-03-02T00:00:00Z");
  for (const ts of ["2026-03-01T24:00:00Z", "2026-03-01T23:59:60Z"]) {
    assert.throws(
      () => parseIdentityRequestUrl(b64(goodUrl(undefined, query({ Timestamp: ts }))), midnight),
      (e: unknown) => e instanceof WardenError && e.status === 400 && /UTC ISO 8601/.test(e.message),
      ts,
    );
  }
});

test("identity_request_url must be strict standard base64", () => {
  const good = b64(goodUrl());
  for (const bad of ["", good.replace(/=+$/, ""), `${good}!!`, good.replace(/\+/g, "-").replace(/\//g, "_") + "-", ` ${good}`]) {
    if (bad === good) continue;
    assert.throws(() => parseIdentityRequestUrl(bad, NOW), (e: unknown) => e instanceof WardenError && e.status === 400);
  }
});

test.run();
