import { test } from "warden/sdk/testing/suite";
import * as assert from "uvu/assert";
import { parseAuthorization, parseKeyId } from "./authorization.js";

const T = "ocid1.tenancy.oc1..aaaaaaaatenancy";
const U = "ocid1.user.oc1..aaaaaaaauser";
const FP = "20:3b:97:13:55:1c:5b:0d:d3:37:d8:50:4e:c5:3a:34";
const SIG = "c2lnbmF0dXJl";
const header = (params: string) => `Signature ${params}`;
const TS = `version="1",keyId="${T}/${U}/${FP}",algorithm="rsa-sha256",headers="x-date (request-target) host",signature="${SIG}"`;
const GO = `version="1",headers="date (request-target) host",keyId="${T}/${U}/${FP}",algorithm="rsa-sha256",signature="${SIG}"`;
const VAULT_DOCS = `algorithm="rsa-sha256",headers="date (request-target) host",keyId="${T}/${U}/${FP}",signature="${SIG}",version="1"`;

test("the TS SDK, Go SDK and Vault docs parameter orders all parse", () => {
  for (const p of [TS, GO, VAULT_DOCS]) {
    const r = parseAuthorization(header(p));
    assert.type(r, "object", p);
    if (typeof r === "string") return;
    assert.equal(r.keyId, { tenancy: T, principal: U, fingerprint: FP });
    assert.is(r.signature, SIG);
  }
});

test("header names are lower-cased (the TS SDK writes Content-Type Content-Length)", () => {
  const r = parseAuthorization(header(TS.replace("x-date (request-target) host", "x-date (request-target) host Content-Type Content-Length x-content-sha256")));
  assert.ok(typeof r !== "string" && r.headers.includes("content-type"));
});

test("version is optional, but only 1", () => {
  assert.type(parseAuthorization(header(TS.replace('version="1",', ""))), "object");
  assert.type(parseAuthorization(header(TS.replace('version="1"', 'version="2"'))), "string");
});

test("refused shapes", () => {
  const bad: Record<string, string> = {
    "other scheme": `Bearer x`,
    "duplicate param": header(`${TS},keyId="${T}/${U}/${FP}"`),
    "duplicate param, other case": header(`${TS},KEYID="${T}/${U}/${FP}"`),
    "decoy param": header(`notKeyId="${T}/${U}/${FP}",${TS}`),
    "unquoted value": header(TS.replace('version="1"', "version=1")),
    "trailing comma": header(`${TS},`),
    "garbage item": header(`${TS},junk`),
    "algorithm missing": header(TS.replace('algorithm="rsa-sha256",', "")),
    "rsa-pss": header(TS.replace("rsa-sha256", "rsa-pss-sha256")),
    "signature missing": header(TS.replace(`,signature="${SIG}"`, "")),
    "headers missing": header(TS.replace(/,headers="[^"]+"/, "")),
    "double space in headers": header(TS.replace("x-date (request", "x-date  (request")),
    "repeated header name": header(TS.replace("host\"", "host host\"")),
    "url-safe base64": header(TS.replace(SIG, "c2ln_-==")),
    "unpadded base64": header(TS.replace(SIG, "c2lnbmF0dXJlX")),
  };
  for (const [why, h] of Object.entries(bad)) assert.type(parseAuthorization(h), "string", why);
});

test("keyId: three parts, tenancy and user OCIDs, colon-hex fingerprint; ST$ only for well-formed instance tokens", () => {
  assert.type(parseKeyId(`${T}/${U}/${FP}`), "object");
  assert.type(parseKeyId(`${T}/ocid1.instance.oc1.iad.aaaa1/${FP}`), "object");
  for (const k of [`${T}/${U}`, `${T}/${U}/${FP}/x`, `${U}/${U}/${FP}`, `${T}/${T}/${FP}`, `${T}/${U}/${FP.toUpperCase()}`, `${T}/${U}/20:3b`, "ST$eyJhbGciOiJSUzI1NiJ9.e30.sig", `${T}//${FP}`]) {
    assert.type(parseKeyId(k), "string", k);
  }
  const jwt = (claims: object) => `ST$eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.c2ln`;
  const inst = "ocid1.instance.oc1.iad.aaaa1";
  assert.equal(parseKeyId(jwt({ sub: inst, ptype: "instance", "opc-tenant": T, exp: 2000000000 })), { tenancy: T, principal: inst, fingerprint: "", session: { expiresAt: 2000000000 } });
  assert.equal(parseKeyId(jwt({ sub: inst, ptype: "instance", tenant: T, exp: 1 })), { tenancy: T, principal: inst, fingerprint: "", session: { expiresAt: 1 } });
  for (const c of [{ sub: inst, ptype: "resource", "opc-tenant": T, exp: 1 }, { sub: U, ptype: "instance", "opc-tenant": T, exp: 1 }, { sub: inst, ptype: "instance", "opc-tenant": U, exp: 1 }, { sub: inst, ptype: "instance", "opc-tenant": T }, [1]]) {
    assert.type(parseKeyId(jwt(c)), "string", JSON.stringify(c));
  }
  assert.type(parseKeyId(`ST$${"a".repeat(8000)}.b.c`), "string");
});

test.run();
