// The floor of any proxying AliCloud login on this stack (issue 16): a bare node:http server that takes
// a warden login body, forwards its signed GetCallerIdentity to the STS emulator through warden's own
// outbound client (this build's warden/sdk createHttpClient: undici's keep-alive pool through its
// dispatch, the cheapest client measured on this stack) and answers the emulator's JSON. No framework,
// no checks, no role, no token.
// With --store <dir> it also does the two writes warden's login does, through warden's own storage
// (this build's dist/: SQLite WAL with its group commit, behind the barrier): the nonce claim before
// the call, keyed and committed as the plugin's is, and the token minted by TokenService.mint after it.
// That is the floor with storage.
// With --checks (and --store) it also runs what the AliCloud plugin must check on every login, with the
// plugin's own functions (this build's dist/plugins/alicloud): the header map's strict parse, the signed
// URL's grammar and timestamp window, the replay claim's key (signed Timestamp, then the digest), the
// rebuilt outbound request, STS's answer read strictly and the caller's ARN matched against a role's.
// That is the floor of a login done as security.md asks, with no framework around it: no routing, no
// role or config read, no identity, quotas, audit hooks, metrics or envelope.
// Usage: node bench/login-floor-server.mjs <port> <sts-port> [--store <dir> [--checks]]   ("listening <port>" when ready)
import { hash, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values: opt, positionals } = parseArgs({ allowPositionals: true, options: { store: { type: "string" }, checks: { type: "boolean", default: false } } });
if (opt.checks && !opt.store) throw new Error("--checks needs --store");
const stsPort = Number(positionals[1]);
const { createHttpClient } = await import("../dist/src/sdk/http-client.js");
const client = createHttpClient();
const stsOrigin = `http://127.0.0.1:${stsPort}`;

let store;
if (opt.store) {
  const { openSqliteStorage } = await import("../dist/src/storage/sqlite/index.js");
  const { barrierStorage } = await import("../dist/src/core/barrier/barrier-storage.js");
  const { Barrier } = await import("../dist/src/core/barrier/barrier.js");
  const { Keyring } = await import("../dist/src/core/seal/keyring.js");
  const { TokenService } = await import("../dist/src/core/tokens/token-service.js");
  const raw = await openSqliteStorage({ path: join(opt.store, "floor.db") });
  const keyring = Keyring.fresh();
  const storage = barrierStorage(raw, new Barrier(keyring, async () => keyring));
  store = { raw, storage, tokens: new TokenService(storage, randomBytes(32), { defaultTtl: 3600, maxTtl: 86400 }) };
}

let checks;
if (opt.checks) {
  const sts = await import("../dist/plugins/alicloud/sts-request.js");
  const { readCallerIdentity } = await import("../dist/plugins/alicloud/sts-response.js");
  const { parseArn, isMemberOf } = await import("../dist/plugins/alicloud/arn.js");
  const { parseHeaderMap } = await import("../dist/src/sdk/encoding.js");
  const { createLogger } = await import("../dist/src/core/logging/logger.js");
  // warden's own logger with its lines discarded: STS's refusals are logged as in the plugin, not shown.
  const quiet = createLogger("error", "bench-floor", () => {});
  // The role the bench's logins are sessions of (the role warden's bench mount is given).
  const { ROLE_ARN: boundArn } = await import("./lib/bodies.mjs");
  checks = { sts, readCallerIdentity, parseArn, isMemberOf, parseHeaderMap, quiet, boundArn };
}

/** POST the signed path+query to the emulator; resolves its status and body. */
async function forward(pathAndQuery) {
  const res = await client.request({ method: "POST", url: `${stsOrigin}${pathAndQuery}`, headers: { accept: "application/json" } });
  return { status: res.status, body: res.body.toString("utf8") };
}

/**
 * The replay claim as the plugin makes it: keyed by the signed Timestamp, then a digest (new claims land
 * on the index's last pages), committed with the token that follows it (withNextWrite).
 */
function claim(timestamp, secretPart) {
  const now = Date.now();
  const key = `claim/nonce/${timestamp}/${hash("sha256", secretPart, "hex")}`;
  return store.storage.kv.claimOnce("floor", key, now + 1_800_000, now, { withNextWrite: true });
}

/** The login as the plugin checks it: every check the AliCloud plugin makes, in its order. */
async function checkedLogin(fields) {
  const c = checks;
  c.parseHeaderMap(fields.identity_request_headers, "identity_request_headers");
  const signed = c.sts.parseIdentityRequestUrl(fields.identity_request_url);
  if (!(await claim(signed.params.Timestamp, `${signed.accessKeyId}\n${signed.nonce}`))) return undefined;
  const outbound = c.sts.rebuildStsRequest(signed, { endpoint: stsOrigin, method: "POST", userAgent: "warden-auth-alicloud/1.0" });
  const caller = c.readCallerIdentity(await client.request(outbound), c.quiet);
  const bound = c.parseArn(c.boundArn);
  if (!bound || !c.isMemberOf(caller.arn, bound)) return undefined;
  return { Arn: caller.arn.full, AccountId: caller.accountId, PrincipalId: caller.principalId, RequestId: caller.requestId };
}

async function login(body) {
  let caller;
  if (checks) {
    caller = await checkedLogin(JSON.parse(body));
    if (!caller) return { status: 403, body: "{}" };
  } else {
    const forwarded = await storedForward(body);
    if (forwarded.status !== 200 || !store) return forwarded;
    caller = JSON.parse(forwarded.body);
  }
  return mintFor(caller);
}

/** The floor's own login: the nonce found by a regular expression, the answer taken as STS sent it. */
async function storedForward(body) {
  const url = Buffer.from(JSON.parse(body).identity_request_url, "base64").toString("utf8");
  const pathAndQuery = url.slice(url.indexOf("/?"));
  if (store) {
    const nonce = /SignatureNonce=([^&]*)/.exec(pathAndQuery)?.[1] ?? "";
    const timestamp = /Timestamp=([^&]*)/.exec(pathAndQuery)?.[1] ?? "";
    if (!(await claim(timestamp, nonce))) return { status: 403, body: "{}" };
  }
  const sts = await forward(pathAndQuery);
  return sts.status === 200 ? sts : { status: 403, body: "{}" };
}

async function mintFor(caller) {
  const minted = await store.tokens.mint({
    policies: ["default"],
    parentHash: null,
    path: "auth/alicloud/login",
    mountAccessor: "auth_alicloud_floor",
    meta: { arn: caller.Arn, account_id: caller.AccountId, principal_id: caller.PrincipalId, request_id: caller.RequestId, role_name: "bench-role" },
    displayName: `alicloud-${caller.PrincipalId}`,
    numUses: 0,
    ttl: 3600,
    explicitMaxTtl: 0,
    maxTtl: 0,
    period: 0,
    renewable: true,
    entityId: "",
    boundCidrs: [],
    role: "",
    loginRole: "bench-role",
    auth: null,
  });
  return { status: 200, body: JSON.stringify({ auth: { client_token: minted.token, accessor: minted.record.accessor, policies: ["default"], lease_duration: 3600 } }) };
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    login(Buffer.concat(chunks).toString("utf8")).then(
      (r) => {
        res.writeHead(r.status, { "content-type": "application/json", "content-length": Buffer.byteLength(r.body) });
        res.end(r.body);
      },
      () => {
        res.writeHead(500, { "content-length": 2 });
        res.end("{}");
      },
    );
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(positionals[0] ?? 0), "127.0.0.1", () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    server.close(() => (store ? store.raw.close() : Promise.resolve()).finally(() => process.exit(0)));
    server.closeAllConnections();
  });
}
