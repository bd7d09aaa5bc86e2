// In-memory caches across nodes: a change written on one node reaches the others' caches through the
// PostgreSQL change feed (LISTEN/NOTIFY). The tests wait for the change to arrive (milliseconds when
// the machine is quiet) rather than assert a time: a busy machine is slower, the caches must still follow.
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { CONVERGE_MS, type Cluster, mountEverywhere, startCluster, waitFor } from "./cluster.js";

const t = suite<{ c: Cluster }>("cluster: caches follow writes made on other nodes");

t.before(async (ctx) => {
  ctx.c = await startCluster(2);
});
t.after(async ({ c }) => c?.close());

/** Runs `write` on one node, then polls `seen` on another; returns how long it took. */
async function propagation(what: string, write: () => Promise<void>, seen: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  await write();
  await waitFor(what, CONVERGE_MS, async () => (await seen()) || undefined, 5);
  return Date.now() - started;
}

t("a policy written on node 0 applies on node 1 (and a delete too)", async ({ c }) => {
  assert.is((await c.req(0, "PUT", "sys/policies/acl/p1", { body: { policy: 'path "sys/auth" { capabilities = ["deny"] }' } })).status, 204);
  const token = (await c.req(0, "POST", "auth/token/create", { body: { policies: ["p1"] } })).body.auth.client_token as string;
  // Node 1 compiles and caches the ACL of {p1, default}.
  assert.is((await c.req(1, "GET", "sys/auth", { token })).status, 403);
  const took = await propagation(
    "node 1 to apply the new policy",
    async () => {
      assert.is((await c.req(0, "PUT", "sys/policies/acl/p1", { body: { policy: 'path "sys/auth" { capabilities = ["read"] }' } })).status, 204);
    },
    async () => (await c.req(1, "GET", "sys/auth", { token })).status === 200,
  );
  // How long it took is information, not an assertion: a busy machine may be slow, the cache must follow.
  console.log(`    policy change reached node 1 in ${took} ms`);
  await propagation(
    "node 1 to forget the deleted policy",
    async () => {
      assert.is((await c.req(0, "DELETE", "sys/policies/acl/p1")).status, 204);
    },
    async () => (await c.req(1, "GET", "sys/auth", { token })).status === 403,
  );
  assert.is((await c.req(1, "GET", "sys/policies/acl/p1")).status, 404);
});

t("a mount made on node 0 is listed by sys/auth on node 1 and serves there; unmount too", async ({ c }) => {
  await propagation(
    "node 1 to list auth/team-a/",
    async () => {
      assert.is((await c.req(0, "POST", "sys/auth/team-a", { body: { type: "approle", description: "made on node 0" } })).status, 204);
    },
    async () => (await c.req(1, "GET", "sys/auth")).body.data["team-a/"]?.description === "made on node 0",
  );
  // Role written on node 1, through the mount node 1 learnt of, logs in on node 0.
  assert.is((await c.req(1, "POST", "auth/team-a/role/r", { body: { role_id: "team-a-role" } })).status, 204);
  const secret_id = (await c.req(1, "POST", "auth/team-a/role/r/secret-id", { body: {} })).body.data.secret_id as string;
  assert.is((await c.req(0, "POST", "auth/team-a/login", { token: null, body: { role_id: "team-a-role", secret_id } })).status, 200);
  // Tune on node 1 is seen on node 0.
  await propagation(
    "node 0 to see the tune",
    async () => {
      assert.is((await c.req(1, "POST", "sys/auth/team-a/tune", { body: { description: "tuned on node 1" } })).status, 204);
    },
    async () => (await c.req(0, "GET", "sys/auth")).body.data["team-a/"]?.description === "tuned on node 1",
  );
  await propagation(
    "node 1 to drop the mount",
    async () => {
      assert.is((await c.req(0, "DELETE", "sys/auth/team-a")).status, 204);
    },
    async () => (await c.req(1, "GET", "sys/auth")).body.data["team-a/"] === undefined,
  );
  // No route any more (an unauthenticated call to an unknown path is a 403, as in Vault).
  const gone = await c.req(1, "POST", "auth/team-a/login", { token: null, body: { role_id: "team-a-role", secret_id } });
  assert.ok([403, 404].includes(gone.status), String(gone.status));
});

t("a plugin role cached on node 1 follows a change made on node 0 (the mount storage view)", async ({ c }) => {
  assert.is((await c.req(0, "POST", "sys/auth/approle", { body: { type: "approle" } })).status, 204);
  await mountEverywhere(c, "approle/");
  assert.is((await c.req(0, "POST", "auth/approle/role/r", { body: { role_id: "r-id", token_policies: "first" } })).status, 204);
  const login = async (): Promise<string[]> => {
    const secret_id = (await c.req(0, "POST", "auth/approle/role/r/secret-id", { body: {} })).body.data.secret_id as string;
    const r = await c.req(1, "POST", "auth/approle/login", { token: null, body: { role_id: "r-id", secret_id } });
    return r.body.auth.token_policies as string[];
  };
  assert.ok((await login()).includes("first"));
  await propagation(
    "node 1 to use the new role policies",
    async () => {
      assert.is((await c.req(0, "POST", "auth/approle/role/r", { body: { token_policies: "second" } })).status, 204);
    },
    async () => (await login()).includes("second"),
  );
});

t("an audit device enabled on node 0 is listed on node 1", async ({ c }) => {
  await propagation(
    "node 1 to list the device",
    async () => {
      assert.is((await c.req(0, "PUT", "sys/audit/discard", { body: { type: "file", options: { file_path: "discard" } } })).status, 204);
    },
    async () => (await c.req(1, "GET", "sys/audit")).body.data["discard/"] !== undefined,
  );
  await propagation(
    "node 1 to drop the device",
    async () => {
      assert.is((await c.req(0, "DELETE", "sys/audit/discard")).status, 204);
    },
    async () => (await c.req(1, "GET", "sys/audit")).body.data["discard/"] === undefined,
  );
});

t("a policy managed by a file of policies/ is read-only through the API on every node; API policies are not", async ({ c }) => {
  for (const node of [0, 1]) {
    for (const [method, path] of [["PUT", "sys/policies/acl/auth-operator"], ["PUT", "sys/policy/auth-operator"], ["DELETE", "sys/policies/acl/auth-operator"]] as const) {
      const r = await c.req(node, method, path, { body: method === "PUT" ? { policy: 'path "*" { capabilities = ["sudo"] }', rules: 'path "*" {}' } : undefined });
      assert.is(r.status, 400, `node ${node} ${method} ${path}: ${JSON.stringify(r.body)}`);
      assert.match(r.body.errors[0], /managed by policies\/auth-operator\.hcl/);
    }
    assert.is((await c.req(node, "GET", "sys/policies/acl/auth-operator")).body.data.managed_by, "policies/auth-operator.hcl");
    assert.equal((await c.req(node, "GET", "sys/policies/acl?list=true")).body.data.key_info["ci-readonly"], { managed_by: "policies/ci-readonly.hcl" });
  }
  assert.is((await c.req(0, "PUT", "sys/policies/acl/api-made", { body: { policy: 'path "a" { capabilities = ["read"] }' } })).status, 204);
  await waitFor("node 1 to know the API policy", 1_000, async () => (await c.req(1, "GET", "sys/policies/acl/api-made")).status === 200 || undefined, 5);
  assert.is((await c.req(1, "PUT", "sys/policies/acl/api-made", { body: { policy: 'path "b" { capabilities = ["read"] }' } })).status, 204);
  assert.is((await c.req(1, "DELETE", "sys/policies/acl/api-made")).status, 204);
});

t.run();
