import { test } from "uvu";
import * as assert from "uvu/assert";
import { createHmac, randomBytes } from "node:crypto";
import { auditCopy, CIRCULAR_MARKER, DEPTH_MARKER, hmacValue, isRfc3339, isSensitiveKey, MAX_AUDIT_DEPTH } from "../../src/core/audit/hash.js";

const key = randomBytes(32);
const h = (v: string) => "hmac-sha256:" + createHmac("sha256", key).update(v).digest("hex");
const hashed = (v: unknown) => auditCopy(v, { key }) as any;

test("hmacValue is hmac-sha256:<hex of HMAC-SHA256(key, value)>", () => {
  assert.is(hmacValue(key, "abc"), h("abc"));
  assert.match(hmacValue(key, ""), /^hmac-sha256:[0-9a-f]{64}$/);
  assert.is.not(hmacValue(randomBytes(32), "abc"), h("abc"));
});

test("RFC3339: Go's layout accepted, lookalikes refused", () => {
  for (const ok of ["2024-05-01T10:00:00Z", "2024-05-01T10:00:00.123456789Z", "2024-02-29T23:59:59+05:30", "2030-01-01T00:00:00.5-00:00"]) {
    assert.ok(isRfc3339(ok), ok);
  }
  for (const bad of [
    "2024-05-01", "2024-05-01 10:00:00Z", "2024-05-01T10:00:00", "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z",
    "2024-05-01T24:00:00Z", "2024-05-01T10:60:00Z", "2024-05-01T10:00:60Z", "2024-05-01T10:00:00+25:00",
    "2024-05-01t10:00:00z", "x2024-05-01T10:00:00Z", "2024-05-01T10:00:00Zsecret", "1714557600",
  ]) {
    assert.not.ok(isRfc3339(bad), bad);
  }
});

test("string leaves hashed; numbers, booleans, null and RFC3339 strings untouched", () => {
  const out = hashed({ s: "value", n: 42, f: 1.5, b: false, z: null, t: "2024-05-01T10:00:00Z", num_str: "12345", empty: "" });
  assert.equal({ ...out }, { s: h("value"), n: 42, f: 1.5, b: false, z: null, t: "2024-05-01T10:00:00Z", num_str: h("12345"), empty: h("") });
});

test("nested arrays and maps are hashed at every level", () => {
  const out = hashed({ a: ["x", ["y", { z: "w" }], 3], m: { k: { k2: "v" } } });
  assert.is(JSON.stringify(out), JSON.stringify({ a: [h("x"), [h("y"), { z: h("w") }], 3], m: { k: { k2: h("v") } } }));
  assert.not.ok(JSON.stringify(out).includes('"w"'));
});

test("keys carrying signed material: whole subtree hashed, numbers and date-like strings included", () => {
  const out = hashed({
    identity_request_headers: { "X-Acs-Date": ["2024-05-01T10:00:00Z"], Authorization: ["sig"], "Content-Length": 17 },
    identity_request_url: "aHR0cHM6Ly9zdHM=",
    signature: { v: 123456 },
    pin: 1234,
    token_ttl: 60,
    created: "2024-05-01T10:00:00Z",
    enabled: true,
    password: true,
  });
  assert.equal(out.identity_request_headers["X-Acs-Date"], [h("2024-05-01T10:00:00Z")]);
  assert.equal(out.identity_request_headers.Authorization, [h("sig")]);
  assert.is(out.identity_request_headers["Content-Length"], h("17"));
  assert.is(out.identity_request_url, h("aHR0cHM6Ly9zdHM="));
  assert.is(out.signature.v, h("123456"));
  assert.is(out.pin, h("1234"));
  // Ordinary keys keep Vault's rules.
  assert.is(out.token_ttl, 60);
  assert.is(out.created, "2024-05-01T10:00:00Z");
  assert.is(out.enabled, true);
  // Booleans carry one bit; they stay readable even under a sensitive key.
  assert.is(out.password, true);
});

test("isSensitiveKey: secrets and tokens yes, token metadata no", () => {
  for (const k of ["secret_id", "SecretId", "signature", "x-acs-signature", "SignatureNonce", "AccessKeyId", "SecurityToken", "client_token", "id_token", "jwt", "password", "identity_request_url", "identity_request_headers", "authorization", "wrapped_accessor"]) {
    assert.ok(isSensitiveKey(k), k);
  }
  for (const k of ["role", "token_ttl", "token_policies", "ttl", "policies", "display_name", "count"]) {
    assert.not.ok(isSensitiveKey(k), k);
  }
});

test("depth beyond the limit is replaced by a marker, not a RangeError", () => {
  let deep: unknown = "leaf";
  for (let i = 0; i < 200_000; i++) deep = { d: deep };
  let out: unknown;
  assert.not.throws(() => (out = hashed(deep)));
  const text = JSON.stringify(out);
  assert.ok(text.includes(DEPTH_MARKER));
  // Exactly MAX_AUDIT_DEPTH maps survive above the marker.
  assert.is(text.split('{"d":').length - 1, MAX_AUDIT_DEPTH);
  // Same for arrays.
  let arr: unknown = ["x"];
  for (let i = 0; i < 100_000; i++) arr = [arr];
  assert.ok(JSON.stringify(hashed(arr)).includes(DEPTH_MARKER));
});

test("content just inside the limit is kept and hashed", () => {
  let v: unknown = "leaf";
  for (let i = 0; i < MAX_AUDIT_DEPTH; i++) v = { d: v };
  const text = JSON.stringify(hashed(v));
  assert.not.ok(text.includes(DEPTH_MARKER));
  assert.ok(text.includes(h("leaf")));
});

test("cycles, BigInt, Dates, binary, URL, Map/Set and __proto__ are made JSON-safe", () => {
  const cyc: any = { a: "x" };
  cyc.self = cyc;
  const out = hashed({
    cyc,
    big: 10n,
    secret_big: 99n,
    when: new Date("2024-05-01T10:00:00Z"),
    bin: Buffer.from("rawbytes"),
    url: new URL("https://sts.example/?Signature=abc"),
    map: new Map([["k", "v"]]),
    set: new Set(["s"]),
    fn: () => 1,
    undef: undefined,
    nan: NaN,
  });
  assert.is(out.cyc.self, CIRCULAR_MARKER);
  assert.is(out.cyc.a, h("x"));
  assert.is(out.big, "10");
  assert.is(out.secret_big, h("99"));
  assert.is(out.when, "2024-05-01T10:00:00.000Z");
  assert.is(out.bin, h(Buffer.from("rawbytes").toString("base64")));
  assert.is(out.url, h("https://sts.example/?Signature=abc"));
  assert.is(out.map.k, h("v"));
  assert.equal(out.set, [h("s")]);
  assert.not.ok("fn" in out);
  assert.not.ok("undef" in out);
  assert.is(out.nan, null);
  assert.not.throws(() => JSON.stringify(out));

  const proto = hashed(JSON.parse('{"__proto__": {"isAdmin": "yes"}}'));
  assert.is(Object.getPrototypeOf(proto), null);
  assert.is(proto.isAdmin, undefined);
  assert.is(JSON.stringify(proto), `{"__proto__":{"isAdmin":"${h("yes")}"}}`);
});

test("key null copies without hashing (log_raw)", () => {
  const out = auditCopy({ s: "value", n: [1, "two"] }, { key: null }) as any;
  assert.is(JSON.stringify(out), '{"s":"value","n":[1,"two"]}');
});

test.run();
