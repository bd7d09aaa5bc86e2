// The request trail's contract with the pipeline: no trail (so no entry is built) without an enabled
// device or for a never-audited path; a refusal logs both entries with the error; a log that fails
// makes the trail say so, and nothing more is attempted.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { AuditTrail } from "../../src/core/audit/request-trail.js";
import type { AuditBroker, AuditRequestFacts, AuditResponseFacts } from "../../src/core/audit/types.js";
import { WardenError, permissionDenied } from "../../src/sdk/errors.js";

function recordingBroker(active: boolean, failing = false) {
  const calls: Array<{ kind: string; req: AuditRequestFacts; res?: AuditResponseFacts }> = [];
  const broker = {
    active,
    async logRequest(req: AuditRequestFacts) {
      calls.push({ kind: "request", req: structuredClone(req) });
      if (failing) throw new WardenError(500, "internal error");
    },
    async logResponse(req: AuditRequestFacts, res: AuditResponseFacts) {
      calls.push({ kind: "response", req: structuredClone(req), res });
      if (failing) throw new WardenError(500, "internal error");
    },
  } as unknown as AuditBroker;
  return { broker, calls };
}

const request = (path: string) => ({ id: "r1", operation: "write", path, data: { a: "b" }, token: "hvs.x", clientAddress: "127.0.0.1" });

test("no enabled device, or a path Vault never audits: no trail at all", () => {
  assert.is(AuditTrail.open(recordingBroker(false).broker, request("sys/policies/acl/x")), undefined);
  assert.is(AuditTrail.open(recordingBroker(true).broker, request("sys/step-down")), undefined);
  assert.ok(AuditTrail.open(recordingBroker(true).broker, request("sys/policies/acl/x")));
});

test("a refusal before the handler: request and response entries, both with the error", async () => {
  const { broker, calls } = recordingBroker(true);
  const trail = AuditTrail.open(broker, request("sys/policies/acl/x"))!;
  assert.is(await trail.failure(permissionDenied()), true);
  assert.equal(calls.map((c) => c.kind), ["request", "response"]);
  assert.is(calls[0]!.req.error, "permission denied");
  assert.is(calls[0]!.req.operation, "update", "a write is an update until an existence check says otherwise");
  assert.is(calls[1]!.res!.error, "permission denied");
  assert.is(calls[1]!.res!.status, 403);
});

test("a failure after the request entry: only the response entry is added", async () => {
  const { broker, calls } = recordingBroker(true);
  const trail = AuditTrail.open(broker, request("auth/x/login"))!;
  await trail.request();
  assert.is(await trail.failure(new WardenError(500, "internal error")), true);
  assert.equal(calls.map((c) => c.kind), ["request", "response"]);
  assert.is(calls[0]!.req.error, undefined);
});

test("a log that cannot write: the trail reports it and does not try again", async () => {
  const { broker, calls } = recordingBroker(true, true);
  const trail = AuditTrail.open(broker, request("auth/x/login"))!;
  try {
    await trail.request();
    assert.unreachable("the request entry failed");
  } catch (e) {
    assert.is((e as WardenError).status, 500);
  }
  assert.is(await trail.failure(new WardenError(500, "internal error")), false);
  assert.is(calls.length, 1);
});

test.run();
