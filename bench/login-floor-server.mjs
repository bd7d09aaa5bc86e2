// The floor of any proxying AliCloud login on this stack (issue 16): a bare node:http server that takes
// a warden login body, forwards its signed GetCallerIdentity to the STS emulator through warden's own
// outbound client (this build's warden/sdk createHttpClient: undici's keep-alive pool through its
// dispatch, the cheapest client measured on this stack) and answers the emulator's JSON. No framework,
// no checks, no role, no token.
// With --store <dir> it also does the two writes warden's login does, through warden's own storage
// (this build's dist/: SQLite WAL with its group commit, behind the barrier): the nonce claim before
// the call and the token minted by TokenService.mint after it. That is the floor with storage.
// Usage: node bench/login-floor-server.mjs <port> <sts-port> [--store <dir>]   ("listening <port>" when ready)
import { hash, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values: opt, positionals } = parseArgs({ allowPositionals: true, options: { store: { type: "string" } } });
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

/** POST the signed path+query to the emulator; resolves its status and body. */
async function forward(pathAndQuery) {
  const res = await client.request({ method: "POST", url: `${stsOrigin}${pathAndQuery}`, headers: { accept: "application/json" } });
  return { status: res.status, body: res.body.toString("utf8") };
}

async function login(body) {
  const url = Buffer.from(JSON.parse(body).identity_request_url, "base64").toString("utf8");
  const pathAndQuery = url.slice(url.indexOf("/?"));
  if (store) {
    const nonce = /SignatureNonce=([^&]*)/.exec(pathAndQuery)?.[1] ?? "";
    const now = Date.now();
    if (!(await store.storage.kv.claimOnce("floor", `claim/nonce/${hash("sha256", nonce, "hex")}`, now + 1_800_000, now))) return { status: 403, body: "{}" };
  }
  const sts = await forward(pathAndQuery);
  if (sts.status !== 200) return { status: 403, body: "{}" };
  const caller = JSON.parse(sts.body);
  if (!store) return { status: 200, body: sts.body };
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
