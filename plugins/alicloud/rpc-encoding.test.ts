import { createRequire } from "node:module";
import { randomBytes, randomInt } from "node:crypto";
import { test } from "warden/sdk/testing/suite";
import { RPC_V1_VECTORS } from "../../test/fixtures/rpc-v1-vectors.js";
import * as assert from "uvu/assert";
import { canonicalQuery, encodeQuery, percentEncode, signRpc, stringToSign } from "./rpc-encoding.js";

const require = createRequire(import.meta.url);
const OpenApiUtil = require("@alicloud/openapi-util").default as {
  getRPCSignature(params: Record<string, string>, method: string, secret: string): string;
};

test("percentEncode: RFC 3986 unreserved set only, space as %20, !'()* escaped", () => {
  assert.is(percentEncode("AZaz09-_.~"), "AZaz09-_.~");
  assert.is(percentEncode("a b"), "a%20b");
  assert.is(percentEncode("!'()*"), "%21%27%28%29%2A");
  assert.is(percentEncode("+/="), "%2B%2F%3D");
  assert.is(percentEncode("2016-02-23T12:46:24Z"), "2016-02-23T12%3A46%3A24Z");
  assert.is(percentEncode("é"), "%C3%A9");
});

test("every §3.3 vector: string to sign and signature", () => {
  for (const v of RPC_V1_VECTORS) {
    if (v.stringToSign) assert.is(stringToSign(v.method, v.params), v.stringToSign, v.name);
    if (v.stringToSignContains) assert.ok(stringToSign(v.method, v.params).includes(v.stringToSignContains), v.name);
    assert.is(signRpc(v.method, v.params, v.secret), v.signature, v.name);
  }
});

test("canonicalQuery leaves Signature out; encodeQuery keeps it, sorted", () => {
  const p = { b: "2", Signature: "x=", a: "1 " };
  assert.is(canonicalQuery(p), "a=1%20&b=2");
  assert.is(encodeQuery(p), "Signature=x%3D&a=1%20&b=2");
  // A signature must not depend on whether the Signature parameter is present.
  assert.is(signRpc("GET", p, "s"), signRpc("GET", { a: "1 ", b: "2" }, "s"));
});

const ALPHABET = "abcXYZ019 -_.~!'()*+/=&%?#:é中😀\u0000";
function randomString(max: number): string {
  let s = "";
  const n = randomInt(0, max);
  for (let i = 0; i < n; i++) s += [...ALPHABET][randomInt(0, [...ALPHABET].length)];
  return s;
}

test("signatures equal openapi-util getRPCSignature for 300 random parameter sets", () => {
  for (let i = 0; i < 300; i++) {
    const params: Record<string, string> = {};
    const count = randomInt(1, 12);
    for (let j = 0; j < count; j++) params[randomString(10) || `k${j}`] = randomString(30);
    const secret = randomBytes(randomInt(1, 30)).toString("base64");
    const method = i % 2 === 0 ? "POST" : "GET";
    assert.is(signRpc(method, params, secret), OpenApiUtil.getRPCSignature(params, method, secret), JSON.stringify(params));
  }
});

test.run();
