// The OCI emulator over real HTTP: signatures from the official oci-common signer accepted (x-date
// and date forms, POST body headers), everything else answered with OCI's codes and shapes.
import { createHash } from "node:crypto";
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { type OciEmulator, startOciEmulator } from "../../src/emulators/oci/server.js";
import { signRequest } from "../../plugins/oci/request-signer.js";
import { alice, bob, builder, carol, GROUP, DYN_GROUP, officialSign, rawCall, service, TENANCY, tenancySpec } from "../oci/fixtures.js";

interface Ctx {
  oci: OciEmulator;
}
const t = suite<Ctx>("oci emulator");
t.before(async (ctx) => {
  ctx.oci = await startOciEmulator(tenancySpec());
});
t.after(async (ctx) => ctx.oci.close());

const HEX32 = /^[0-9A-F]{32}$/;
const get = async (oci: OciEmulator, who: typeof alice, userId: string, opts: Parameters<typeof officialSign>[2] = {}) => {
  const path = `/20160918/users/${userId}`;
  return rawCall(oci.url, "GET", path, await officialSign(who, `${oci.url}${path}`, opts));
};
function ociError(r: { status: number; headers: Record<string, unknown>; body: string }, status: number, code: string): void {
  assert.is(r.status, status, r.body);
  assert.is(r.headers["content-type"], "application/json");
  assert.match(String(r.headers["opc-request-id"]), HEX32);
  const b = JSON.parse(r.body);
  assert.equal(Object.keys(b), ["code", "message"]);
  assert.is(b.code, code);
}
function post(oci: OciEmulator, who: typeof alice, path: string, body: unknown, tamper?: (h: Record<string, string>) => void) {
  const text = JSON.stringify(body);
  const headers = signRequest({ method: "POST", target: path, host: new URL(oci.url).host, keyId: who.keyId, privateKey: who.privateKey, body: text, dateHeader: "x-date" });
  tamper?.(headers);
  return rawCall(oci.url, "POST", path, headers, text);
}

t("GetUser: your own user, with the official signer's x-date and date forms", async ({ oci }) => {
  for (const dateForm of ["x-date", "date"] as const) {
    const r = await get(oci, alice, alice.id, { dateForm });
    assert.is(r.status, 200, r.body);
    assert.match(String(r.headers["opc-request-id"]), HEX32);
    assert.ok(r.headers.etag);
    const u = JSON.parse(r.body);
    assert.is(u.id, alice.id);
    assert.is(u.compartmentId, TENANCY);
    assert.is(u.name, "alice");
    assert.is(u.lifecycleState, "ACTIVE");
    assert.match(u.timeCreated, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  }
});

t("GetUser: another user is 404 NotAuthorizedOrNotFound, unless the caller is an admin", async ({ oci }) => {
  ociError(await get(oci, alice, bob.id), 404, "NotAuthorizedOrNotFound");
  assert.is((await get(oci, bob, alice.id)).status, 200);
  ociError(await get(oci, bob, carol.id), 404, "NotAuthorizedOrNotFound");
});

t("401 NotAuthenticated: wrong key, unknown keyId, stale date, missing header, wrong host", async ({ oci }) => {
  const path = `/20160918/users/${alice.id}`;
  const h = await officialSign(alice, `${oci.url}${path}`);
  ociError(await rawCall(oci.url, "GET", path, { ...h, authorization: h.authorization!.replace(/signature="[^"]+"/, 'signature="AAAA"') }), 401, "NotAuthenticated");
  ociError(await rawCall(oci.url, "GET", path, { ...h, authorization: h.authorization!.replace(alice.fingerprint, bob.fingerprint) }), 401, "NotAuthenticated");
  ociError(await get(oci, alice, alice.id, { at: new Date(Date.now() - 6 * 60_000) }), 401, "NotAuthenticated");
  const { authorization, ...noAuth } = h;
  ociError(await rawCall(oci.url, "GET", path, noAuth), 401, "NotAuthenticated");
  ociError(await rawCall(oci.url, "GET", path, await officialSign(alice, `${oci.url}${path}`, { host: "identity.us-ashburn-1.oraclecloud.com" }).then((x) => ({ ...x, host: "elsewhere" }))), 401, "NotAuthenticated");
  assert.ok(authorization);
});

t("authenticateClient: a signed caller with inspect rights gets the client's principal", async ({ oci }) => {
  const inner = await officialSign(alice, "http://warden.example:8200/v1/auth/oci/login/dev");
  const requestHeaders = { ...Object.fromEntries(Object.entries(inner).map(([k, v]) => [k.replace(/^./, (c) => c.toUpperCase()), [v]])), "(request-target)": ["get /v1/auth/oci/login/dev"] };
  const r = await post(oci, service, "/v1/authentication/authenticateClient", { requestHeaders });
  assert.is(r.status, 200, r.body);
  const b = JSON.parse(r.body);
  assert.is(b.success, true);
  assert.is(b.principal.tenantId, TENANCY);
  assert.is(b.principal.subjectId, alice.id);
  assert.ok(b.principal.claims.some((c: { key: string; value: string }) => c.key === "ptype" && c.value === "user"));
  // The same headers with another target: 200, but no principal.
  const bad = await post(oci, service, "/v1/authentication/authenticateClient", { requestHeaders: { ...requestHeaders, "(request-target)": ["get /v1/auth/oci/login/ops"] } });
  assert.equal(JSON.parse(bad.body), { principal: null, errorMessage: "Authentication failed", success: false });
  // An instance key yields ptype instance.
  const inst = await officialSign(builder, "http://w/v1/auth/oci/login/dev");
  const ri = await post(oci, service, "/v1/authentication/authenticateClient", { requestHeaders: { ...inst, "(request-target)": "get /v1/auth/oci/login/dev" } });
  assert.ok(JSON.parse(ri.body).principal.claims.some((c: { key: string; value: string }) => c.key === "ptype" && c.value === "instance"));
});

t("authenticateClient: caller without inspect rights 404, unsigned or body-tampered 401", async ({ oci }) => {
  const path = "/v1/authentication/authenticateClient";
  ociError(await post(oci, alice, path, { requestHeaders: {} }), 404, "NotAuthorizedOrNotFound");
  ociError(await rawCall(oci.url, "POST", path, { "content-type": "application/json" }, "{}"), 401, "NotAuthenticated");
  const sha = createHash("sha256").update("{}").digest("base64");
  ociError(await post(oci, service, path, { requestHeaders: {} }, (h) => (h["x-content-sha256"] = sha)), 401, "NotAuthenticated");
});

t("filterGroupMembership: the intersection with the principal's groups and dynamic groups", async ({ oci }) => {
  const r = await post(oci, service, "/v1/filterGroupMembership", { principal: { tenantId: TENANCY, subjectId: alice.id, claims: [] }, groupIds: [GROUP, DYN_GROUP] });
  assert.is(r.status, 200, r.body);
  assert.equal(JSON.parse(r.body).groupIds, [GROUP]);
  const ri = await post(oci, service, "/v1/filterGroupMembership", { principal: { subjectId: builder.id }, groupIds: [GROUP, DYN_GROUP] });
  assert.equal(JSON.parse(ri.body).groupIds, [DYN_GROUP]);
});

t("unknown paths and methods, and the request record", async ({ oci }) => {
  ociError(await rawCall(oci.url, "GET", "/v1/nothing", {}), 404, "NotFound");
  ociError(await rawCall(oci.url, "DELETE", `/20160918/users/${alice.id}`, {}), 405, "MethodNotAllowed");
  const last = oci.requests.at(-1)!;
  assert.is(last.method, "DELETE");
  assert.is(last.status, 405);
});

t.run();
