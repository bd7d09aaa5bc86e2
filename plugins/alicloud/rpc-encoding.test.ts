import { createRequire } from "node:module";
import { randomBytes, randomInt } from "node:crypto";
import { test } from "uvu";
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

test("Alibaba doc vector: DescribeRegions GET", () => {
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
  assert.is(signRpc("GET", params, "testsecret"), "OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
});

test("Go SDK vectors: empty values and spaces, with and without SecurityToken", () => {
  const params: Record<string, string> = {
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
  assert.ok(stringToSign("GET", params).includes("mock%2520date"));
  assert.is(signRpc("GET", params, "accessKeySecret"), "7loPmFjvDnzOVnQeQNj85S6nFGY=");
  assert.is(signRpc("GET", { ...params, SecurityToken: "accessKeyStsToken" }, "accessKeySecret"), "5Nxdcler+ihqWqv0Hr2On4PsBf4=");
});

test("openapi-util vector: empty method", () => {
  assert.is(signRpc("", { test: "ok" }, "accessKeySecret"), "jHx/oHoHNrbVfhncHEvPdHXZwHU=");
});

test("GetCallerIdentity vectors: Vault CLI shape (POST) and STS-token GET", () => {
  const base = {
    AccessKeyId: "testid",
    Action: "GetCallerIdentity",
    Format: "JSON",
    RegionId: "cn-hangzhou",
    SignatureMethod: "HMAC-SHA1",
    SignatureNonce: "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
    SignatureVersion: "1.0",
    Timestamp: "2016-02-23T12:46:24Z",
    Version: "2015-04-01",
  };
  assert.is(signRpc("POST", { ...base, SignatureType: "" }, "testsecret"), "kKITFaYZKYNyvlS5Xlycw0OeLVc=");
  const withToken = { ...base, SecurityToken: "CAIS+ab/cd==" };
  assert.ok(stringToSign("GET", withToken).includes("SecurityToken%3DCAIS%252Bab%252Fcd%253D%253D"));
  assert.is(signRpc("GET", withToken, "testsecret"), "DpHCttjmF5lglgMy0vDvZoD2ga8=");
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
