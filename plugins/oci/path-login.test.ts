// Handler-level login tests against a scripted "OCI" that misbehaves: what warden does with upstream
// errors, odd answers and timeouts (503, never the upstream text), and with principals that OCI
// vouches for but that do not match the signer or the tenancy (403).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { generateKeyPairSync } from "node:crypto";
import { suite } from "warden/sdk/testing/suite";
import * as assert from "uvu/assert";
import { WardenError } from "warden/sdk";
import { ociLoginData } from "./cli.js";
import { configPath } from "./path-config.js";
import { loginPath } from "./path-login.js";
import { serviceKeyCache } from "./request-signer.js";
import { rolePath } from "./path-role.js";
import { harness } from "./test-support.js";

const T = "ocid1.tenancy.oc1..aaaaaaaatenancy";
const U = "ocid1.user.oc1..aaaaaaaauser";
const G = "ocid1.group.oc1..aaaaaaaagroup";
const FP = "20:3b:97:13:55:1c:5b:0d:d3:37:d8:50:4e:c5:3a:34";
const key = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
const LEAK = "UPSTREAM-SECRET-ECHO";

type Script = (req: IncomingMessage, res: ServerResponse) => void;
let script: Script = () => {};
const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => script(req, res));
});
let origin = "";
const json = (res: ServerResponse, status: number, body: unknown, type = "application/json") => {
  res.writeHead(status, { "content-type": type }).end(typeof body === "string" ? body : JSON.stringify(body));
};
const principal = (tenantId = T, subjectId = U, ptype = "user") => ({ principal: { tenantId, subjectId, claims: [{ key: "ptype", value: ptype }] }, errorMessage: null, success: true });

const t = suite("oci login handler, upstream behaviour");
t.before(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
t.after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));

let n = 0;
/** The login path as one mount's instance has it (its own parsed service key). */
const login = loginPath(serviceKeyCache());
// A generous timeout: a busy CI machine must not turn a slow answer into a 503. Only the hang case
// uses a short one.
async function attempt(h = harness({ timeoutMs: 5000 })) {
  await h.call(configPath, "create", { home_tenancy_id: T, auth_endpoint: origin, service_key_id: `${T}/${U}/${FP}`, service_private_key: key.privateKey });
  await h.call(rolePath, "create", { role: "dev", ocid_list: G });
  const req = ociLoginData({ address: `http://${h.requestHost}`, mount: "oci", role: "dev", keyId: `${T}/${U}/${FP}`, privateKeyPem: key.privateKey, now: new Date(Date.now() - 1000 * n++) });
  try {
    const r = await h.call(login, "update", { role: "dev", ...req.body });
    return { status: 200, result: r, log: h.log.text() };
  } catch (e) {
    if (!(e instanceof WardenError)) throw e;
    return { status: e.status, errors: e.errors.join(" "), log: h.log.text() };
  }
}

t("success when OCI vouches and the group matches", async () => {
  script = (req, res) => json(res, 200, req.url!.includes("filter") ? { groupIds: [G] } : principal());
  const r = await attempt();
  assert.is(r.status, 200);
  assert.is((r.result as any).auth.alias.name, U);
});

t("OCI vouches for another principal, another tenancy, or a resource principal: 403", async () => {
  for (const p of [principal(T, "ocid1.user.oc1..aaaaother"), principal("ocid1.tenancy.oc1..aaaaother"), principal(T, U, "resource"), principal(T, U, "instance")]) {
    script = (req, res) => json(res, 200, req.url!.includes("filter") ? { groupIds: [G] } : p);
    assert.is((await attempt()).status, 403, JSON.stringify(p));
  }
});

t("filterGroupMembership answering groups outside the role is not trusted: 403", async () => {
  script = (req, res) => json(res, 200, req.url!.includes("filter") ? { groupIds: ["ocid1.group.oc1..aaaaelse"] } : principal());
  assert.is((await attempt()).status, 403);
});

t("upstream errors, odd answers and timeouts are 503, and OCI's text never leaks", async () => {
  const cases: Script[] = [
    (_q, res) => json(res, 500, { code: "InternalServerError", message: LEAK }),
    (_q, res) => json(res, 401, { code: "NotAuthenticated", message: LEAK }),
    (_q, res) => json(res, 200, `<xml>${LEAK}</xml>`, "text/xml"),
    (_q, res) => json(res, 200, `{"principal": "${LEAK}"`),
    (_q, res) => res.writeHead(302, { location: "http://169.254.169.254/" }).end(),
    (_q, res) => json(res, 200, { principal: { tenantId: T, subjectId: U }, success: true }),
    () => {}, // never answers: the timeout
  ];
  for (const [i, c] of cases.entries()) {
    script = c;
    const r = await attempt(i === cases.length - 1 ? harness({ timeoutMs: 300 }) : undefined);
    assert.is(r.status, 503, `case ${i}`);
    assert.not.ok(String(r.errors).includes(LEAK), `case ${i}: reply`);
    assert.not.ok(r.log.includes(LEAK), `case ${i}: log`);
    assert.not.ok(/signature="/.test(r.log), `case ${i}: signature in log`);
  }
});

t("authenticateClient's documented refusal (200, null principal) is a 403", async () => {
  script = (_q, res) => json(res, 200, { principal: null, errorMessage: LEAK, success: false });
  const r = await attempt();
  assert.is(r.status, 403);
  assert.not.ok(r.log.includes(LEAK));
});

t("no service credentials: a 500 naming the config problem, and no call", async () => {
  let calls = 0;
  script = (_q, res) => { calls++; json(res, 500, {}); };
  const h = harness();
  await h.call(configPath, "create", { home_tenancy_id: T, auth_endpoint: origin });
  await h.call(rolePath, "create", { role: "dev", ocid_list: G });
  const req = ociLoginData({ address: `http://${h.requestHost}`, mount: "oci", role: "dev", keyId: `${T}/${U}/${FP}`, privateKeyPem: key.privateKey });
  try {
    await h.call(login, "update", { role: "dev", ...req.body });
    assert.unreachable();
  } catch (e) {
    assert.is((e as WardenError).status, 500);
  }
  assert.is(calls, 0);
});

t("config: get_user needs region; service key must be the home tenancy's; role ocid_list only required in authenticate_client", async () => {
  const h = harness();
  const status = async (f: () => Promise<unknown>) => f().then(() => 200, (e: WardenError) => e.status);
  assert.is(await status(() => h.call(configPath, "create", { home_tenancy_id: T, mode: "get_user" })), 400);
  assert.is(await status(() => h.call(configPath, "create", { home_tenancy_id: T, region: "us-ashburn-1", service_key_id: `ocid1.tenancy.oc1..aaaaother/${U}/${FP}` })), 400);
  assert.is(await status(() => h.call(configPath, "create", { home_tenancy_id: T, mode: "get_user", region: "us-ashburn-1" })), 200);
  assert.is(await status(() => h.call(rolePath, "create", { role: "u", allowed_usernames: "alice" })), 200);
  assert.is(await status(() => h.call(rolePath, "create", { role: "v", allowed_user_ocids: G })), 400);
  assert.is(await status(() => h.call(rolePath, "update", { role: "ghost", allowed_usernames: "x" })), 400);
});

t.run();
