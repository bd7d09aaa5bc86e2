// A child token is never worth more than its parent: it inherits the parent's bound CIDRs (a request
// may narrow them, never widen them), and it stops working the moment an ancestor expires, not when
// the sweeper gets round to revoking the tree.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { waitFor } from "../cluster/cluster.js";
import { type TestServer, startTestServer } from "../helpers/server.js";

const CREATOR = 'path "auth/token/create" { capabilities = ["update"] }';

async function mint(s: TestServer, body: Record<string, unknown>, token?: string, headers?: Record<string, string>): Promise<{ token: string; accessor: string }> {
  const r = await s.request("POST", "auth/token/create", { body, token, headers });
  assert.is(r.status, 200, r.text);
  return { token: r.body.auth.client_token, accessor: r.body.auth.accessor };
}
const selfStatus = async (s: TestServer, token: string, from?: string) =>
  (await s.request("GET", "auth/token/lookup-self", { token, headers: from ? { "x-forwarded-for": from } : undefined })).status;

// ---------------------------------------------------------------- bound CIDRs

const cidrs = suite<{ s: TestServer }>("child tokens: bound CIDRs");
cidrs.before(async (ctx) => {
  // The test client is 127.0.0.1; an X-Forwarded-For from it stands for a client elsewhere.
  ctx.s = await startTestServer({
    configure: (c) => {
      c.listeners[0]!.xForwardedForAuthorizedAddrs = ["127.0.0.1/32"];
      c.listeners[0]!.xForwardedForRejectNotPresent = false;
    },
  });
  assert.is((await ctx.s.write("sys/policies/acl/creator", { policy: CREATOR })).status, 204);
});
cidrs.after(async (ctx) => ctx.s.close());

cidrs("a child inherits its parent's binding and a request cannot widen it", async ({ s }) => {
  const parent = await mint(s, { policies: ["creator"], ttl: "1h", bound_cidrs: ["10.0.0.0/8"] });
  const inside = "10.1.2.3";
  assert.is(await selfStatus(s, parent.token, inside), 200);
  assert.is(await selfStatus(s, parent.token), 403, "the parent is bound");

  const child = await mint(s, { ttl: "1h" }, parent.token, { "x-forwarded-for": inside });
  assert.is(await selfStatus(s, child.token, inside), 200);
  assert.is(await selfStatus(s, child.token), 403, "the child is bound too");
  const look = await s.write("auth/token/lookup-accessor", { accessor: child.accessor });
  assert.equal(look.body.data.bound_cidrs, ["10.0.0.0/8"]);

  // Widening attempts: everything, another range, a range that merely overlaps.
  for (const wide of [["0.0.0.0/0"], ["127.0.0.1/32"], ["10.0.0.0/7"], ["10.1.0.0/16", "192.168.0.0/16"], "0.0.0.0/0,10.0.0.0/8", ["::/0"]]) {
    const r = await s.request("POST", "auth/token/create", { token: parent.token, body: { ttl: "1h", bound_cidrs: wide }, headers: { "x-forwarded-for": inside } });
    assert.is(r.status, 400, `${JSON.stringify(wide)}: ${r.text}`);
    assert.match(r.body.errors[0], /within the parent token's bound CIDRs/);
  }
  // Narrowing is fine, and the grandchild inherits the narrower binding.
  const narrow = await mint(s, { ttl: "1h", bound_cidrs: "10.1.0.0/16" }, parent.token, { "x-forwarded-for": inside });
  assert.is(await selfStatus(s, narrow.token, inside), 200);
  assert.is(await selfStatus(s, narrow.token, "10.2.0.1"), 403);
  const grandchild = await mint(s, { ttl: "1h" }, narrow.token, { "x-forwarded-for": inside });
  assert.equal((await s.write("auth/token/lookup-accessor", { accessor: grandchild.accessor })).body.data.bound_cidrs, ["10.1.0.0/16"]);
  const wider = await s.request("POST", "auth/token/create", { token: narrow.token, body: { ttl: "1h", bound_cidrs: ["10.0.0.0/8"] }, headers: { "x-forwarded-for": inside } });
  assert.is(wider.status, 400, "a grandchild cannot get back what its parent gave up");
});

cidrs("an unbound parent's child takes the binding it asks for", async ({ s }) => {
  const parent = await mint(s, { policies: ["creator"], ttl: "1h" });
  const child = await mint(s, { ttl: "1h", bound_cidrs: ["10.0.0.0/8"] }, parent.token);
  assert.is(await selfStatus(s, child.token), 403);
  assert.is(await selfStatus(s, child.token, "10.9.9.9"), 200);
});

cidrs.run();

// ---------------------------------------------------------------- expired ancestors

const expiry = suite<{ s: TestServer }>("child tokens: an expired ancestor");
expiry.before(async (ctx) => {
  ctx.s = await startTestServer();
  // No sweeper: whatever refuses the child below is the request path itself.
  ctx.s.server.core.stopBackgroundJobs();
  assert.is((await ctx.s.write("sys/policies/acl/creator", { policy: CREATOR })).status, 204);
});
expiry.after(async (ctx) => ctx.s.close());

expiry("a child and a grandchild stop working as soon as the parent expires", async ({ s }) => {
  const parent = await mint(s, { policies: ["creator"], ttl: "2s" });
  const child = await mint(s, { ttl: "1h" }, parent.token);
  const grandchild = await mint(s, { ttl: "1h" }, child.token);
  const orphan = await mint(s, { ttl: "1h", policies: ["creator"] });
  assert.is(await selfStatus(s, child.token), 200);
  assert.is(await selfStatus(s, grandchild.token), 200);

  await waitFor("the parent to expire", 30_000, async () => (await selfStatus(s, parent.token)) === 403);
  assert.is(await selfStatus(s, child.token), 403, "child of an expired parent");
  assert.is(await selfStatus(s, grandchild.token), 403, "grandchild of an expired parent");
  assert.is((await s.request("POST", "auth/token/create", { token: child.token, body: { ttl: "1h" } })).status, 403, "no new children either");
  assert.is((await s.write("auth/token/lookup", { token: child.token })).status, 403, "lookup by value: bad token");
  assert.is((await s.write("auth/token/lookup-accessor", { accessor: child.accessor })).status, 400, "lookup by accessor: invalid accessor");
  assert.is((await s.write("auth/token/renew-accessor", { accessor: grandchild.accessor })).status, 400, "renew by accessor cannot revive it");
  assert.is(await selfStatus(s, orphan.token), 200, "an unrelated token is unaffected");
  // The rows are still there: the refusal came from the read, not from a sweep.
  assert.ok(await s.server.core.storage.tokens.getByAccessor(child.accessor), "the child's row was not swept");
});

expiry("a parent renewed before it expires keeps its children alive", async ({ s }) => {
  const parent = await mint(s, { policies: ["creator"], ttl: "2s" });
  const sentinel = await mint(s, { policies: ["creator"], ttl: "2s" });
  const child = await mint(s, { ttl: "1h" }, parent.token);
  const renewed = await s.request("POST", "auth/token/renew-self", { token: parent.token, body: { increment: "1h" } });
  assert.is(renewed.status, 200, renewed.text);
  await waitFor("the parent's first expiry to pass", 30_000, async () => (await selfStatus(s, sentinel.token)) === 403);
  assert.is(await selfStatus(s, parent.token), 200);
  assert.is(await selfStatus(s, child.token), 200, "the child follows its parent's renewed expiry");
});

expiry.run();
