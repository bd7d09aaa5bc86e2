// The floor of a lookup-self that reads on every request: a bare node:http server (as
// bench/bare-server.mjs) that makes the same per-request work (warden on SQLite skips the read while
// nothing was written in the snapshot the token was read in: SqliteTokenStore.peek): the token's HMAC
// (warden/sdk hmacSha256Hex itself), warden's hot read (the same prepared SQL, array mode, on a warden
// database, inside a long-lived read transaction as write-batch.ts keeps one) and a lookup-sized JSON
// answer built from the row. No barrier open, no ACL, no metrics: what is left above this in warden is warden's own.
// Usage: node bench/lib/floor-server.mjs <port> <warden.db> <accessor of the token to read> [stages]
// `stages` (default "hmac,read,json") names the parts of that work done per request, so each stage's
// floor can be measured alone; a part left out is done once at start and its result reused, so the
// answer is the same whatever is measured:
//   hmac    the token's keyed HMAC
//   read    warden's whole hot read (every column of the row, the entity's flag, the ancestors' expiry)
//   json    the answer built from the row with JSON.stringify
//   narrow  a read of only what can change on a live token (expiry, uses, renewal, parent, entity
//           flag) and its identity (accessor): the read a design keeping the rest in memory needs
//   splice  the answer as a kept text with the request id, the token and the ttl spliced in: what a
//           design keeping one serialised answer per token needs
import { createServer } from "node:http";
import { randomBytes, randomUUID } from "node:crypto";
import Database from "better-sqlite3";
import { hmacSha256Hex } from "../../dist/src/sdk/hmac.js";
import { HOT_READ_SQL } from "../../dist/src/storage/sqlite/token-store.js";

const STAGES = ["hmac", "read", "json", "narrow", "splice"];
const [port, dbPath, accessor, stageList = "hmac,read,json"] = process.argv.slice(2);
const stages = new Set(stageList.split(","));
for (const s of stages) if (!STAGES.includes(s)) throw new Error(`unknown stage "${s}"; one of ${STAGES.join(", ")}`);
const HMAC = stages.has("hmac");
const READ = stages.has("read");
const JSON_ = stages.has("json");
const NARROW = stages.has("narrow");
const SPLICE = stages.has("splice");
const db = new Database(dbPath, { readonly: true });
const idHash = db.prepare("SELECT id_hash FROM tokens WHERE accessor = ?").pluck().get(accessor);
if (!idHash) throw new Error(`no token with accessor ${accessor}`);
const read = db.prepare(HOT_READ_SQL).raw(true);
const narrowRead = db
  .prepare(
    `SELECT t.accessor, t.num_uses, t.ttl, t.expires_at, t.last_renewal_at, t.parent_hash, e.disabled, p.expires_at
       FROM tokens t LEFT JOIN entities e ON e.id = t.entity_id LEFT JOIN tokens p ON p.id_hash = t.parent_hash
      WHERE t.id_hash = ?`,
  )
  .raw(true);
db.prepare("BEGIN").run();
// warden's own keyed hasher (warden/sdk), so the floor never pays more for it than warden does.
const tokenHash = hmacSha256Hex(randomBytes(32));

let row;
let answer;
let template;
const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    const token = req.headers["x-vault-token"] ?? "";
    if (HMAC) tokenHash(token);
    if (READ || row === undefined) row = read.get(idHash);
    const expiresAt = NARROW ? narrowRead.get(idHash)[3] : row[11];
    if (SPLICE) {
      template ??= lookupJson(row, "@request_id@", "@token@", "@ttl@").split(/@request_id@|@token@|"@ttl@"/);
      answer = template[0] + randomUUID() + template[1] + token + template[2] + Math.floor((expiresAt - Date.now()) / 1000) + template[3];
    } else if (JSON_ || answer === undefined) answer = lookupJson(row, "00000000-0000-4000-8000-000000000000", token, Math.floor((expiresAt - Date.now()) / 1000));
    res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store", "content-length": Buffer.byteLength(answer) });
    res.end(answer);
  });
});

function lookupJson(r, requestId, token, ttl) {
  return JSON.stringify({
    request_id: requestId, lease_id: "", renewable: false, lease_duration: 0,
    data: {
      accessor: r[1], creation_time: Math.floor(r[9] / 1000), creation_ttl: r[10], display_name: "token", entity_id: r[17],
      expire_time: new Date(r[11]).toISOString(), explicit_max_ttl: r[12], id: token, issue_time: new Date(r[9]).toISOString(),
      meta: null, num_uses: r[8], orphan: r[2] === null, path: r[4], policies: ["default"], renewable: r[15] === 1,
      ttl, type: "service",
    },
    wrap_info: null, warnings: null, auth: null,
  });
}
server.keepAliveTimeout = 65_000;
server.listen(Number(port), "127.0.0.1", () => process.stdout.write(`listening ${server.address().port}\n`));
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => server.close(() => process.exit(0)).closeAllConnections());
