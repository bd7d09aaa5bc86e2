// `warden login -method=oci` as the CLI builds it, sent to a real warden backed by the emulator.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { ociLogin } from "../../plugins/oci/cli.js";
import { startOciEmulator } from "../../src/emulators/oci/server.js";
import { startTestServer } from "../helpers/server.js";
import { alice, GROUP, service, TENANCY, tenancySpec } from "./fixtures.js";

async function rejects(f: () => Promise<unknown>, re: RegExp): Promise<void> {
  try {
    await f();
  } catch (e) {
    assert.match(String((e as Error).message), re);
    return;
  }
  assert.unreachable("expected a rejection");
}

test("login -method=oci auth_type=apikey role=... mount=... reads OCI_CONFIG_FILE and logs in", async () => {
  const oci = await startOciEmulator(tenancySpec());
  const s = await startTestServer();
  try {
    assert.is((await s.request("POST", "sys/auth/oci-ci", { body: { type: "oci" } })).status, 204);
    await s.request("PUT", "auth/oci-ci/config", { body: { home_tenancy_id: TENANCY, auth_endpoint: oci.url, service_key_id: service.keyId, service_private_key: service.privateKey } });
    await s.request("PUT", "auth/oci-ci/role/dev", { body: { ocid_list: GROUP } });
    const dir = mkdtempSync(join(tmpdir(), "oci-cli-"));
    writeFileSync(join(dir, "key.pem"), alice.privateKey);
    writeFileSync(join(dir, "config"), `[DEFAULT]\nuser=${alice.id}\nfingerprint=${alice.fingerprint}\ntenancy=${TENANCY}\nregion=us-ashburn-1\nkey_file=${join(dir, "key.pem")}\n`);
    const env = { OCI_CONFIG_FILE: join(dir, "config") };
    const build = (args: Record<string, string>) => Promise.resolve().then(() => ociLogin.login({ args, mount: "oci", env, address: s.url }));
    const req = await build({ auth_type: "apikey", role: "dev", mount: "oci-ci" });
    assert.is(req.path, "auth/oci-ci/login/dev");
    assert.not.match(JSON.stringify(req.body), /PRIVATE KEY/);
    const r = await s.request("PUT", req.path, { token: null, body: req.body });
    assert.is(r.status, 200, r.text);
    assert.is(r.body.auth.metadata.principal_id, alice.id);
    await rejects(() => build({ role: "dev" }), /auth_type=apikey/);
    // auth_type=instance needs its own arguments (test/oci/instance-principal.test.ts logs in with them).
    await rejects(() => build({ auth_type: "instance", role: "dev" }), /tenancy=<tenancy OCID> is required for auth_type=instance/);
    await rejects(() => build({ auth_type: "apikey", role: "dev", region: "x" }), /region is an auth_type=instance argument/);
    await rejects(() => build({ auth_type: "apikey", role: "dev", regio: "x" }), /unknown oci login argument/);
  } finally {
    await s.close();
    await oci.close();
  }
});

test.run();
