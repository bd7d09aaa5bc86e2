import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { type TestServer, startTestServer } from "../helpers/server.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The file once its lines have landed (writes are batched: poll until they are there, up to 10 s on a busy machine). */
async function auditLines(file: string, atLeast: number): Promise<string[]> {
  for (const end = Date.now() + 10_000; Date.now() < end; ) {
    const lines = existsSync(file) ? readFileSync(file, "utf8").split("\n").filter((l) => l !== "") : [];
    if (lines.length >= atLeast) return lines;
    await sleep(20);
  }
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter((l) => l !== "") : [];
}

const t = suite<{ s: TestServer; dir: string }>("audit e2e: file device");
t.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), "warden-audit-e2e-"));
  ctx.s = await startTestServer();
});
t.after(async (ctx) => {
  await ctx.s.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});

t("a token flow is audited as JSON lines with no raw token or accessor, hashes match sys/audit-hash", async ({ s, dir }) => {
  const file = join(dir, "audit.log");
  const en = await s.request("PUT", "sys/audit/file", { body: { type: "file", options: { file_path: file } } });
  assert.is(en.status, 204, en.text);
  const list = await s.request("GET", "sys/audit");
  assert.is(list.body.data["file/"].type, "file");

  const created = await s.request("POST", "auth/token/create", { body: { policies: ["default"], ttl: "1h", meta: { who: "e2e" } } });
  assert.is(created.status, 200);
  const token = created.body.auth.client_token as string;
  const accessor = created.body.auth.accessor as string;
  assert.is((await s.request("POST", "auth/token/lookup", { body: { token } })).status, 200);
  assert.is((await s.request("GET", "auth/token/lookup-self", { token })).status, 200);
  assert.is((await s.request("POST", "auth/token/lookup-accessor", { body: { accessor } })).status, 200);
  assert.is((await s.request("POST", "auth/token/revoke-accessor", { body: { accessor } })).status, 204);
  assert.is((await s.request("GET", "auth/token/lookup-self", { token })).status, 403);

  const hash = async (input: string): Promise<string> => {
    const r = await s.request("POST", "sys/audit-hash/file", { body: { input } });
    assert.is(r.status, 200, r.text);
    assert.match(r.body.data.hash, /^hmac-sha256:[0-9a-f]{64}$/);
    return r.body.data.hash;
  };
  const tokenHash = await hash(token);
  const accessorHash = await hash(accessor);
  const rootHash = await hash(s.rootToken);
  assert.is(await hash(token), tokenHash, "the hash is stable");

  const lines = await auditLines(file, 12);
  assert.ok(lines.length >= 12, `only ${lines.length} lines`);
  const entries = lines.map((l, i) => {
    try {
      return JSON.parse(l);
    } catch {
      assert.unreachable(`line ${i} is not JSON: ${l.slice(0, 80)}`);
    }
  });
  assert.ok(entries.every((e) => e.type === "request" || e.type === "response"));
  const text = readFileSync(file, "utf8");
  for (const [name, secret] of [["child token", token], ["accessor", accessor], ["root token", s.rootToken]] as const) {
    assert.not.ok(text.includes(secret), `${name} appears raw in the audit file`);
  }
  assert.ok(text.includes(tokenHash), "the child token's hash is in the log");
  assert.ok(text.includes(accessorHash), "the accessor's hash is in the log");
  assert.ok(text.includes(rootHash), "the root token's hash is in the log");
  // The create response carries the new token, hashed.
  const createResp = entries.find((e) => e.type === "response" && e.request?.path === "auth/token/create");
  assert.ok(createResp, "the create response is logged");
  assert.is(createResp.response.auth.client_token, tokenHash);
  assert.is(createResp.response.auth.accessor, accessorHash);
  assert.is(createResp.auth.client_token, rootHash);
  // The failed lookup-self of the revoked token is not a silent gap either: every request line is paired
  // with its answer or precedes an error response.
  const revokeReq = entries.find((e) => e.type === "request" && e.request?.path === "auth/token/revoke-accessor");
  assert.is(revokeReq.request.data.accessor, accessorHash);
});

t("a device that cannot write fails requests closed (500); requests succeed again once it is disabled", async ({ s, dir }) => {
  assert.is((await s.request("DELETE", "sys/audit/file")).status, 204);
  const sub = join(dir, "doomed");
  mkdirSync(sub);
  const file = join(sub, "audit.log");
  assert.is((await s.request("PUT", "sys/audit/solo", { body: { type: "file", options: { file_path: file } } })).status, 204);
  assert.is((await s.request("GET", "auth/token/lookup-self")).status, 200);
  assert.ok((await auditLines(file, 2)).length >= 2);

  rmSync(sub, { recursive: true, force: true });
  const failed = await s.request("GET", "auth/token/lookup-self");
  assert.is(failed.status, 500, failed.text);
  assert.equal(failed.body, { errors: ["internal error"] });
  const create = await s.request("POST", "auth/token/create", { body: { ttl: "1h" } });
  assert.is(create.status, 500, "no token is handed out unaudited");
  assert.not.ok(create.text.includes("hvs."));
  // Unaudited status endpoints still answer.
  assert.is((await fetch(`${s.url}/v1/sys/health`)).status, 200);

  // Vault: "a blocking device blocks all requests" — including the API request that would disable it,
  // since that request could not be audited either.
  const blocked = await s.request("DELETE", "sys/audit/solo");
  assert.is(blocked.status, 500, blocked.text);
  // Recovery 1: the directory comes back, the device reopens its file, requests are served and audited again.
  mkdirSync(sub);
  assert.is((await s.request("GET", "auth/token/lookup-self")).status, 200);
  assert.ok((await auditLines(file, 2)).length >= 2, "the reopened file receives the entries");
  const disable = await s.request("DELETE", "sys/audit/solo");
  assert.is(disable.status, 204, disable.text);
  rmSync(sub, { recursive: true, force: true });
  assert.is((await s.request("GET", "auth/token/lookup-self")).status, 200, "a disabled device no longer gates requests");
  const none = await s.request("GET", "sys/audit");
  assert.is(none.status, 200, "Vault answers the audit table with an empty map, not 404");
  assert.equal(none.body.data, {});
});

t("an operator disabling a broken device (outside the API) lets requests through again", async ({ s, dir }) => {
  const sub = join(dir, "doomed2");
  mkdirSync(sub);
  assert.is((await s.request("PUT", "sys/audit/solo2", { body: { type: "file", options: { file_path: join(sub, "a.log") } } })).status, 204);
  rmSync(sub, { recursive: true, force: true });
  assert.is((await s.request("GET", "auth/token/lookup-self")).status, 500);
  await s.server.core.audit.disable("solo2");
  assert.is((await s.request("GET", "auth/token/lookup-self")).status, 200);
});

t.run();
