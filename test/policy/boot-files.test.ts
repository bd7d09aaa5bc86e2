// Policies from files (the repository's policies/ folder by default) are loaded at every boot: a new
// or changed file is written over the stored policy; an unchanged one is left alone; a bad file stops
// the boot with the file's name.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { startTestServer } from "../helpers/server.js";

test("policy files: loaded at boot, rewritten only when changed, a bad one stops the boot", async () => {
  const policyDir = mkdtempSync(join(tmpdir(), "warden-policies-"));
  const dataDir = mkdtempSync(join(tmpdir(), "warden-policy-boot-"));
  const v1 = 'path "auth/token/lookup-self" {\n  capabilities = ["read"]\n}\n';
  writeFileSync(join(policyDir, "ci.hcl"), v1);
  let s = await startTestServer({ policyDir, dataDir });
  const root = s.rootToken;
  try {
    assert.is((await s.read("sys/policies/acl/ci")).body.data.policy, v1);
    const first = (await s.server.core.storage.policies.get("ci"))!.updatedAt;
    await s.close();

    s = await startTestServer({ policyDir, dataDir });
    s.rootToken = root;
    assert.is((await s.server.core.storage.policies.get("ci"))!.updatedAt, first, "an unchanged file is not written again");
    await s.close();

    const v2 = 'path "auth/token/renew-self" {\n  capabilities = ["update"]\n}\n';
    writeFileSync(join(policyDir, "ci.hcl"), v2);
    s = await startTestServer({ policyDir, dataDir });
    s.rootToken = root;
    assert.is((await s.read("sys/policies/acl/ci")).body.data.policy, v2);
    await s.close();

    writeFileSync(join(policyDir, "broken.hcl"), 'path "x" { capabilities = [ }');
    let error = "";
    await startTestServer({ policyDir, dataDir }).then(
      (started) => started.close(),
      (e: Error) => (error = e.message),
    );
    assert.match(error, /broken/);
  } finally {
    await s.close().catch(() => undefined);
    rmSync(policyDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test.run();
