// The token lookup behind the barrier stays AT MOST ONE prepared read plus AT MOST ONE decryption (on SQLite, one
// read per snapshot: WriteBatch.generation): lookup-self over
// real HTTP against an initialised, unsealed server, counting every statement the process sends to its
// database (SQLite: better-sqlite3's Statement methods, and no statement compiled per request;
// PostgreSQL: every pg client query, which must be the named prepared statement) and every keyring
// AES-GCM open (the keyring's memo of opened values may answer a repeated blob without one). The same wrapping as bench/lib/count-statements-preload.cjs, in the test's process.
// Two kinds of statement run on timers, not per request, and are counted apart (and bounded): SQLite's
// shared read snapshot (BEGIN, then COMMIT when it is older than 250 ms: write-batch.ts), and the
// PostgreSQL change feed's liveness probe on its own LISTEN connection ("warden-changes").
import Database from "better-sqlite3";
import pg from "pg";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Keyring } from "../../src/core/seal/keyring.js";
import { TEST_STORAGE, type TestServer, startTestServer } from "../helpers/server.js";

const statements: string[] = [];
const timed: string[] = [];
let compiled = 0;
const decryptions: string[] = [];

type Fn = (...args: unknown[]) => unknown;
function wrap(proto: Record<string, unknown>, method: string, before: (self: unknown, args: unknown[]) => void): void {
  const original = proto[method] as Fn;
  proto[method] = function (this: unknown, ...args: unknown[]) {
    before(this, args);
    return original.apply(this, args);
  };
}

if (TEST_STORAGE === "sqlite") {
  const probe = new Database(":memory:");
  const Statement = Object.getPrototypeOf(probe.prepare("SELECT 1")) as Record<string, unknown>;
  probe.close();
  const snapshot = /^(BEGIN|COMMIT)$/;
  for (const m of ["run", "get", "all", "iterate"]) {
    wrap(Statement, m, (self) => {
      const source = (self as { source: string }).source;
      (snapshot.test(source) ? timed : statements).push(source);
    });
  }
  for (const m of ["exec", "pragma"]) wrap(Database.prototype as unknown as Record<string, unknown>, m, (_, args) => statements.push(String(args[0])));
  wrap(Database.prototype as unknown as Record<string, unknown>, "prepare", () => compiled++);
} else {
  // A named query is a prepared statement: parsed once per connection, then only bound and executed.
  wrap(pg.Client.prototype as unknown as Record<string, unknown>, "query", (self, args) => {
    const q = args[0] as string | { name?: string; text?: string };
    const what = typeof q === "string" ? q : q.name ? `prepared ${q.name}` : String(q.text);
    const app = (self as { connectionParameters?: { application_name?: string } }).connectionParameters?.application_name;
    (app === "warden-changes" ? timed : statements).push(what);
  });
}
wrap(Keyring.prototype as unknown as Record<string, unknown>, "open", (_, args) => decryptions.push(String(args[1]).split("\0")[0]!));

const t = suite<{ s: TestServer; token: string }>(`token lookup behind the barrier: at most one prepared read, at most one decryption (${TEST_STORAGE})`);

t.before(async (ctx) => {
  ctx.s = await startTestServer();
  // Only the requests below may touch the database: no sweeper in between.
  ctx.s.server.core.stopBackgroundJobs();
  const created = await ctx.s.request("POST", "auth/token/create", { body: { policies: ["default"], meta: { team: "canary" }, display_name: "counted" } });
  assert.is(created.status, 200, created.text);
  ctx.token = (created.body as { auth: { client_token: string } }).auth.client_token;
});
t.after(async ({ s }) => s?.close());

t("N lookup-self requests: at most N statements (the token read; SQLite: one per snapshot), no compile, at most N token decryptions", async ({ s, token }) => {
  const lookup = async () => {
    const r = await s.request("GET", "auth/token/lookup-self", { token });
    assert.is(r.status, 200, r.text);
    return r.body as { data: { meta: Record<string, string>; display_name: string; policies: string[] } };
  };
  // Warm-up: compiled ACLs and other caches fill on the first requests.
  for (let i = 0; i < 5; i++) await lookup();
  statements.length = 0;
  timed.length = 0;
  decryptions.length = 0;
  compiled = 0;
  const n = 40;
  let last;
  const started = performance.now();
  for (let i = 0; i < n; i++) last = await lookup();
  const elapsed = performance.now() - started;
  // The decrypted blob is what the answer shows: the barrier was on the path, not around it.
  assert.equal(last!.data.meta, { team: "canary" });
  assert.is(last!.data.display_name, "token-counted");
  // At most a snapshot renewal (two statements) per 250 ms, however many requests ran meanwhile.
  assert.ok(timed.length <= 2 * Math.ceil(elapsed / 250) + 2, `timer-driven statements: ${timed.length} in ${Math.round(elapsed)} ms`);
  assert.ok(new Set(statements).size <= 1, `always the same statement: ${JSON.stringify([...new Set(statements)])}`);
  if (TEST_STORAGE === "sqlite") {
    // SQLite: the token's read once per snapshot (WriteBatch.generation): nothing is written here, so a
    // lookup in the snapshot the token was last read in answers from that read.
    const snapshots = timed.filter((x) => x === "BEGIN").length;
    assert.ok(statements.length <= snapshots + 1, `statements: ${statements.length} for ${snapshots} snapshots begun`);
    if (statements.length > 0) assert.match(statements[0]!, /\bFROM\s+"?tokens"?/i);
    assert.is(compiled, 0, "prepared at open, never compiled per request");
  } else {
    assert.is(statements.length, n, `statements: ${JSON.stringify(statements.filter((x) => x !== statements[0]))}`);
    assert.is(new Set(statements).size, 1, "always the same statement");
    assert.is(statements[0], "prepared tok_get");
  }
  assert.ok(decryptions.length <= n, `decryptions: ${JSON.stringify(decryptions.slice(0, 5))}`);
  assert.ok(decryptions.every((what) => what === "token"), "each one the token's blob");
});

t.run();
