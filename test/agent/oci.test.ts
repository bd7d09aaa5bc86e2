// The agent's oci method: the API key of an OCI config file profile, signed by the oci plugin's login
// handler (as `warden login -method=oci`), against a real server backed by the OCI emulator.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { startOciEmulator } from "../../src/emulators/oci/server.js";
import { test } from "../../src/sdk/testing/suite.js";
import { startTestServer } from "../helpers/server.js";
import { alice, GROUP, service, TENANCY, tenancySpec } from "../oci/fixtures.js";
import { lookup, readSink, secretsIn, startAgent, tempDir, writeConfig } from "./harness.js";

test("oci: the API key of the config file's profile logs in; -exit-after-auth and -log-level flags", async () => {
  const oci = await startOciEmulator(tenancySpec());
  const s = await startTestServer();
  try {
    assert.is((await s.request("POST", "sys/auth/oci", { body: { type: "oci" } })).status, 204);
    const cfg = await s.request("PUT", "auth/oci/config", { body: { home_tenancy_id: TENANCY, auth_endpoint: oci.url, service_key_id: service.keyId, service_private_key: service.privateKey } });
    assert.is(cfg.status, 204, cfg.text);
    assert.is((await s.request("PUT", "auth/oci/role/dev", { body: { ocid_list: GROUP } })).status, 204);
    const dir = tempDir();
    writeFileSync(join(dir, "key.pem"), alice.privateKey);
    // The profile the agent is told to use; DEFAULT names nobody usable.
    writeFileSync(join(dir, "config"), `[DEFAULT]\nregion=us-ashburn-1\n\n[INSTANCE]\nuser=${alice.id}\nfingerprint=${alice.fingerprint}\ntenancy=${TENANCY}\nkey_file=${join(dir, "key.pem")}\n`);
    const sink = join(dir, "token");
    const hcl = `vault {
  address = "${s.url}"
}
auto_auth {
  method "oci" {
    config = {
      role = "dev"
      config_file_path = "${join(dir, "config")}"
      profile = "INSTANCE"
    }
  }
  sink "file" {
    config = {
      path = "${sink}"
    }
  }
}
`;
    // The command-line flags this time: -exit-after-auth (one login, exit 0) and -log-level.
    const agent = startAgent(writeConfig(dir, hcl), { args: ["-exit-after-auth", "-log-level=debug"] });
    assert.is(await agent.exited, 0, agent.output());
    const token = readSink(sink)!;
    const data = (await lookup(s, token))!;
    assert.is(data.path, "auth/oci/login/dev");
    assert.match(agent.output(), /"level":"debug"/, "-log-level=debug shows debug lines");
    assert.equal(secretsIn(agent.output(), [token, alice.privateKey.split("\n")[1]!]), []);
  } finally {
    await s.close();
    await oci.close();
  }
});

test.run();
