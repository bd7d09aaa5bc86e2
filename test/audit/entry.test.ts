import { test } from "uvu";
import * as assert from "uvu/assert";
import { randomBytes } from "node:crypto";
import { knownSecrets, requestEntry, responseEntry, serialise } from "../../src/core/audit/entry.js";
import { SECRETS, authedRequest, expectedHash, loginResponse } from "./helpers.js";

const key = randomBytes(32);
const hex = key.toString("hex");

// The builder alone (before the serialise() safety net) must hash every token and accessor.
test("entry builder hashes tokens and accessors itself, before the line-level scrub", () => {
  const k = { key, hmacAccessor: true };
  const e = responseEntry(k, "2024-05-01T10:00:00Z", authedRequest(), loginResponse()) as any;
  assert.is(e.auth.client_token, expectedHash(hex, SECRETS.callerToken));
  assert.is(e.auth.accessor, expectedHash(hex, SECRETS.callerAccessor));
  assert.is(e.request.client_token, expectedHash(hex, SECRETS.callerToken));
  assert.is(e.request.client_token_accessor, expectedHash(hex, SECRETS.callerAccessor));
  assert.is(e.response.auth.client_token, expectedHash(hex, SECRETS.newToken));
  assert.is(e.response.auth.accessor, expectedHash(hex, SECRETS.newAccessor));
  const text = JSON.stringify(e);
  for (const raw of Object.values(SECRETS)) assert.not.ok(text.includes(raw), raw);
});

test("empty token fields stay empty; hmac_accessor=false and log_raw leave the right fields clear", () => {
  const bare = requestEntry({ key, hmacAccessor: true }, "t", authedRequest({ clientToken: "", clientTokenAccessor: "" })) as any;
  assert.is(bare.request.client_token, "");
  assert.is(bare.request.client_token_accessor, "");
  const noAcc = requestEntry({ key, hmacAccessor: false }, "t", authedRequest()) as any;
  assert.is(noAcc.auth.accessor, SECRETS.callerAccessor);
  assert.is(noAcc.auth.client_token, expectedHash(hex, SECRETS.callerToken));
  const raw = requestEntry({ key: null, hmacAccessor: true }, "t", authedRequest()) as any;
  assert.is(raw.auth.client_token, SECRETS.callerToken);
  assert.is(raw.request.data.ttl, "1h");
});

test("serialise replaces stray known secrets and only those", () => {
  const k = { key, hmacAccessor: true };
  const req = authedRequest();
  const secrets = knownSecrets(k, req, loginResponse());
  assert.ok(secrets.includes(SECRETS.callerToken) && secrets.includes(SECRETS.newAccessor));
  const line = serialise(k, { note: `x ${SECRETS.callerToken} y`, other: "keep me" }, secrets);
  assert.is(JSON.parse(line).note, `x ${expectedHash(hex, SECRETS.callerToken)} y`);
  assert.is(JSON.parse(line).other, "keep me");
  // No scrubbing with log_raw, and accessors are not scrubbed with hmac_accessor=false.
  assert.equal(knownSecrets({ key: null, hmacAccessor: true }, req), []);
  assert.not.ok(knownSecrets({ key, hmacAccessor: false }, req).includes(SECRETS.callerAccessor));
});

test("a wrapped answer: wrap_info with the wrapping token (and accessors) hashed, the request's wrap_ttl", () => {
  const k = { key, hmacAccessor: true };
  const wrapInfo = { token: "hvs.WRAPPINGtokenRAW0000000000000000", accessor: "WRAPaccessorRAW000000000", ttl: 120, creation_time: "2024-05-01T10:00:00.000Z", creation_path: "auth/approle/role/x/secret-id", wrapped_accessor: "WRAPPEDaccessorRAW-0000" };
  const req = authedRequest({ wrapTtl: 120 });
  const e = responseEntry(k, "t", req, { data: null, warnings: null, auth: null, error: null, status: 200, wrapInfo }) as any;
  assert.is(e.request.wrap_ttl, 120);
  assert.equal(e.response.wrap_info, {
    ttl: 120,
    token: expectedHash(hex, wrapInfo.token),
    accessor: expectedHash(hex, wrapInfo.accessor),
    creation_time: wrapInfo.creation_time,
    creation_path: wrapInfo.creation_path,
    wrapped_accessor: expectedHash(hex, wrapInfo.wrapped_accessor),
  });
  assert.is(e.response.data, undefined);
  const noAcc = responseEntry({ key, hmacAccessor: false }, "t", req, { data: null, warnings: null, auth: null, error: null, status: 200, wrapInfo }) as any;
  assert.equal([noAcc.response.wrap_info.token, noAcc.response.wrap_info.accessor], [expectedHash(hex, wrapInfo.token), wrapInfo.accessor]);
  assert.ok(knownSecrets(k, req, { data: null, warnings: null, auth: null, error: null, status: 200, wrapInfo }).includes(wrapInfo.token));
  assert.is((requestEntry(k, "t", authedRequest()) as any).request.wrap_ttl, undefined, "absent when not asked");
});

test.run();
