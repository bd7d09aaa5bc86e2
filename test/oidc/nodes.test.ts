// Two warden nodes on one storage (one SQLite file, or one PostgreSQL database in the PostgreSQL pass):
// both run the periodic rotation at the same moment and a due key still rotates exactly once; both
// publish the same JWKS; a token minted on one node verifies against the other's keys.
// Several nodes share a PostgreSQL database; a SQLite file has one writer (its group commit holds the
// write lock), so on SQLite this suite only runs when asked (WARDEN_TEST_SQLITE_NODES=1).
import { createLocalJWKSet, jwtVerify } from "jose";
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { type TestServer, startTestServer } from "../helpers/server.js";

interface Ctx {
  a: TestServer;
  b: TestServer;
}

const t = suite<Ctx>("oidc on two nodes");
const multiNode = (process.env.WARDEN_TEST_STORAGE ?? "sqlite") === "postgresql" || process.env.WARDEN_TEST_SQLITE_NODES === "1";

t.before(async (ctx) => {
  ctx.a = await startTestServer();
  ctx.b = await startTestServer({ dataDir: ctx.a.dataDir });
  ctx.b.rootToken = ctx.a.rootToken;
});
t.after(async (ctx) => {
  await ctx.b.close();
  await ctx.a.close();
});

const kids = async (s: TestServer): Promise<string[]> =>
  ((await s.request("GET", "identity/oidc/.well-known/keys", { token: null })).body.keys as Array<{ kid: string }>).map((k) => k.kid).sort();

t("a key written on one node is served by the other; racing periodic runs rotate it once", async ({ a, b }) => {
  assert.is((await a.request("POST", "identity/oidc/key/shared", { body: { allowed_client_ids: "*", rotation_period: "1h", verification_ttl: "1h" } })).status, 204);
  assert.equal(await kids(b), await kids(a));
  assert.is((await b.request("GET", "identity/oidc/key/shared")).body.data.rotation_period, 3600);

  const before = (await a.server.core.oidc.admin.store.key("shared"))!;
  const due = before.nextRotation + 1;
  const runs = await Promise.all([
    a.server.core.oidc.admin.periodic(due),
    b.server.core.oidc.admin.periodic(due),
    a.server.core.oidc.admin.periodic(due),
    b.server.core.oidc.admin.periodic(due),
  ]);
  assert.is(runs.reduce((n, r) => n + r.rotated, 0), 1, JSON.stringify(runs));
  const after = (await b.server.core.oidc.admin.store.key("shared"))!;
  assert.is(after.signingKid, before.nextKid, "the pre-published next key signs now");
  assert.is(after.ring.length, 3, "old, current and one fresh next key: no double rotation");
  assert.is(after.generation, before.generation + 1);
  assert.equal(await kids(a), await kids(b));
});

t("concurrent manual rotations on both nodes each rotate once, and nothing is lost", async ({ a, b }) => {
  const before = (await a.server.core.oidc.admin.store.key("shared"))!;
  const rs = await Promise.all([
    a.request("POST", "identity/oidc/key/shared/rotate", { body: {} }),
    b.request("POST", "identity/oidc/key/shared/rotate", { body: {} }),
  ]);
  for (const r of rs) assert.is(r.status, 204, r.text);
  const after = (await a.server.core.oidc.admin.store.key("shared"))!;
  assert.is(after.generation, before.generation + 2);
  assert.is(after.ring.length, before.ring.length + 2, "two rotations, each adding a next key");
  // Every kid in the ring still has its public key stored and published.
  const published = await kids(b);
  for (const e of after.ring) assert.ok(published.includes(e.kid), e.kid);
});

t("a token minted on node A verifies with node B's JWKS", async ({ a, b }) => {
  assert.is((await a.request("POST", "identity/oidc/role/r", { body: { key: "shared", ttl: "10m" } })).status, 204);
  const ent = await a.request("POST", "identity/entity", { body: { name: "w" } });
  // Minted through the issuer directly for an operator-made entity (no login method needed here);
  // the HTTP token path is covered in issuer.test.ts.
  const minted = await a.server.core.oidc.issuer.mint("r", ent.body.data.id);
  const jwks = (await b.request("GET", "identity/oidc/.well-known/keys", { token: null })).body;
  const { payload } = await jwtVerify(minted.token, createLocalJWKSet(jwks));
  assert.is(payload.sub, ent.body.data.id);
  assert.is(payload.iss, `${a.url}/v1/identity/oidc`);
});

if (multiNode) t.run();
else console.log("skip: two nodes need shared PostgreSQL storage (the [postgresql] pass runs this suite)");
