import { test } from "warden/sdk/testing/suite";
import * as assert from "uvu/assert";
import { WardenError, type OutboundResponse } from "warden/sdk";
import { isMemberOf, parseArn, parseRoleArn, type ParsedArn } from "./arn.js";
import { parseFlatStringObject, readCallerIdentity } from "./sts-response.js";
import { recordingLogger } from "./test-support.js";

const ROLE_SESSION = {
  AccountId: "1913176839120000",
  Arn: "acs:ram::1913176839120000:assumed-role/dev/s1",
  IdentityType: "AssumedRoleUser",
  PrincipalId: "300044677176061234:s1",
  RequestId: "REQ-1",
  RoleId: "300044677176061234",
};
const res = (body: string, status = 200, contentType = "application/json;charset=utf-8"): OutboundResponse => ({
  status,
  contentType,
  body: Buffer.from(body),
});
function statusOf(r: OutboundResponse): number {
  try {
    readCallerIdentity(r, recordingLogger());
    return 200;
  } catch (e) {
    if (e instanceof WardenError) return e.status;
    throw e;
  }
}

test("a genuine role-session answer is read", () => {
  const id = readCallerIdentity(res(JSON.stringify(ROLE_SESSION)), recordingLogger());
  assert.is(id.arn.roleName, "dev");
  assert.is(id.userId, "");
  assert.is(id.roleId, "300044677176061234");
});

test("flat-object parser: duplicates, nesting, non-strings, trailing data refused", () => {
  assert.equal(parseFlatStringObject(' {"a":"1", "b":"\\u0041\\"x"} \n'), Object.assign(Object.create(null), { a: "1", b: 'A"x' }));
  for (const bad of ['{"a":"1","a":"2"}', '{"a":{"b":"c"}}', '{"a":1}', '{"a":"1"} x', '{"a":"1"}{"a":"1"}', '[{"a":"1"}]', '{"a":"1",}', '{"a":"1"', "", '{"a":"x\ny"}']) {
    assert.is(parseFlatStringObject(bad), undefined, bad);
  }
});

test("confused answers are 503, never an identity", () => {
  const j = JSON.stringify(ROLE_SESSION);
  const cases: Array<[OutboundResponse, string]> = [
    [res(j, 200, "text/html"), "html content type"],
    [res(j, 200, ""), "no content type"],
    [res(`${j.slice(0, -1)},"Arn":"acs:ram::1913176839120000:assumed-role/admin/s1"}`), "duplicate Arn"],
    [res(`${j} garbage`), "trailing garbage"],
    [res(JSON.stringify({ ...ROLE_SESSION, Extra: "x" })), "unknown key"],
    [res(JSON.stringify({ ...ROLE_SESSION, AccountId: "1111111111111111" })), "account mismatch"],
    [res(JSON.stringify({ ...ROLE_SESSION, AccountId: "" })), "empty account"],
    [res(JSON.stringify({ ...ROLE_SESSION, IdentityType: "RAMUser" })), "type mismatch"],
    [res(JSON.stringify({ ...ROLE_SESSION, PrincipalId: undefined })), "missing principal"],
    [res(JSON.stringify({ ...ROLE_SESSION, Arn: "acs:ram::1913176839120000:role/dev" })), "role arn as caller"],
    [res("<GetCallerIdentityResponse/>", 200, "text/xml"), "xml"],
    [res("", 302, ""), "redirect"],
    [res(JSON.stringify({ Code: "InternalError", RequestId: "r" }), 500), "5xx"],
    [res(JSON.stringify({ Code: "Throttling.User", RequestId: "r" }), 400), "throttling"],
    [res("not json", 400), "unparseable 4xx"],
  ];
  for (const [r, why] of cases) assert.is(statusOf(r), 503, why);
});

test("known gateway denials are 403; only Code and RequestId reach the log", () => {
  const log = recordingLogger();
  const body = JSON.stringify({ RequestId: "R-9", HostId: "sts.aliyuncs.com", Code: "SignatureDoesNotMatch", Message: "server string to sign is:POST&%2F&AccessKeyId%3DLTAIsecret" });
  assert.throws(() => readCallerIdentity(res(body, 400), log), (e: unknown) => e instanceof WardenError && e.status === 403 && e.message === "permission denied");
  assert.equal(log.lines[0]!.fields, { status: 400, code: "SignatureDoesNotMatch", sts_request_id: "R-9" });
  assert.not.ok(log.text().includes("LTAIsecret"));
  for (const code of ["InvalidAccessKeyId.NotFound", "SignatureNonceUsed", "InvalidTimeStamp.Expired", "InvalidSecurityToken.MismatchWithAccessKey", "MissingSecurityToken"]) {
    assert.is(statusOf(res(JSON.stringify({ Code: code, RequestId: "r" }), code.startsWith("InvalidAccessKeyId") ? 404 : 400)), 403, code);
  }
});

test("ARN parsing is closed", () => {
  const ok = parseArn("acs:ram::1234567890123456:assumed-role/DevRole/alice@example.com")!;
  assert.equal([ok.type, ok.account, ok.roleName, ok.sessionName], ["assumed-role", "1234567890123456", "DevRole", "alice@example.com"]);
  assert.is(parseArn("acs:ram::1234567890123456:user/bob")!.type, "user");
  for (const bad of ["", "acs:ram::123:role/a:b", "acs:ecs::1234567890123456:role/a", "acs:ram:cn-hangzhou:1234567890123456:role/a", "acs:ram::12ab:role/a", "acs:ram::1234567890123456:role/a/b", "acs:ram::1234567890123456:assumed-role/a", "acs:ram::1234567890123456:group/a", "acs:ram::1234567890123456:role/ä"]) {
    assert.is(parseArn(bad), undefined, bad);
  }
  assert.type(parseRoleArn("acs:ram::123456789012345:role/a"), "string");
  assert.type(parseRoleArn("acs:ram::1234567890123456:user/a"), "string");
  assert.type(parseRoleArn("acs:ram::1234567890123456:role/a"), "object");
});

test("membership: account exact, role name case-insensitive, sessions only", () => {
  const bound = parseRoleArn("acs:ram::1234567890123456:role/DevRole") as ParsedArn;
  const m = (s: string) => isMemberOf(parseArn(s)!, bound);
  assert.ok(m("acs:ram::1234567890123456:assumed-role/devrole/x"));
  assert.ok(m("acs:ram::1234567890123456:assumed-role/DEVROLE/y"));
  assert.not.ok(m("acs:ram::6543210987654321:assumed-role/devrole/x"));
  assert.not.ok(m("acs:ram::1234567890123456:assumed-role/devrole2/x"));
  assert.not.ok(m("acs:ram::1234567890123456:user/devrole"));
  assert.not.ok(m("acs:ram::1234567890123456:role/devrole"));
});

test.run();
