import { test } from "warden/sdk/testing/suite";
import * as assert from "uvu/assert";
import { WardenError } from "warden/sdk";
import { headerMapFromInput, parseHttpDate, readSignedHeaders } from "./signed-headers.js";

const T = "ocid1.tenancy.oc1..aaaaaaaatenancy";
const U = "ocid1.user.oc1..aaaaaaaauser";
const FP = "20:3b:97:13:55:1c:5b:0d:d3:37:d8:50:4e:c5:3a:34";
const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const auth = (headers: string) => `Signature version="1",keyId="${T}/${U}/${FP}",algorithm="rsa-sha256",headers="${headers}",signature="c2ln"`;

function status(f: () => unknown): number | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    return e instanceof WardenError ? e.status : -1;
  }
}

test("HTTP dates: IMF-fixdate only, real calendar dates, matching weekday", () => {
  assert.is(parseHttpDate("Mon, 23 Nov 2026 12:00:00 GMT"), NOW);
  for (const bad of ["Tue, 23 Nov 2026 12:00:00 GMT", "Mon, 31 Nov 2026 12:00:00 GMT", "2026-11-23T12:00:00Z", "Mon, 23 Nov 2026 12:00:00 UTC", "Monday, 23-Nov-26 12:00:00 GMT"]) {
    assert.is(parseHttpDate(bad), undefined, bad);
  }
});

test("x-date wins over date when signed; date is used otherwise; 5 minutes either way", () => {
  const fresh = new Date(NOW).toUTCString();
  const stale = new Date(NOW - 301_000).toUTCString();
  const base = { host: ["h"], "(request-target)": ["get /x"] };
  const s = readSignedHeaders({ ...base, authorization: [auth("x-date (request-target) host")], "x-date": [fresh], date: [stale] }, NOW);
  assert.is(s.dateMs, NOW);
  assert.is(status(() => readSignedHeaders({ ...base, authorization: [auth("x-date (request-target) host")], "x-date": [stale], date: [fresh] }, NOW)), 403);
  assert.is(status(() => readSignedHeaders({ ...base, authorization: [auth("date (request-target) host")], date: [stale] }, NOW)), 403);
  assert.is(readSignedHeaders({ ...base, authorization: [auth("date (request-target) host")], date: [new Date(NOW - 299_000).toUTCString()] }, NOW).dateMs, NOW - 299_000);
  assert.is(status(() => readSignedHeaders({ ...base, authorization: [auth("date (request-target) host")], date: [new Date(NOW + 301_000).toUTCString()] }, NOW)), 403);
});

test("required coverage, presence and single values are 400s", () => {
  const d = [new Date(NOW).toUTCString()];
  const ok = { authorization: [auth("date (request-target) host")], date: d, host: ["h"], "(request-target)": ["get /x"] };
  assert.is(status(() => readSignedHeaders(ok, NOW)), undefined);
  assert.is(status(() => readSignedHeaders({ ...ok, authorization: [auth("date host")] }, NOW)), 400);
  assert.is(status(() => readSignedHeaders({ ...ok, authorization: [auth("(request-target) host")] }, NOW)), 400);
  assert.is(status(() => readSignedHeaders({ ...ok, authorization: [auth("date (request-target) host x-extra")] }, NOW)), 400);
  assert.is(status(() => readSignedHeaders({ ...ok, host: ["a", "b"] }, NOW)), 400);
  for (const extra of ["content-length", "transfer-encoding", "connection"]) {
    assert.is(status(() => readSignedHeaders({ ...ok, [extra]: ["1"], authorization: [auth(`date (request-target) host ${extra}`)] }, NOW)), 400, extra);
  }
  assert.is(status(() => readSignedHeaders({ ...ok, authorization: [] }, NOW)), 400);
  assert.is(status(() => readSignedHeaders({ ...ok, date: ["yesterday"] }, NOW)), 400);
  // get_user clients (Infisical style) send no (request-target) pseudo-header.
  const { "(request-target)": _, ...noTarget } = ok;
  assert.is(readSignedHeaders(noTarget, NOW).requestTarget, undefined);
});

test("request_headers input: the (request-target) pseudo-header is kept, the rest goes through the SDK parser", () => {
  const m = headerMapFromInput({ "(request-target)": "get /v1/auth/oci/login/dev", Date: ["x"], Host: "h" });
  assert.equal(m["(request-target)"], ["get /v1/auth/oci/login/dev"]);
  assert.equal(m.date, ["x"]);
  assert.is(status(() => headerMapFromInput({ "(request-target)": "a", "(REQUEST-TARGET)": "b" })), 400);
  assert.is(status(() => headerMapFromInput({ "(request-target)": "get /x\r\nhost: evil" })), 400);
  assert.is(status(() => headerMapFromInput({ Host: "a", host: "b" })), 400);
  assert.is(status(() => headerMapFromInput({ "bad name": "a" })), 400);
});

test.run();
