// The lookup-self fast path (src/server/lookup-self-edge.ts, src/core/lookup-self-path.ts) answers
// exactly what the generic pipeline answers for the same request: status, the headers that matter and
// the body (request_id aside), for every kind of token; and it declines, leaving the request to the
// generic path, whenever something applies that it does not do by hand (a use count, an audit device,
// a rate-limit quota, X-Vault-Wrap-TTL, a query string, a sealed node).
//
// The generic path is forced for the comparison by replacing the one core method the edge calls
// (RequestPipeline.lookupSelf) in this process with one that always declines: the same GET, the same
// URL, the same headers, through hono and RequestPipeline.handle. Nothing a client can send does this.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { RequestPipeline } from "../../src/core/request-pipeline.js";
import { auditEntries, enableFileAudit, waitForAudit } from "../helpers/audit-log.js";
import { TEST_STORAGE, type TestResponse, type TestServer, startTestServer } from "../helpers/server.js";
import { waitFor } from "../helpers/wait-for.js";

interface Ctx {
  s: TestServer;
  /** Answers given by the fast path itself (not declined). */
  fast: number;
  /** Of those, answers given in the same call (no promise: a synchronous storage, SQLite). */
  sameTick: number;
  /** Requests that reached RequestPipeline.handle. */
  generic: number;
  forceGeneric: boolean;
}

const t = suite<Ctx>(`lookup-self fast path answers as the generic path (${TEST_STORAGE})`);
const LOOKUP = "auth/token/lookup-self";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Counts which path answered, and lets a test force the generic one (patched on each new core). */
function instrument(ctx: Ctx): void {
  const pipeline = ctx.s.server.core.pipeline as RequestPipeline & { instrumented?: true };
  if (pipeline.instrumented) return;
  pipeline.instrumented = true;
  const lookupSelf = pipeline.lookupSelf.bind(pipeline);
  // As the edge sees it: an answer in the same call stays one (that path is the one measured).
  pipeline.lookupSelf = (req) => {
    if (ctx.forceGeneric) return undefined;
    const outcome = lookupSelf(req);
    if (outcome instanceof Promise) {
      return outcome.then((answer) => {
        if (answer) ctx.fast++;
        return answer;
      });
    }
    if (outcome) {
      ctx.fast++;
      ctx.sameTick++;
    }
    return outcome;
  };
  const handle = pipeline.handle.bind(pipeline);
  pipeline.handle = (req) => {
    ctx.generic++;
    return handle(req);
  };
}

t.before(async (ctx) => {
  ctx.s = await startTestServer();
  ctx.fast = 0;
  ctx.sameTick = 0;
  ctx.generic = 0;
  ctx.forceGeneric = false;
  instrument(ctx);
  await fastAgain(ctx, ctx.s.rootToken);
});
t.after(async ({ s }) => s.close());

const get = (ctx: Ctx, token: string | null, headers?: Record<string, string>): Promise<TestResponse> => ctx.s.request("GET", LOOKUP, { token, headers });

/**
 * Waits until the fast path answers: it declines while the quota definitions are not cached (after
 * a start, or a change heard on the change feed), and has them read meanwhile.
 */
async function fastAgain(ctx: Ctx, token: string): Promise<void> {
  await waitFor("the fast path to answer", 5000, async () => {
    const before = ctx.fast;
    assert.is((await get(ctx, token)).status, 200);
    return ctx.fast > before;
  }, 5);
}

interface Pair {
  fast: TestResponse;
  generic: TestResponse;
  /** The fast path answered the first request itself. */
  answeredFast: boolean;
}

/** The same request twice: as the server takes it, then forced through the generic path. */
async function pair(ctx: Ctx, token: string | null, headers?: Record<string, string>): Promise<Pair> {
  // A second boundary between the two requests changes `ttl`: try again (up to 20 times: on a busy machine a
  // pair can take a good part of a second, and each try straddles a boundary only by chance).
  for (let attempt = 0; ; attempt++) {
    const before = ctx.fast;
    const fast = await get(ctx, token, headers);
    const answeredFast = ctx.fast > before;
    ctx.forceGeneric = true;
    const genericBefore = ctx.generic;
    let generic: TestResponse;
    try {
      generic = await get(ctx, token, headers);
    } finally {
      ctx.forceGeneric = false;
    }
    assert.is(ctx.generic, genericBefore + 1, "the forced request took the generic path");
    if (fast.body?.data?.ttl === generic.body?.data?.ttl || attempt === 19) return { fast, generic, answeredFast };
  }
}

/** Status, the headers that matter, and the body with its request_id aside: the same. */
function assertSame(p: Pair, what: string): void {
  assert.is(p.fast.status, p.generic.status, `${what}: status`);
  for (const h of ["content-type", "cache-control", "content-length", "retry-after", "x-ratelimit-limit"]) {
    assert.is(p.fast.headers.get(h), p.generic.headers.get(h), `${what}: ${h}`);
  }
  if (p.fast.body?.request_id !== undefined) {
    assert.match(p.fast.body.request_id, UUID, `${what}: request_id`);
    assert.match(p.generic.body.request_id, UUID, `${what}: request_id`);
    assert.is.not(p.fast.body.request_id, p.generic.body.request_id);
  }
  const strip = (text: string): string => text.replace(/"request_id":"[0-9a-f-]{36}"/, '"request_id":""');
  assert.is(strip(p.fast.text), strip(p.generic.text), `${what}: body`);
}

async function created(ctx: Ctx, path: string, body: Record<string, unknown>, token?: string): Promise<string> {
  const r = await ctx.s.request("POST", path, { body, token });
  assert.is(r.status, 200, r.text);
  return r.body.auth.client_token as string;
}

t("root, child with metadata, orphan, periodic and CIDR-bound tokens: answered by the fast path, as the generic path", async (ctx) => {
  const tokens: Record<string, string> = {
    root: ctx.s.rootToken,
    child: await created(ctx, "auth/token/create", { policies: ["default"], ttl: "1h", meta: { team: "payments", "ünï": "çödé \"q\" \\ \u2028" }, display_name: "Child One" }),
    orphan: await created(ctx, "auth/token/create-orphan", { policies: ["default"], ttl: "2h" }),
    periodic: await created(ctx, "auth/token/create", { policies: ["default"], period: "30m", renewable: true }),
    bound: await created(ctx, "auth/token/create", { policies: ["default"], ttl: "1h", bound_cidrs: ["127.0.0.0/8"] }),
  };
  await ctx.s.request("POST", "auth/token/renew", { body: { token: tokens.periodic, increment: "10m" } });
  for (const [what, token] of Object.entries(tokens)) {
    const p = await pair(ctx, token);
    assert.is(p.fast.status, 200, `${what}: ${p.fast.text}`);
    assert.ok(p.answeredFast, `${what}: answered by the fast path`);
    assertSame(p, what);
  }
  const periodic = (await get(ctx, tokens.periodic)).body.data;
  assert.is(periodic.period, 1800);
  assert.ok(periodic.last_renewal_time > 0);
  assert.equal((await get(ctx, tokens.bound)).body.data.bound_cidrs, ["127.0.0.0/8"]);
  // Authorization: Bearer is the same token header.
  const bearer = await pair(ctx, null, { authorization: `Bearer ${tokens.child}` });
  assert.ok(bearer.answeredFast);
  assertSame(bearer, "bearer");
});

t("an AppRole login token with its entity, aliases and identity policies: the same answer", async (ctx) => {
  const { s } = ctx;
  await s.enableAuth("approle", "approle");
  assert.is((await s.write("auth/approle/role/fast", { role_id: "fast-role", token_policies: "default", token_ttl: "1h" })).status, 204);
  const secret = (await s.write("auth/approle/role/fast/secret-id", { metadata: '{"runner":"r1"}' })).body.data.secret_id as string;
  const login = await s.request("POST", "auth/approle/login", { token: null, body: { role_id: "fast-role", secret_id: secret } });
  assert.is(login.status, 200, login.text);
  const token = login.body.auth.client_token as string;
  const entityId = login.body.auth.entity_id as string;
  assert.ok(entityId);
  assert.is((await s.write(`identity/entity/id/${entityId}`, { policies: ["extra"] })).status, 200);
  assert.is((await s.write("identity/group", { name: "fast-group", policies: ["grouped"], member_entity_ids: [entityId] })).status, 200);
  const p = await pair(ctx, token);
  assert.is(p.fast.status, 200, p.fast.text);
  assert.ok(p.answeredFast);
  assertSame(p, "approle");
  assert.equal(p.fast.body.data.identity_policies, ["extra", "grouped"]);
  assert.is(p.fast.body.data.entity_id, entityId);
  assert.is(p.fast.body.data.meta.runner, "r1");
  // The entity's policies change after its answer was kept: the next answer shows them, as the generic path.
  assert.is((await s.write(`identity/entity/id/${entityId}`, { policies: ["extra", "more"] })).status, 200);
  const changed = await pair(ctx, token);
  assert.ok(changed.answeredFast);
  assertSame(changed, "entity changed");
  assert.equal(changed.fast.body.data.identity_policies, ["extra", "grouped", "more"]);
  // A disabled entity stops its tokens: 403 on both paths.
  assert.is((await s.write(`identity/entity/id/${entityId}`, { disabled: true })).status, 200);
  const off = await pair(ctx, token);
  assert.is(off.fast.status, 403);
  assertSame(off, "disabled entity");
});

t("an answer kept per token row: the next second, a policy change, a renewal and a revocation are seen at once, as the generic path", async (ctx) => {
  const { s } = ctx;
  const looker = (rule: string) => s.write("sys/policies/acl/looker", { policy: `path "${rule}" { capabilities = ["read"] }` });
  assert.is((await looker(LOOKUP)).status, 204);
  const token = await created(ctx, "auth/token/create", { policies: ["looker"], no_default_policy: true, ttl: "1h" });
  const fastPair = async (what: string, status: number): Promise<Pair> => {
    const p = await pair(ctx, token);
    assert.is(p.fast.status, status, `${what}: ${p.fast.text}`);
    assert.ok(p.answeredFast, `${what}: answered by the fast path`);
    assertSame(p, what);
    return p;
  };
  const sameTick = ctx.sameTick;
  const first = (await fastPair("first", 200)).fast.body.data;
  await fastPair("again: the kept answer", 200);
  // With SQLite, the answer is given in the same call: no promise between the read and the answer.
  if (TEST_STORAGE === "sqlite") assert.ok(ctx.sameTick >= sameTick + 2, "answered in the same call");
  s.clock.advance(10_000);
  const later = (await fastPair("ten seconds on", 200)).fast.body.data;
  assert.ok(first.ttl - later.ttl >= 10 && first.ttl - later.ttl <= 11, `ttl ${first.ttl} then ${later.ttl}`);
  assert.is(later.accessor, first.accessor);
  // The token's policy stops granting lookup-self (the row is the same): refused at once; then grants again.
  assert.is((await looker("sys/mounts")).status, 204);
  await fastPair("policy no longer grants", 403);
  assert.is((await looker(LOOKUP)).status, 204);
  await fastPair("policy grants again", 200);
  // A renewal changes the row: the next answer is the renewed token's.
  assert.is((await s.write("auth/token/renew", { token, increment: "2h" })).status, 200);
  const renewed = (await fastPair("renewed", 200)).fast.body.data;
  assert.ok(renewed.last_renewal_time > 0);
  assert.ok(renewed.ttl > later.ttl + 3000, `renewed ttl ${renewed.ttl}`);
  // Revoked: the kept answer is never given again.
  assert.is((await s.write("auth/token/revoke", { token })).status, 204);
  await fastPair("revoked", 403);
});

t("refusals: bad, malformed, missing token, revoked or expired parent, unmatched CIDR, a policy without lookup-self", async (ctx) => {
  const { s } = ctx;
  assert.is((await s.write("sys/policies/acl/no-lookup", { policy: 'path "sys/mounts" { capabilities = ["read"] }' })).status, 204);
  assert.is((await s.write("sys/policies/acl/creator", { policy: 'path "auth/token/create" { capabilities = ["update"] }' })).status, 204);
  const parent = await created(ctx, "auth/token/create", { policies: ["default", "creator"], ttl: "1h" });
  const revokedChild = await created(ctx, "auth/token/create", { policies: ["default"], ttl: "1h" }, parent);
  assert.is((await s.write("auth/token/revoke", { token: parent })).status, 204);
  const shortParent = await created(ctx, "auth/token/create", { policies: ["default", "creator"], ttl: "1h" });
  const middle = await created(ctx, "auth/token/create", { policies: ["default", "creator"], ttl: "1h" }, shortParent);
  const grandchild = await created(ctx, "auth/token/create", { policies: ["default"], ttl: "1h" }, middle);
  const cases: [string, string | null, Record<string, string> | undefined][] = [
    ["unknown token", "hvs.notarealtokenatallnotreal1234", undefined],
    ["malformed token", "not a token!", undefined],
    ["no token", null, undefined],
    ["child of a revoked parent", revokedChild, undefined],
    ["bound elsewhere", await created(ctx, "auth/token/create", { policies: ["default"], ttl: "1h", bound_cidrs: ["10.9.0.0/16"] }), undefined],
    ["no capability", await created(ctx, "auth/token/create", { policies: ["no-lookup"], no_default_policy: true, ttl: "1h" }), undefined],
    ["an empty token header", null, { "x-vault-token": " " }],
  ];
  for (const [what, token, headers] of cases) {
    const p = await pair(ctx, token, headers);
    assert.is(p.fast.status, 403, `${what}: ${p.fast.text}`);
    assertSame(p, what);
  }
  // An expired ancestor (two generations up): refused at once, before the sweeper.
  const before = await pair(ctx, grandchild);
  assert.is(before.fast.status, 200);
  assert.is((await s.write("auth/token/renew", { token: shortParent, increment: "1s" })).status, 200);
  s.clock.advance(2_000);
  const expired = await pair(ctx, grandchild);
  assert.is(expired.fast.status, 403, expired.fast.text);
  assertSame(expired, "expired grandparent");
});

t("a token with uses: the fast path declines, each lookup takes a use, the last one revokes", async (ctx) => {
  const token = await created(ctx, "auth/token/create", { policies: ["default"], ttl: "1h", num_uses: 3 });
  const seen: number[] = [];
  for (let i = 0; i < 3; i++) {
    const fastBefore = ctx.fast;
    const genericBefore = ctx.generic;
    const r = await get(ctx, token);
    assert.is(r.status, 200, r.text);
    assert.is(ctx.fast, fastBefore, "not answered by the fast path");
    assert.is(ctx.generic, genericBefore + 1, "answered by the generic path");
    seen.push(r.body.data.num_uses);
  }
  assert.equal(seen, [2, 1, 0]);
  assert.is((await get(ctx, token)).status, 403);
});

t("X-Vault-Wrap-TTL, a query string, HEAD: left to the generic path", async (ctx) => {
  const token = await created(ctx, "auth/token/create", { policies: ["default"], ttl: "1h" });
  const before = ctx.fast;
  const wrapped = await get(ctx, token, { "x-vault-wrap-ttl": "60s" });
  assert.is(wrapped.status, 200, wrapped.text);
  assert.ok(wrapped.body.wrap_info?.token, "wrapped");
  assert.is(wrapped.body.data, null);
  const help = await ctx.s.request("GET", `${LOOKUP}?help=1`, { token: ctx.s.rootToken });
  assert.is(help.status, 200);
  assert.ok(help.body.help, help.text);
  await ctx.s.request("HEAD", LOOKUP, { token });
  assert.is(ctx.fast, before, "none of them answered by the fast path");
});

t("an enabled audit device: the generic path answers and audits, entries as for a forced generic request", async (ctx) => {
  const { s } = ctx;
  const token = await created(ctx, "auth/token/create", { policies: ["default"], ttl: "1h" });
  const file = await enableFileAudit(s, join(mkdtempSync(join(tmpdir(), "warden-fast-audit-")), "audit.log"), "fastaudit");
  const before = ctx.fast;
  const p = await pair(ctx, token);
  assert.is(ctx.fast, before, "the fast path declined while a device is enabled");
  assertSame(p, "audited");
  const entries = await waitForAudit(file, (es) => es.filter((e) => e.request?.path === LOOKUP && e.type === "response").length === 2, "two lookups audited");
  const lookups = entries.filter((e) => e.request?.path === LOOKUP);
  assert.is(lookups.length, 4, "a request and a response entry for each");
  // Each request comes from its own connection: its port differs, and its ttl may have ticked.
  const shape = (e: Record<string, unknown>): string => JSON.stringify(e, (k, v) => (k === "time" || k === "id" || k === "remote_port" || k === "ttl" ? undefined : v));
  const [a, b] = [lookups.filter((e) => e.request.id === p.fast.body.request_id), lookups.filter((e) => e.request.id === p.generic.body.request_id)];
  assert.is(a.length, 2);
  assert.is(b.length, 2);
  assert.equal(a.map(shape), b.map(shape));
  assert.is((await s.request("DELETE", "sys/audit/fastaudit")).status, 204);
  const after = ctx.fast;
  assert.is((await get(ctx, token)).status, 200);
  assert.is(ctx.fast, after + 1, "answered by the fast path again once the device is gone");
  assert.is(auditEntries(file).filter((e) => e.request?.path === LOOKUP).length, 4, "and not audited");
});

t("a rate-limit quota on the path: the generic path counts and refuses (429 as generic)", async (ctx) => {
  const { s } = ctx;
  const token = await created(ctx, "auth/token/create", { policies: ["default"], ttl: "1h" });
  assert.is((await s.write("sys/quotas/config", { enable_rate_limit_response_headers: true })).status, 204);
  assert.is((await s.write("sys/quotas/rate-limit/lookups", { path: "auth/token/", rate: 2, interval: "1h" })).status, 204);
  const before = ctx.fast;
  const first = await pair(ctx, token);
  assert.is(first.fast.status, 200);
  assert.is(first.generic.status, 200);
  assert.is(first.fast.headers.get("x-ratelimit-limit"), "2");
  const refused = await pair(ctx, token);
  assert.is(refused.fast.status, 429, refused.fast.text);
  assertSame(refused, "over the quota");
  assert.is(ctx.fast, before, "the fast path declined while the quota applies");
  assert.is((await s.delete("sys/quotas/rate-limit/lookups")).status, 204);
  assert.is((await s.write("sys/quotas/config", { enable_rate_limit_response_headers: false })).status, 204);
  // A quota elsewhere does not apply to lookup-self.
  assert.is((await s.write("sys/quotas/rate-limit/elsewhere", { path: "auth/approle/", rate: 1, interval: "1h" })).status, 204);
  await fastAgain(ctx, token);
  const p = await pair(ctx, token);
  assert.is(p.fast.status, 200);
  assert.ok(p.answeredFast, "answered by the fast path under a quota of another mount");
  assertSame(p, "quota elsewhere");
});

t("sealed: 503 as the generic path, from the generic path", async (ctx) => {
  const { s } = ctx;
  const token = await created(ctx, "auth/token/create", { policies: ["default"], ttl: "1h" });
  assert.is((await s.write("sys/seal", {})).status, 204);
  const before = ctx.fast;
  const sealed = await get(ctx, token);
  assert.is(sealed.status, 503, sealed.text);
  assert.is(sealed.headers.get("content-type"), "application/json");
  assert.is(ctx.fast, before);
  assert.is((await s.write("sys/unseal", { key: s.unsealKeys[0] })).status, 200);
  instrument(ctx);
  await fastAgain(ctx, token);
  const p = await pair(ctx, token);
  assert.is(p.fast.status, 200);
  assert.ok(p.answeredFast, "answered by the new core's fast path");
  assertSame(p, "after unseal");
});

t.run();
