// Instance principals in authenticate_client mode, end to end over real HTTP: the OCI emulator's
// federation endpoint issues a session token (its own signed JWT) over a session key the instance
// supplies; the login is signed with keyId ST$<token> and that session key (by the official oci-common
// signer, and by `warden login -method=oci auth_type=instance`); warden relays it to the emulator's
// authenticateClient like an API-key signature. Expired, forged and mismatched tokens are refused with
// a 4xx and a clear message; no token, key or signature reaches a log.
import { generateKeyPairSync, sign } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { ociLogin, requestInstanceSession } from "../../plugins/oci/cli.js";
import { signRequest } from "../../plugins/oci/request-signer.js";
import { type OciEmulator, startOciEmulator } from "../../src/emulators/oci/server.js";
import { type TestServer, startTestServer } from "../helpers/server.js";
import { runCli } from "../cli/harness.js";
import { alice, builder, DYN_GROUP, GROUP, oci, REGION, service, TENANCY, tenancySpec } from "./fixtures.js";

interface Ctx {
  s: TestServer;
  emu: OciEmulator;
  emuLog: string[];
  /** Session tokens and signatures seen, for the leak scan. */
  secrets: string[];
}

const t = suite<Ctx>("oci instance principals");

const federation = (ctx: Ctx) => ({ federationEndpoint: ctx.emu.url, tenancy: TENANCY, instanceId: builder.id, instanceKeyPem: builder.privateKey });
const sigOf = (authorization: string): string => /signature="([^"]+)"/.exec(authorization)?.[1] ?? "";

/** Signs the login with the official oci-common signer, as an SDK's instance-principal provider would. */
async function officialSessionLogin(ctx: Ctx, token: string, privateKeyPem: string, path = "/v1/auth/oci/login/dev") {
  const provider = { getKeyId: async () => `ST$${token}`, getPrivateKey: () => privateKeyPem, getPassphrase: () => null };
  const headers = new Headers();
  headers.set("x-date", new Date().toUTCString());
  await new oci.DefaultRequestSigner(provider).signHttpRequest({ method: "GET", uri: `${ctx.s.url}${path}`, headers, body: null });
  const request_headers: Record<string, string> = { ...Object.fromEntries(headers.entries()), "(request-target)": `get ${path}` };
  ctx.secrets.push(token, sigOf(request_headers.authorization!));
  return { request_headers };
}

const put = (ctx: Ctx, path: string, body: unknown) => ctx.s.request("PUT", path, { token: null, body });

t.before(async (ctx) => {
  ctx.secrets = [];
  ctx.emuLog = [];
  ctx.emu = await startOciEmulator({ ...tenancySpec(), log: (l) => ctx.emuLog.push(l) });
  ctx.s = await startTestServer();
  const { s } = ctx;
  for (const path of ["oci", "ociuser"]) assert.is((await s.request("POST", `sys/auth/${path}`, { body: { type: "oci" } })).status, 204);
  const cfg = await s.request("PUT", "auth/oci/config", {
    body: { home_tenancy_id: TENANCY, auth_endpoint: ctx.emu.url, service_key_id: service.keyId, service_private_key: service.privateKey },
  });
  assert.is(cfg.status, 204, cfg.text);
  const cfg2 = await s.request("PUT", "auth/ociuser/config", { body: { home_tenancy_id: TENANCY, mode: "get_user", region: REGION, identity_endpoint: ctx.emu.url } });
  assert.is(cfg2.status, 204, cfg2.text);
  assert.is((await s.request("PUT", "auth/oci/role/dev", { body: { ocid_list: `${GROUP},${DYN_GROUP}`, token_ttl: "1h" } })).status, 204);
  assert.is((await s.request("PUT", "auth/oci/role/users", { body: { ocid_list: GROUP } })).status, 204);
  assert.is((await s.request("PUT", "auth/ociuser/role/any", { body: { allowed_usernames: "alice" } })).status, 204);
});
t.after(async (ctx) => {
  await ctx.s.close();
  await ctx.emu.close();
});

t("the emulator's federation endpoint issues a session token over the instance's session key", async (ctx) => {
  const session = await requestInstanceSession(federation(ctx));
  ctx.secrets.push(session.token);
  const claims = JSON.parse(Buffer.from(session.token.split(".")[1]!, "base64url").toString("utf8"));
  assert.is(claims.sub, builder.id);
  assert.is(claims.ptype, "instance");
  assert.is(claims["opc-tenant"], TENANCY);
  assert.ok(claims.exp > Date.now() / 1000, "not expired");
  assert.is(typeof claims.jwk, "string");
  // Only an instance key can federate: a user's key, or a session token, cannot.
  let refused = "";
  await requestInstanceSession({ ...federation(ctx), instanceId: alice.id, instanceKeyPem: alice.privateKey }).catch((e: Error) => (refused = e.message));
  assert.match(refused, /did not issue a session token \(HTTP 401 NotAuthenticated\)/);
  const body = JSON.stringify({ publicKey: "AAAA" });
  const viaSession = signRequest({ method: "POST", target: "/v1/x509", host: new URL(ctx.emu.url).host, keyId: `ST$${session.token}`, privateKey: session.privateKeyPem, body, dateHeader: "x-date" });
  delete viaSession.host;
  delete viaSession["content-length"];
  const res = await fetch(`${ctx.emu.url}/v1/x509`, { method: "POST", headers: viaSession, body });
  assert.is(res.status, 401, "a session token cannot mint another");
});

t("a federation endpoint that is not a bare http(s) origin is refused before any key is made or call sent", async (ctx) => {
  for (const [endpoint, why] of [
    ["not a url", /^federation_endpoint must be an http\(s\) URL$/],
    ["ftp://auth.example", /^federation_endpoint must be an http\(s\) URL$/],
    ["https://auth.example/v1", /^federation_endpoint must be an origin/],
    ["https://auth.example/?x=1", /^federation_endpoint must not have a query$/],
    ["https://u:p@auth.example", /^federation_endpoint must not contain credentials$/],
  ] as const) {
    let calls = 0;
    const refused = await requestInstanceSession({ ...federation(ctx), federationEndpoint: endpoint, fetch: async () => (calls++, new Response("{}")) }).then(
      () => "",
      (e: Error) => e.message,
    );
    assert.match(refused, why, endpoint);
    assert.is(calls, 0, endpoint);
  }
});

t("login with ST$<token>, signed by the official signer: the instance is the principal", async (ctx) => {
  const session = await requestInstanceSession(federation(ctx));
  const before = ctx.emu.requests.length;
  const r = await put(ctx, "auth/oci/login/dev", await officialSessionLogin(ctx, session.token, session.privateKeyPem));
  assert.is(r.status, 200, r.text);
  assert.equal(r.body.auth.metadata, { role_name: "dev", tenancy_id: TENANCY, principal_type: "instance", principal_id: builder.id });
  const calls = ctx.emu.requests.slice(before).map((q) => `${q.method} ${q.path} ${q.status}`);
  assert.equal(calls, ["POST /v1/authentication/authenticateClient 200", "POST /v1/filterGroupMembership 200"]);
  // Relayed exactly like an API-key signature: the client's signed headers, keyId ST$ included.
  const relayed = JSON.parse(ctx.emu.requests[before]!.body).requestHeaders;
  assert.match(relayed.authorization[0], /keyId="ST\$/);
  const self = await ctx.s.request("GET", "auth/token/lookup-self", { token: r.body.auth.client_token });
  assert.is(self.body.data.display_name, `oci-${builder.id}`);
  // One entity per instance, whichever way it proves itself.
  const again = await put(ctx, "auth/oci/login/dev", await officialSessionLogin(ctx, (await requestInstanceSession(federation(ctx))).token, session.privateKeyPem));
  assert.is(again.status, 403, "a token over another session key does not match this key's signature");
  const second = await requestInstanceSession(federation(ctx));
  const r2 = await put(ctx, "auth/oci/login/dev", await officialSessionLogin(ctx, second.token, second.privateKeyPem));
  assert.is(r2.status, 200, r2.text);
  assert.is(r2.body.auth.entity_id, r.body.auth.entity_id);
});

t("warden login -method=oci auth_type=instance: session token from the emulator, then the login", async (ctx) => {
  const dir = mkdtempSync(join(tmpdir(), "oci-instance-"));
  writeFileSync(join(dir, "instance.pem"), builder.privateKey, { mode: 0o600 });
  const args = { auth_type: "instance", role: "dev", tenancy: TENANCY, instance_id: builder.id, instance_key_file: join(dir, "instance.pem"), federation_endpoint: ctx.emu.url };
  // The handler in-process (what the CLI calls), and then the CLI binary itself.
  const req = await ociLogin.login({ args, mount: "oci", env: {}, address: ctx.s.url });
  assert.is(req.path, "auth/oci/login/dev");
  assert.not.match(JSON.stringify(req.body), /PRIVATE KEY/);
  const r = await put(ctx, req.path, req.body);
  assert.is(r.status, 200, r.text);
  assert.is(r.body.auth.metadata.principal_id, builder.id);

  const cli = await runCli(["login", "-method=oci", "-no-store", ...Object.entries(args).map(([k, v]) => `${k}=${v}`)], { env: { WARDEN_ADDR: ctx.s.url } });
  assert.is(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, /principal_id\s+ocid1\.instance/);
  assert.not.match(cli.stdout + cli.stderr, /ST\$|PRIVATE KEY|eyJ/);

  // Usage mistakes are clear.
  for (const [bad, why] of [[{ ...args, tenancy: "x" }, /tenancy=/], [{ ...args, federation_endpoint: undefined }, /federation_endpoint=URL or region=REGION/], [{ auth_type: "apikey", role: "dev", instance_id: builder.id }, /auth_type=instance argument/]] as const) {
    const clean = Object.fromEntries(Object.entries(bad).filter(([, v]) => v !== undefined));
    let msg = "";
    await Promise.resolve().then(() => ociLogin.login({ args: clean, mount: "oci", env: {}, address: ctx.s.url })).catch((e: Error) => (msg = e.message));
    assert.match(msg, why);
  }
});

t("an expired session token is refused locally with a 403 that says so", async (ctx) => {
  const session = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const instance = ctx.emu.tenancy.instances.get(builder.id)!;
  // Genuinely issued by the emulator, 30 minutes ago (it lived 20).
  const token = ctx.emu.tenancy.sessions.issue(instance, session.publicKey, Date.now() - 30 * 60_000);
  const before = ctx.emu.requests.length;
  const r = await put(ctx, "auth/oci/login/dev", await officialSessionLogin(ctx, token, session.privateKey.export({ type: "pkcs8", format: "pem" }).toString()));
  assert.is(r.status, 403, r.text);
  assert.match(r.body.errors[0], /session token \(ST\$ keyId\) has expired/);
  assert.is(ctx.emu.requests.length, before, "no outbound call");
});

t("a forged session token is refused by OCI: 403 with a clear message, no token", async (ctx) => {
  const session = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const forger = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: builder.id, ptype: "instance", tenant: TENANCY, "opc-tenant": TENANCY, "opc-instance": builder.id, "opc-compartment": TENANCY, iss: "authService.oracle.com", aud: "oci", iat: now, exp: now + 600, jwk: JSON.stringify(session.publicKey.export({ format: "jwk" })) };
  const head = `${Buffer.from(JSON.stringify({ alg: "RS256", typ: "JWT" })).toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
  const forged = `${head}.${sign("sha256", Buffer.from(head), forger.privateKey).toString("base64url")}`;
  const r = await put(ctx, "auth/oci/login/dev", await officialSessionLogin(ctx, forged, session.privateKey.export({ type: "pkcs8", format: "pem" }).toString()));
  assert.is(r.status, 403, r.text);
  assert.match(r.body.errors[0], /OCI did not authenticate the signed request/);
  assert.is(r.body.auth, undefined);
});

t("malformed, non-instance and misplaced session tokens are 4xx without an outbound call", async (ctx) => {
  const session = await requestInstanceSession(federation(ctx));
  const [h, , s] = session.token.split(".");
  const payload = (o: object) => `${h}.${Buffer.from(JSON.stringify(o)).toString("base64url")}.${s}`;
  const base = JSON.parse(Buffer.from(session.token.split(".")[1]!, "base64url").toString("utf8"));
  const before = ctx.emu.requests.length;
  const cases: Array<[string, string, number, RegExp]> = [
    ["not a JWT", "not-a-jwt", 400, /not a well-formed session token/],
    ["resource principal", payload({ ...base, ptype: "resource" }), 400, /only instance principal session tokens/],
    ["no subject", payload({ ...base, sub: undefined }), 400, /not a well-formed session token/],
    ["other tenancy", payload({ ...base, "opc-tenant": "ocid1.tenancy.oc1..aaaaaaaaothertenancy" }), 403, /permission denied/],
  ];
  for (const [what, token, status, message] of cases) {
    const r = await put(ctx, "auth/oci/login/dev", await officialSessionLogin(ctx, token, session.privateKeyPem));
    assert.is(r.status, status, `${what}: ${r.text}`);
    assert.match(r.body.errors[0], message, what);
  }
  // get_user mode is for API-key users only.
  const gu = await officialSessionLogin(ctx, session.token, session.privateKeyPem, `/20160918/users/${alice.id}`);
  const r = await put(ctx, "auth/ociuser/login/any", { ...gu, user_ocid: alice.id });
  assert.is(r.status, 400, r.text);
  assert.match(r.body.errors[0], /get_user mode takes API-key signatures only/);
  assert.is(ctx.emu.requests.length, before, "none reached OCI");
  // A genuine instance whose dynamic group is not in the role: refused after OCI vouched for it.
  const inst = await put(ctx, "auth/oci/login/users", await officialSessionLogin(ctx, session.token, session.privateKeyPem, "/v1/auth/oci/login/users"));
  assert.is(inst.status, 403, inst.text);
});

t("no session token, signature or key in warden's logs, storage or the emulator's log", async (ctx) => {
  const haystacks = [ctx.s.logs.join("\n"), await ctx.s.storageText(), ctx.emuLog.join("\n")];
  const needles = [...ctx.secrets.filter((x) => x.length > 20).flatMap((x) => [x, x.split(".")[2] ?? x]), builder.privateKey.split("\n")[1]!];
  assert.ok(needles.length > 5, "secrets were collected");
  for (const needle of needles) for (const h of haystacks) assert.not.ok(h.includes(needle), `found a secret (${needle.slice(0, 8)}...)`);
});

t.run();
