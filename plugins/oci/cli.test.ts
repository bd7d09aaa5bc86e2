import { createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "warden/sdk/testing/suite";
import * as assert from "uvu/assert";
import { ociLoginData, ociLoginFromConfigFile, readOciConfig } from "./cli.js";

const T = "ocid1.tenancy.oc1..aaaaaaaatenancy";
const U = "ocid1.user.oc1..aaaaaaaauser";
const FP = "20:3b:97:13:55:1c:5b:0d:d3:37:d8:50:4e:c5:3a:34";
const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs1", format: "pem" } });

test("the OCI config file: DEFAULT, named profiles inheriting DEFAULT, comments", () => {
  const text = `# comment\n[DEFAULT]\nuser=${U}\nfingerprint=${FP}\ntenancy=${T}\nregion=us-ashburn-1\nkey_file=~/.oci/key.pem\n\n[CI]\nuser=ocid1.user.oc1..aaaaci\nkey_file=/keys/ci.pem\n`;
  const d = readOciConfig(text);
  assert.is(d.user, U);
  assert.ok(!d.keyFile.startsWith("~"));
  const ci = readOciConfig(text, "CI");
  assert.is(ci.user, "ocid1.user.oc1..aaaaci");
  assert.is(ci.tenancy, T);
  assert.is(ci.keyFile, "/keys/ci.pem");
  assert.throws(() => readOciConfig(text, "NOPE"), /not found/);
  assert.throws(() => readOciConfig("[DEFAULT]\nuser=x\n"), /lacks/);
});

test("the payload: Vault CLI's shape, signing `date (request-target) host` for warden's host", () => {
  const now = new Date(Date.UTC(2026, 10, 23, 12, 0, 0));
  const req = ociLoginData({ address: "https://warden.example:8200", mount: "/oci/", role: "Dev", keyId: `${T}/${U}/${FP}`, privateKeyPem: privateKey, now });
  assert.is(req.path, "auth/oci/login/dev");
  const h = req.body.request_headers;
  assert.equal(Object.keys(h).sort(), ["(request-target)", "authorization", "date", "host"]);
  assert.equal(h["(request-target)"], ["get /v1/auth/oci/login/dev"]);
  assert.equal(h.host, ["warden.example:8200"]);
  assert.equal(h.date, ["Mon, 23 Nov 2026 12:00:00 GMT"]);
  const sig = /signature="([^"]+)"/.exec(h.authorization![0]!)![1]!;
  const str = "date: Mon, 23 Nov 2026 12:00:00 GMT\n(request-target): get /v1/auth/oci/login/dev\nhost: warden.example:8200";
  assert.ok(verify("sha256", Buffer.from(str), createPublicKey(publicKey), Buffer.from(sig, "base64")));
});

test("from a config file on disk (OCI_CONFIG_FILE)", () => {
  const dir = mkdtempSync(join(tmpdir(), "oci-cli-"));
  writeFileSync(join(dir, "key.pem"), privateKey);
  writeFileSync(join(dir, "config"), `[DEFAULT]\nuser=${U}\nfingerprint=${FP}\ntenancy=${T}\nkey_file=${join(dir, "key.pem")}\n`);
  const req = ociLoginFromConfigFile({ address: "http://127.0.0.1:8200", mount: "oci", role: "dev", env: { OCI_CONFIG_FILE: join(dir, "config") } });
  assert.match(req.body.request_headers.authorization![0]!, new RegExp(`keyId="${T}/${U}/${FP}"`));
});

test.run();
