// Unit tests of the emulator's building blocks: the §3.3 signature test vectors, timestamp parsing,
// nonce retention and identity validation.
import { test } from "../../src/sdk/testing/suite.js";
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
import { RPC_V1_VECTORS } from "../fixtures/rpc-v1-vectors.js";

test("every §3.3 vector: string to sign and signature", () => {
  for (const v of RPC_V1_VECTORS) {
    if (v.stringToSign) assert.is(stringToSign(v.method, v.params), v.stringToSign, v.name);
    if (v.stringToSignContains) assert.ok(stringToSign(v.method, v.params).includes(v.stringToSignContains), v.name);
    assert.is(signRpcParams(v.method, v.params, v.secret), v.signature, v.name);
    // Signature itself is never part of what is signed.
    assert.is(signRpcParams(v.method, { ...v.params, Signature: "whatever" }, v.secret), v.signature, v.name);
  }
  // The method is signed: the same parameters under POST give a different signature.
  const get = RPC_V1_VECTORS.find((v) => v.method === "GET")!;
  assert.is.not(signRpcParams("POST", get.params, get.secret), get.signature);
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
