// A policy loaded from a file of the policy directory is managed by that file: the API cannot write or
// delete it (400 naming the file, even for root), reads and lists say so, and a boot leaves every other
// policy alone. The marker is stored, so a server without the file (another node) refuses too.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { type TestServer, startTestServer } from "../helpers/server.js";

const OPS = 'path "auth/token/lookup-self" {\n  capabilities = ["read"]\n}\n';
const ADMIN = 'path "*" { capabilities = ["create", "read", "update", "delete", "list", "sudo"] }';
const API = 'path "auth/token/renew-self" { capabilities = ["update"] }';

/** Every API route that could change `name`, as [label, status]. */
async function tryToChange(s: TestServer, name: string, token?: string): Promise<Array<[string, number, string]>> {
  const out: Array<[string, number, string]> = [];
  const run = async (label: string, method: string, path: string, body?: unknown) => {
    const r = await s.request(method, path, { token, body });
    out.push([label, r.status, r.body?.errors?.[0] ?? ""]);
  };
  await run("acl write", "PUT", `sys/policies/acl/${name}`, { policy: ADMIN });
  await run("acl write, upper case", "PUT", `sys/policies/acl/${name.toUpperCase()}`, { policy: ADMIN });
  await run("acl write, base64", "PUT", `sys/policies/acl/${name}`, { policy: Buffer.from(ADMIN).toString("base64") });
  await run("legacy write", "PUT", `sys/policy/${name}`, { rules: ADMIN });
  await run("acl delete", "DELETE", `sys/policies/acl/${name}`);
  await run("legacy delete", "DELETE", `sys/policy/${name}`);
  return out;
}

function assertRefused(results: Array<[string, number, string]>, file: string): void {
  for (const [label, status, error] of results) {
    assert.is(status, 400, `${label}: ${status} ${error}`);
    assert.ok(error.includes(`managed by policies/${file}`), `${label}: ${error}`);
  }
}

const t = suite<{ s: TestServer; dir: string }>("file-managed policies over the API");
t.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), "warden-managed-"));
  writeFileSync(join(ctx.dir, "ops.hcl"), OPS);
  ctx.s = await startTestServer({ policyDir: ctx.dir });
});
t.after(async (ctx) => {
  await ctx.s.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});

t("a write or delete of a file-managed policy is a 400 naming the file, even for root, and changes nothing", async ({ s }) => {
  assertRefused(await tryToChange(s, "ops"), "ops.hcl");
  const read = await s.read("sys/policies/acl/ops");
  assert.is(read.status, 200);
  assert.is(read.body.data.policy, OPS);
});

t("reads and lists say which file manages a policy; Vault's shapes stay", async ({ s }) => {
  assert.is((await s.write("sys/policies/acl/team", { policy: API })).status, 204);
  const ops = (await s.read("sys/policies/acl/ops")).body.data;
  assert.equal(ops, { name: "ops", policy: OPS, managed_by: "policies/ops.hcl" });
  assert.equal((await s.read("sys/policy/ops")).body.data, { name: "ops", rules: OPS, managed_by: "policies/ops.hcl" });
  assert.is((await s.read("sys/policies/acl/team")).body.data.managed_by, "");
  const list = (await s.list("sys/policies/acl")).body.data;
  assert.equal(list.keys, ["default", "ops", "root", "team"]);
  assert.equal(list.key_info.ops, { managed_by: "policies/ops.hcl" });
  assert.equal(list.key_info.team, { managed_by: "" });
  const legacy = await s.read("sys/policy");
  assert.equal(legacy.body.policies, ["default", "ops", "root", "team"], "node-vault's legacy list is unchanged");
  // An API policy stays an API policy: written, rewritten, deleted.
  assert.is((await s.write("sys/policies/acl/team", { policy: OPS })).status, 204);
  assert.is((await s.delete("sys/policies/acl/team")).status, 204);
  assert.is((await s.read("sys/policies/acl/team")).status, 404);
});

t.run();

const boot = suite("file-managed policies across restarts and servers");

boot("a boot leaves API policies alone, takes over a policy a new file names, and releases one whose file is gone; another server refuses too", async () => {
  const dir = mkdtempSync(join(tmpdir(), "warden-managed-"));
  const dataDir = mkdtempSync(join(tmpdir(), "warden-managed-data-"));
  writeFileSync(join(dir, "ops.hcl"), OPS);
  let a = await startTestServer({ policyDir: dir, dataDir });
  let other: TestServer | undefined;
  const root = a.rootToken;
  try {
    assert.is((await a.write("sys/policies/acl/team", { policy: API })).status, 204);
    assert.is((await a.write("sys/policies/acl/late", { policy: API })).status, 204);
    const teamBefore = await a.server.core.storage.policies.get("team");
    await a.close();

    // A new file names "late": it now manages it. "team" has no file: untouched, not even rewritten.
    writeFileSync(join(dir, "late.hcl"), OPS);
    a = await startTestServer({ policyDir: dir, dataDir });
    a.rootToken = root;
    assert.equal(await a.server.core.storage.policies.get("team"), teamBefore);
    assert.equal((await a.read("sys/policies/acl/late")).body.data, { name: "late", policy: OPS, managed_by: "policies/late.hcl" });
    assert.ok(a.logs.some((l) => l.includes("now manages") && l.includes('"late"')), "the takeover is logged");
    assertRefused(await tryToChange(a, "late"), "late.hcl");

    // A second server on the same storage, with no policy directory at all: the stored marker decides.
    other = await startTestServer({ policyDir: null, dataDir });
    other.rootToken = root;
    assertRefused(await tryToChange(other, "ops"), "ops.hcl");
    assert.is((await other.read("sys/policies/acl/ops")).body.data.managed_by, "policies/ops.hcl");
    assert.is((await other.write("sys/policies/acl/team", { policy: OPS })).status, 204, "API policies stay writable there");
    await other.close();
    other = undefined;
    await a.close();

    // ops.hcl removed: its policy is kept as it was and is an API policy again.
    rmSync(join(dir, "ops.hcl"));
    a = await startTestServer({ policyDir: dir, dataDir });
    a.rootToken = root;
    assert.equal((await a.read("sys/policies/acl/ops")).body.data, { name: "ops", policy: OPS, managed_by: "" });
    assert.ok(a.logs.some((l) => l.includes("is gone") && l.includes('"ops"')), "the release is logged");
    assert.is((await a.write("sys/policies/acl/ops", { policy: API })).status, 204);
    assert.is((await a.read("sys/policies/acl/late")).body.data.managed_by, "policies/late.hcl");
    await a.close();

    // Started without a policy directory: file-managed policies are left as they are.
    a = await startTestServer({ policyDir: null, dataDir });
    a.rootToken = root;
    assert.is((await a.read("sys/policies/acl/late")).body.data.managed_by, "policies/late.hcl");
  } finally {
    await other?.close().catch(() => undefined);
    await a.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
});

boot.run();
