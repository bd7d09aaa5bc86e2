// Identity-era scenarios for bench/run.mjs: AppRole login (+ the cost of the secret hash), jwt login,
// identity-token mint, OCI login through the OCI emulator, and the token WITH an entity for lookup-self.
// Each scenario runs a real warden pinned to the server core, same loader and yardsticks as run.mjs:
// the ratios against bare node:http in rounds with it (run.mjs againstBare); the OCI login is measured
// once against the OCI emulator measured once just before (its fresh signatures are too few for rounds).
import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { SignJWT, exportSPKI, generateKeyPair } from "jose";
import { secretHmac } from "../../dist/plugins/approle/secret-store.js";
import { ociLoginData } from "../../dist/plugins/oci/cli.js";
import { signRequest } from "../../dist/plugins/oci/request-signer.js";
import { fingerprintOf } from "../../dist/src/emulators/oci/model.js";
import { writeLines } from "./bodies.mjs";
import { ROOT, freePort, spawnPinned, stop, waitForOutput } from "./procs.mjs";
import { runLoad } from "./load.mjs";
import { api, startWarden } from "./warden.mjs";

export const IDENTITY_SCENARIOS = ["login-approle", "login-jwt", "oidc-token-mint", "login-oci"];
export const IDENTITY_TARGETS = {
  "login-approle": { ratio: 0.15, vs: "bare node:http" },
};

const round = (x) => Math.round(x * 100) / 100;
const OIDC_ROLE = "bench";

/** An approle mount, a role with unlimited secret uses, one secret; `tokenPolicies` for the tokens. */
export async function setupApprole(url, tokenPolicies = ["default"]) {
  await api(url, "POST", "sys/auth/approle", { body: { type: "approle" } });
  await api(url, "POST", "auth/approle/role/bench", {
    body: { role_id: "bench-role-id", secret_id_num_uses: 0, secret_id_ttl: 0, token_policies: tokenPolicies, token_ttl: "1h" },
  });
  const secret = (await api(url, "POST", "auth/approle/role/bench/secret-id", { body: {} })).data.secret_id;
  const body = JSON.stringify({ role_id: "bench-role-id", secret_id: secret });
  return { body, secret };
}

/** A token that carries an entity: one approle login. */
export async function entityToken(url, tokenPolicies = ["default"]) {
  const { secret } = await setupApprole(url, tokenPolicies);
  const r = await api(url, "POST", "auth/approle/login", { token: "", body: { role_id: "bench-role-id", secret_id: secret } });
  if (!r.auth.entity_id) throw new Error("approle login returned no entity_id");
  return { token: r.auth.client_token, entityId: r.auth.entity_id };
}

/** µs per call of the plugin's own secretHmac (HMAC-SHA256, 32-byte role key, 64-hex secret id). */
export function measureSecretHash(n = 200_000) {
  const role = { hmacKey: randomBytes(32).toString("base64") };
  const ids = Array.from({ length: 1024 }, () => randomBytes(32).toString("hex"));
  let sink = 0;
  for (let i = 0; i < 20_000; i++) sink ^= secretHmac(role, ids[i & 1023]).charCodeAt(0);
  const runs = [];
  for (let r = 0; r < 5; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) sink ^= secretHmac(role, ids[i & 1023]).charCodeAt(0);
    runs.push(Number(process.hrtime.bigint() - t0) / 1000 / n);
  }
  runs.sort((a, b) => a - b);
  return { us: Math.round(runs[2] * 1000) / 1000, runsUs: runs.map((x) => Math.round(x * 1000) / 1000), calls: n, sink: sink & 1 };
}

export function identityScenarios(ctx) {
  const { tmp, SERVER, STS_CORE, seconds, warmup, base, measure, bare, againstBare, withTarget, wardenNodeArgs, withProfile, results, log } = ctx;
  // Enough lines of a reusable body for one run (every run starts at the file's first line, warm-up and
  // each round alike): warden cannot outrun the bare server's best rate so far.
  const repeated = async (name, pool) => {
    const b = await bare();
    const count = Math.max(20_000, Math.ceil(b.peak * 1.3 * Math.max(seconds, warmup)));
    let i = 0;
    return writeLines(join(tmp, `${name}.lines`), count, () => pool[i++ % pool.length]);
  };
  /** One subject in rounds against bare (run.mjs againstBare), with its target when it has one. */
  const versusBare = async (name, load, target) => {
    const r = (await againstBare(name, [{ name, load }]))[name];
    return target ? withTarget(r, target.ratio) : r;
  };

  async function loginApprole() {
    const hash = measureSecretHash();
    log(`approle: secretHmac (HMAC-SHA256) ${hash.us} µs/call (median of 5 x ${hash.calls}: ${hash.runsUs.join(", ")})`);
    results.scenarios["approle-secret-hash"] = hash;
    const w = await startWarden({ core: SERVER, dataDir: join(tmp, "approle"), nodeArgs: wardenNodeArgs("login-approle") });
    const { body } = await setupApprole(w.url);
    const linesFile = await repeated("approle", [body]);
    const r = await versusBare("login-approle", {
      ...base, url: w.url, method: "POST", path: "/v1/auth/approle/login",
      headers: { "Content-Type": "application/json" }, mode: "body", linesFile, watch: { server: w.child.pid },
    }, IDENTITY_TARGETS["login-approle"]);
    r.profile = await withProfile("login-approle", w.child, r);
    await stop(w.child);
    results.scenarios["login-approle"] = r;
  }

  async function loginJwt() {
    const w = await startWarden({ core: SERVER, dataDir: join(tmp, "jwt"), nodeArgs: wardenNodeArgs("login-jwt") });
    const { publicKey, privateKey } = await generateKeyPair("RS256");
    const issuer = "https://issuer.bench.invalid";
    await api(w.url, "POST", "sys/auth/jwt", { body: { type: "jwt" } });
    await api(w.url, "POST", "auth/jwt/config", { body: { jwt_validation_pubkeys: [await exportSPKI(publicKey)], bound_issuer: issuer } });
    await api(w.url, "POST", "auth/jwt/role/bench", {
      body: { role_type: "jwt", bound_audiences: ["warden"], user_claim: "sub", token_policies: ["default"], token_ttl: "1h" },
    });
    // 256 distinct tokens (one workload, distinct jti), each reused: jwt logins have no replay cache.
    const pool = [];
    for (let i = 0; i < 256; i++) {
      const jwt = await new SignJWT({})
        .setProtectedHeader({ alg: "RS256" })
        .setIssuer(issuer).setAudience("warden").setSubject("bench-workload").setJti(randomUUID())
        .setIssuedAt().setNotBefore("0s").setExpirationTime("1h")
        .sign(privateKey);
      pool.push(JSON.stringify({ role: "bench", jwt }));
    }
    const linesFile = await repeated("jwt", pool);
    const r = await versusBare("login-jwt", {
      ...base, url: w.url, method: "POST", path: "/v1/auth/jwt/login",
      headers: { "Content-Type": "application/json" }, mode: "body", linesFile, watch: { server: w.child.pid },
    });
    r.profile = await withProfile("login-jwt", w.child, r);
    await stop(w.child);
    results.scenarios["login-jwt"] = r;
  }

  async function oidcTokenMint() {
    const w = await startWarden({ core: SERVER, dataDir: join(tmp, "oidc"), nodeArgs: wardenNodeArgs("oidc-token-mint") });
    await api(w.url, "PUT", "sys/policies/acl/oidc-bench", { body: { policy: `path "identity/oidc/token/${OIDC_ROLE}" { capabilities = ["read"] }` } });
    await api(w.url, "POST", "identity/oidc/key/bench", { body: { algorithm: "RS256", allowed_client_ids: "*", rotation_period: "24h", verification_ttl: "24h" } });
    await api(w.url, "POST", `identity/oidc/role/${OIDC_ROLE}`, { body: { key: "bench", client_id: "bench-client", ttl: "15m" } });
    const { token } = await entityToken(w.url, ["default", "oidc-bench"]);
    const probe = await api(w.url, "GET", `identity/oidc/token/${OIDC_ROLE}`, { token });
    if (!probe?.data?.token) throw new Error("identity/oidc/token returned no token");
    const r = await versusBare("oidc-token-mint", {
      ...base, url: w.url, method: "GET", path: `/v1/identity/oidc/token/${OIDC_ROLE}`,
      headers: { "X-Vault-Token": token }, watch: { server: w.child.pid },
    });
    r.profile = await withProfile("oidc-token-mint", w.child, r);
    await stop(w.child);
    results.scenarios["oidc-token-mint"] = r;
  }

  async function loginOci() {
    // A tenancy of K API-key users in one group, plus warden's service user. OCI signatures are
    // deterministic per (key, second, signed headers) and warden keeps a replay cache, so every login
    // line is a distinct (user key, date second) pair, dates within the 5-minute skew window.
    // 128 users x 300 seconds = 38,400 fresh logins: enough for the warm-up and the run at this
    // machine's fastest (64 ran out on a quiet run: every login past them was a refused replay).
    const K = 128;
    const tenancy = "ocid1.tenancy.oc1..aaaaaaaabenchtenancy";
    const group = "ocid1.group.oc1..aaaaaaaabenchgroup";
    const pair = () => generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } });
    const users = Array.from({ length: K }, (_, i) => ({ id: `ocid1.user.oc1..aaaaaaaabenchuser${i}`, ...pair() }));
    const service = { id: "ocid1.user.oc1..aaaaaaaabenchservice", ...pair() };
    const serviceKeyId = `${tenancy}/${service.id}/${fingerprintOf(service.publicKey)}`;
    const spec = {
      users: [
        ...users.map((u, i) => ({ id: u.id, tenancyId: tenancy, name: `bench-user-${i}`, publicKeys: [u.publicKey] })),
        { id: service.id, tenancyId: tenancy, name: "warden-service", authInspector: true, publicKeys: [service.publicKey] },
      ],
      groups: [{ id: group, members: users.map((u) => u.id) }],
    };
    const specFile = join(tmp, "oci-tenancy.json");
    writeFileSync(specFile, JSON.stringify(spec));
    const keys = users.map((u) => ({ keyId: `${tenancy}/${u.id}/${fingerprintOf(u.publicKey)}`, key: u.privateKey }));
    const startEmu = async (core) => {
      const port = await freePort();
      const child = spawnPinned(core, process.execPath, [join(ROOT, "bench", "oci-emulator.mjs"), String(port), specFile]);
      await waitForOutput(child, "listening");
      return { child, port, origin: `http://127.0.0.1:${port}` };
    };

    // 1. The yardstick: the emulator alone on the server core answering authenticateClient exactly as
    //    warden sends it (POST signed by the service key, the client's signed login headers in the body).
    //    The emulator has no replay cache, so one valid request is repeated.
    let emu = await startEmu(SERVER);
    const client = ociLoginData({ address: "http://127.0.0.1:8200", mount: "oci", role: "bench", keyId: keys[0].keyId, privateKeyPem: users[0].privateKey });
    const acBody = JSON.stringify({ requestHeaders: client.body.request_headers });
    const acPath = "/v1/authentication/authenticateClient";
    const signed = signRequest({ method: "POST", target: acPath, host: `127.0.0.1:${emu.port}`, keyId: serviceKeyId, privateKey: service.privateKey, body: acBody });
    const rename = { host: "Host", "content-length": "Content-Length", "content-type": "Content-Type" };
    const acHeaders = Object.fromEntries(Object.entries(signed).map(([k, v]) => [rename[k] ?? k, v]));
    const probe = await fetch(`${emu.origin}${acPath}`, { method: "POST", headers: signed, body: acBody }).then((r) => r.json());
    if (!probe.success) throw new Error(`OCI emulator refused the yardstick request: ${JSON.stringify(probe)}`);
    const acFile = await writeLines(join(tmp, "oci-ac.lines"), 400_000, () => acBody);
    const direct = await measure("OCI emulator authenticateClient", {
      ...base, url: emu.origin, method: "POST", path: acPath, headers: acHeaders, mode: "body", linesFile: acFile, watch: { server: emu.child.pid },
    });
    await stop(emu.child);
    results.scenarios["oci-emulator"] = direct;

    // 2. warden (authenticate_client mode) logging in through a fresh emulator on the STS core.
    emu = await startEmu(STS_CORE);
    const w = await startWarden({ core: SERVER, dataDir: join(tmp, "oci"), nodeArgs: wardenNodeArgs("login-oci") });
    await api(w.url, "POST", "sys/auth/oci", { body: { type: "oci" } });
    await api(w.url, "POST", "auth/oci/config", {
      body: { home_tenancy_id: tenancy, auth_endpoint: emu.origin, service_key_id: serviceKeyId, service_private_key: service.privateKey },
    });
    await api(w.url, "POST", "auth/oci/role/bench", { body: { ocid_list: group, token_policies: ["default"], token_ttl: "1h" } });
    const t0 = Math.floor(Date.now() / 1000) - 240;
    const max = K * 300;
    let next = 0;
    const sign = () => {
      if (next >= max) throw new Error("login-oci: out of distinct (key, second) pairs");
      const i = next++;
      const k = keys[i % K];
      const now = new Date((t0 + Math.floor(i / K)) * 1000);
      return JSON.stringify(ociLoginData({ address: w.url, mount: "oci", role: "bench", keyId: k.keyId, privateKeyPem: k.key, now }).body);
    };
    const firstLogin = await api(w.url, "POST", "auth/oci/login/bench", { token: "", body: JSON.parse(sign()) });
    if (!firstLogin.auth?.client_token) throw new Error("OCI login failed");
    // Sized for warden's login rate (a fraction of the emulator's: two signed calls per login), not the
    // emulator's: a warm-up that used up half the pairs left the run too few on a fast machine.
    const warmN = Math.min(max - next, Math.max(500, Math.ceil(direct.rps * 0.3 * Math.max(1, warmup))));
    const warmFile = await writeLines(join(tmp, "oci-warm.lines"), warmN, sign);
    log(`warden oci login: warm-up ${warmup}s`);
    const warm = await runLoad({ ...base, url: w.url, method: "POST", path: "/v1/auth/oci/login/bench", headers: { "Content-Type": "application/json" }, mode: "body", linesFile: warmFile, seconds: Math.max(1, warmup) });
    const runN = Math.min(max - next, Math.ceil(Math.max(warm.rps, 200) * 1.6 * seconds) + 2000);
    log(`signing ${runN} fresh OCI logins`);
    const runFile = await writeLines(join(tmp, "oci-run.lines"), runN, sign);
    log(`warden oci login: ${seconds}s`);
    const r = await runLoad({
      ...base, url: w.url, method: "POST", path: "/v1/auth/oci/login/bench", headers: { "Content-Type": "application/json" },
      mode: "body", linesFile: runFile, seconds, watch: { server: w.child.pid, emulator: emu.child.pid },
    });
    log(`warden oci login: ${r.rps} req/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, non-2xx ${r.non2xx}, errors ${r.errors}, cpu ${JSON.stringify(r.cpu_pct)}`);
    // Refused replays are cheap and would pass for logins: a run that ran out of fresh lines says so.
    if (r.non2xx > 0) log(`warden oci login: WARNING ${r.non2xx} non-2xx answers (${runN} fresh lines signed): the rate above is not a login rate`);
    r.profile = await withProfile("login-oci", w.child, r);
    await stop(w.child);
    await stop(emu.child);
    results.scenarios["login-oci"] = { ...r, baseline: "oci-emulator", baselineRps: direct.rps, ratio: round(r.rps / direct.rps), upstreamCallsPerLogin: 2 };
  }

  return { "login-approle": loginApprole, "login-jwt": loginJwt, "oidc-token-mint": oidcTokenMint, "login-oci": loginOci };
}

/** Markdown rows for these scenarios, through run.mjs's row() helper. */
export function identityRows(S, row) {
  row("warden approle login", S["login-approle"], IDENTITY_TARGETS["login-approle"].ratio);
  row("warden jwt login (RS256)", S["login-jwt"]);
  row("warden identity/oidc/token mint (RS256)", S["oidc-token-mint"]);
  row("OCI emulator authenticateClient", S["oci-emulator"]);
  row("warden oci login (authenticate_client)", S["login-oci"]);
}

export function identityNotes(S) {
  const out = [];
  const h = S["approle-secret-hash"];
  if (h) out.push(`AppRole secret hash (plugins/approle secretHmac, HMAC-SHA256 with the role's 32-byte key over the 64-hex secret id): **${h.us} µs** per call (median of 5 runs of ${h.calls.toLocaleString("en")} calls; ${h.runsUs.join(", ")} µs).`, "");
  if (S["lookup-self-entity"] && S["lookup-self"]) {
    out.push(`lookup-self with an entity (approle login token) vs without (child token of root), same server: ${S["lookup-self-entity"].rps} vs ${S["lookup-self"].rps} req/s (${round(S["lookup-self-entity"].rps / S["lookup-self"].rps)}x).`, "");
  }
  if (S["login-oci"]) out.push("OCI login: each line a fresh signature (128 API-key users x distinct date seconds; warden's replay cache refuses repeats); warden makes 2 calls per login (authenticateClient, filterGroupMembership), each signed with its service key; the emulator's own rate is authenticateClient alone on the server core, and during the login run it shares the loader's core.", "");
  return out;
}
