// The floor of a login on this storage: a plain node:http server that does only what a login must
// store, exactly as warden stores it, and answers a login-shaped JSON: it reads and parses the JSON
// body, inserts ONE token row (warden's own SQLite adapter from dist/: the same pragmas, the same
// tokens table and indexes from the migrations, the same insert statement and group commit, the
// WAL fdatasync'd before the answer), and answers. No framework, no routing, no lookups, no audit,
// no quotas. The row has the size of an AppRole login token behind the barrier (a sealed blob of the
// same length), so the storage does the same work per login.
//
//   node bench/login-floor.mjs <port> <data dir> [--crypto]     (prints "listening <port>" when ready)
//
// --crypto adds the cryptography a login cannot do without, with warden's own code: a token id from
// the CSPRNG and its HMAC (the stored id), the AppRole secret id's HMAC, and one AES-256-GCM seal of
// the token's fields (the barrier's). Without it, ids and the blob are random bytes of the same sizes.
// Measured by `node bench/cpu-per-request.mjs login-approle --vs floor|floor-crypto` (CPU µs per
// login, alternating rounds with warden) and `npm run bench -- login-floor` (req/s against bare).
import { createServer } from "node:http";
import { join } from "node:path";
import { openSqliteStorage } from "../dist/src/storage/sqlite/index.js";
import { hmacSha256Hex } from "../dist/src/sdk/hmac.js";
import { Keyring } from "../dist/src/core/seal/keyring.js";
import { pooledRandomBytes } from "../dist/src/core/random-pool.js";
import { newAccessor, newServiceToken, tokenKey } from "../dist/src/core/tokens/token-id.js";

const [port = "0", dataDir] = process.argv.slice(2);
if (!dataDir) throw new Error("usage: node bench/login-floor.mjs <port> <data dir> [--crypto]");
const crypto = process.argv.includes("--crypto");
const storage = await openSqliteStorage({ path: join(dataDir, "floor.db") });

const ENTITY = "6f1c1c8e-0000-4000-8000-00000000beef";
const TTL = 3600;
// What an AppRole login token's sealed fields are, as barrier-storage.ts tokenPlaintext writes them (a
// compact array, the auth's metadata 0 when it is the meta), for the blob's size.
const fields = (roleId) => [["default"], { role_name: "bench" }, "approle", [], "", [roleId, 0, { role_name: "bench", role_key_id: "0123456789abcdef0123456789abcdef" }]];
const keyring = Keyring.fresh();
const tokenHash = hmacSha256Hex(pooledRandomBytes(32));
const secretHash = hmacSha256Hex(pooledRandomBytes(32));
const blobBytes = keyring.encryptBytes(JSON.stringify(fields("bench-role-id")), "token\0" + "0".repeat(64)).length;

function tokenRow(body, now) {
  let token, idHash, accessor, blob;
  if (crypto) {
    secretHash(String(body.secret_id ?? ""));
    token = newServiceToken(now);
    idHash = tokenKey(token, tokenHash(token));
    accessor = newAccessor(now);
    blob = keyring.encryptBytes(JSON.stringify(fields(String(body.role_id ?? ""))), "token\0" + idHash);
  } else {
    const r = pooledRandomBytes(76);
    // warden's token, key and accessor shapes (time first, then random: see token-id.ts), as the
    // indexes see them; random bytes where warden has an HMAC.
    token = "hvs." + newAccessor(now).slice(0, 8) + r.toString("base64url", 0, 21);
    idHash = tokenKey(token, r.toString("hex", 24, 56));
    accessor = newAccessor(now);
    blob = Buffer.alloc(blobBytes, r[75]);
  }
  const record = {
    idHash,
    accessor,
    parentHash: null,
    policies: [],
    path: "auth/approle/login",
    mountAccessor: "auth_approle_0000bench",
    meta: {},
    displayName: "",
    numUses: 0,
    createdAt: now,
    ttl: TTL,
    expiresAt: now + TTL * 1000,
    explicitMaxTtl: 0,
    maxTtl: 0,
    period: 0,
    renewable: true,
    lastRenewalAt: 0,
    entityId: ENTITY,
    boundCidrs: [],
    role: "",
    auth: null,
    // The barrier's blob in its own binary column (schema version 7).
    sealed: blob,
    loginRole: "bench",
  };
  return { token, record };
}

const answer = (token, accessor) =>
  JSON.stringify({
    request_id: "00000000-0000-4000-8000-000000000000",
    lease_id: "",
    renewable: false,
    lease_duration: 0,
    data: null,
    wrap_info: null,
    warnings: null,
    auth: {
      client_token: token,
      accessor,
      policies: ["default"],
      token_policies: ["default"],
      metadata: { role_name: "bench" },
      lease_duration: TTL,
      renewable: true,
      entity_id: ENTITY,
      token_type: "service",
      orphan: true,
      mfa_requirement: null,
      num_uses: 0,
    },
  });

const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", async () => {
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      const { token, record } = tokenRow(body, Date.now());
      // Resolves after the group commit's fdatasync, as every warden write.
      if (!(await storage.tokens.insert(record))) throw new Error("insert refused");
      const text = answer(token, record.accessor);
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
      res.end(text);
    } catch (e) {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(e));
    }
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(port), "127.0.0.1", () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    server.closeAllConnections();
    server.close(async () => {
      await storage.close();
      process.exit(0);
    });
  });
}
