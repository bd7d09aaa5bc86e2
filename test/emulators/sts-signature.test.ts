// Unit tests of the emulator's building blocks: the §3.3 signature test vectors, timestamp parsing,
// nonce retention and identity validation.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { NonceCache } from "../../src/emulators/sts/nonce-cache.js";
import { validateIdentity } from "../../src/emulators/sts/identity.js";
import {
  canonicalQueryString,
  constantTimeEqual,
  isWellFormedSignature,
  percentEncode,
  signRpcParams,
  stringToSign,
} from "../../src/emulators/sts/signature.js";
import { parseRpcTimestamp } from "../../src/emulators/sts/timestamp.js";
import { OpenApiUtil, ROLE, USER } from "./sts-helpers.js";

test("§3.3 vector: Alibaba doc DescribeRegions (GET) string-to-sign and signature", () => {
  const params = {
    AccessKeyId: "testid",
    Action: "DescribeRegions",
    Format: "XML",
    SignatureMethod: "HMAC-SHA1",
    SignatureNonce: "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
    SignatureVersion: "1.0",
    Timestamp: "2016-02-23T12:46:24Z",
    Version: "2014-05-26",
  };
  assert.is(
    stringToSign("GET", params),
    "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26",
  );
  assert.is(signRpcParams("GET", params, "testsecret"), "OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
  // Signature itself is never part of what is signed.
  assert.is(signRpcParams("GET", { ...params, Signature: "whatever" }, "testsecret"), "OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
});

test("§3.3 vectors: Go SDK unit test (empty values, spaces), with and without SecurityToken", () => {
  const params = {
    AccessKeyId: "accessKeyId",
    Action: "",
    Format: "JSON",
    RegionId: "regionId",
    SignatureMethod: "HMAC-SHA1",
    SignatureNonce: "MOCK_UUID",
    SignatureType: "",
    SignatureVersion: "1.0",
    Timestamp: "mock date",
    Version: "",
  };
  assert.is(signRpcParams("GET", params, "accessKeySecret"), "7loPmFjvDnzOVnQeQNj85S6nFGY=");
  assert.ok(stringToSign("GET", params).includes("Timestamp%3Dmock%2520date"));
  assert.is(signRpcParams("GET", { ...params, SecurityToken: "accessKeyStsToken" }, "accessKeySecret"), "5Nxdcler+ihqWqv0Hr2On4PsBf4=");
});

test("§3.3 vector: openapi-util unit test (empty method)", () => {
  assert.is(signRpcParams("", { test: "ok" }, "accessKeySecret"), "jHx/oHoHNrbVfhncHEvPdHXZwHU=");
});

test("§3.3 vectors: GetCallerIdentity, Vault-CLI POST shape and GET with SecurityToken", () => {
  const vault = {
    AccessKeyId: "testid",
    Action: "GetCallerIdentity",
    Format: "JSON",
    RegionId: "cn-hangzhou",
    SignatureMethod: "HMAC-SHA1",
    SignatureNonce: "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
    SignatureType: "",
    SignatureVersion: "1.0",
    Timestamp: "2016-02-23T12:46:24Z",
    Version: "2015-04-01",
  };
  assert.is(signRpcParams("POST", vault, "testsecret"), "kKITFaYZKYNyvlS5Xlycw0OeLVc=");
  const { SignatureType: _omit, ...rest } = vault;
  const withToken = { ...rest, SecurityToken: "CAIS+ab/cd==" };
  assert.ok(stringToSign("GET", withToken).includes("SecurityToken%3DCAIS%252Bab%252Fcd%253D%253D"));
  assert.is(signRpcParams("GET", withToken, "testsecret"), "DpHCttjmF5lglgMy0vDvZoD2ga8=");
  // The method is signed: the same parameters under POST give a different signature.
  assert.is.not(signRpcParams("POST", withToken, "testsecret"), "DpHCttjmF5lglgMy0vDvZoD2ga8=");
});

test("percentEncode: RFC 3986 over UTF-8, %20 for space, !'()* escaped, ~ kept", () => {
  assert.is(percentEncode("a b"), "a%20b");
  assert.is(percentEncode("!'()*"), "%21%27%28%29%2A");
  assert.is(percentEncode("-_.~"), "-_.~");
  assert.is(percentEncode("+/=:&"), "%2B%2F%3D%3A%26");
  assert.is(percentEncode("é€"), "%C3%A9%E2%82%AC");
});

test("canonical order is byte order (upper-case before lower-case)", () => {
  assert.is(canonicalQueryString({ b: "1", B: "2", a: "3", Signature: "x" }), "B=2&a=3&b=1");
});

test("our signer agrees with the official openapi-util signer on awkward values", () => {
  const awkward = ["a b", "x*y~z", "!'()", "plus+slash/eq=", "ünïcødé €", "", "semi;colon&amp", "%41"];
  for (const method of ["GET", "POST"]) {
    for (const v of awkward) {
      const params = { Action: "GetCallerIdentity", Weird: v, "Key With Space": v, SignatureNonce: `n-${v}` };
      assert.is(signRpcParams(method, params, "s3cr&t"), OpenApiUtil.getRPCSignature(params, method, "s3cr&t"), `${method} ${v}`);
    }
  }
});

test("signature syntax and constant-time comparison", () => {
  assert.ok(isWellFormedSignature("OLeaidS1JvxuMvnyHOwuJ+uX5qY="));
  assert.not.ok(isWellFormedSignature(""));
  assert.not.ok(isWellFormedSignature("OLeaidS1JvxuMvnyHOwuJ+uX5qY"));
  assert.not.ok(isWellFormedSignature("OLeaidS1JvxuMvnyHOwuJ+uX5qY=="));
  assert.not.ok(isWellFormedSignature("OLeaidS1JvxuMvnyHOwuJ-uX5qY="));
  assert.ok(constantTimeEqual("abc", "abc"));
  assert.not.ok(constantTimeEqual("abc", "abd"));
  assert.not.ok(constantTimeEqual("abc", "abcd"));
});

test("timestamps: SDK format and milliseconds accepted, anything else rejected", () => {
  assert.is(parseRpcTimestamp("2016-02-23T12:46:24Z"), Date.UTC(2016, 1, 23, 12, 46, 24));
  assert.is(parseRpcTimestamp("2016-02-23T12:46:24.5Z"), Date.UTC(2016, 1, 23, 12, 46, 24, 500));
  assert.is(parseRpcTimestamp("2016-02-23T12:46:24.123Z"), Date.UTC(2016, 1, 23, 12, 46, 24, 123));
  for (const bad of [
    "2016-02-23 12:46:24Z",
    "2016-02-23T12:46:24",
    "2016-02-23T12:46:24+08:00",
    "2016-02-30T12:46:24Z",
    "2016-02-23T24:00:00Z",
    "2016-02-23T12:60:00Z",
    "2016-2-23T12:46:24Z",
    "2016-02-23T12:46:24.1234Z",
    "1456231584",
    "",
  ]) {
    assert.is(parseRpcTimestamp(bad), null, bad);
  }
});

test("nonce cache: per key, expires after retention, and pruning frees memory", () => {
  let now = 1_000_000;
  const cache = new NonceCache(10_000, () => now);
  assert.ok(cache.claim("AK1", "n1"));
  assert.not.ok(cache.claim("AK1", "n1"));
  assert.ok(cache.claim("AK2", "n1"), "nonces are scoped to the AccessKeyId");
  now += 5_000;
  assert.not.ok(cache.claim("AK1", "n1"), "still inside retention");
  assert.ok(cache.claim("AK1", "n2"));
  assert.is(cache.size, 3);
  now += 5_001; // n1 entries expired, n2 not yet
  assert.ok(cache.claim("AK1", "n1"), "reusable once a request carrying it could no longer pass the timestamp check");
  assert.is(cache.size, 2, "expired AK2/n1 pruned; AK1 holds n1 (re-claimed) and n2");
});

test("identity validation rejects fixtures real STS could not produce", () => {
  validateIdentity(ROLE);
  validateIdentity(USER);
  assert.throws(() => validateIdentity({ ...ROLE, securityToken: undefined }), /securityToken/);
  assert.throws(() => validateIdentity({ ...ROLE, accountId: "123" }), /16 digits/);
  assert.throws(() => validateIdentity({ ...ROLE, roleId: undefined }), /roleName, roleId and sessionName/);
  assert.throws(() => validateIdentity({ ...USER, userId: undefined }), /userName and userId/);
});

test.run();
