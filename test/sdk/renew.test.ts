// renewFromRole: the renew handler of role-based methods, as a unit (no server).
import * as assert from "uvu/assert";
import { emptyTokenParams, isWardenError, type RenewRequest, renewFromRole, type TokenParams } from "../../src/sdk/index.js";
import { MemoryStorage, recordingLogger } from "../../src/sdk/testing/index.js";
import { test } from "../../src/sdk/testing/suite.js";

interface Role {
  token: TokenParams;
  members: string[];
}

function request(internal: Record<string, unknown>) {
  const log = recordingLogger();
  const storage = new MemoryStorage();
  const req: RenewRequest = { metadata: {}, internal, alias: "a", policies: ["default"], storage, mount: { path: "auth/x/", type: "x", accessor: "auth_x_1" }, clientAddress: "127.0.0.1", log };
  return { req, log, storage };
}

// A method whose roles admit listed members: the shape of alicloud's, approle's and oci's checks.
const renew = renewFromRole<Role>("demo", async (req) => {
  const name = typeof req.internal.role === "string" ? req.internal.role : undefined;
  const role = name ? await req.storage.get<Role>(`role/${name}`) : undefined;
  return { name, role: role && role.members.includes(String(req.internal.member)) ? role : undefined };
});

async function refusal(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("renewal was not refused");
}

test("a role that still admits the principal renews with the role's current TTLs", async () => {
  const { req, log, storage } = request({ role: "dev", member: "m1" });
  await storage.put("role/dev", { token: { ...emptyTokenParams(), ttl: 600, maxTtl: 3600, period: 0, explicitMaxTtl: 99, numUses: 3 }, members: ["m1"] });
  assert.equal(await renew(req), { ttl: 600, maxTtl: 3600, period: 0 }, "explicit max and uses are the token's own, not renewed from the role");
  assert.equal(log.lines, []);
  await storage.put("role/dev", { token: { ...emptyTokenParams(), period: 120 }, members: ["m1"] });
  assert.equal(await renew(req), { ttl: 0, maxTtl: 0, period: 120 }, "a role made periodic since the login");
});

test("a deleted role, a role that no longer admits, a token without a role: the same 403, logged", async () => {
  const gone = request({ role: "dev", member: "m1" });
  const moved = request({ role: "dev", member: "m1" });
  await moved.storage.put("role/dev", { token: emptyTokenParams(), members: ["m2"] });
  const nameless = request({ member: "m1" });
  for (const { req, log } of [gone, moved, nameless]) {
    const e = await refusal(renew(req));
    assert.ok(isWardenError(e) && e.status === 403, String(e));
    assert.equal((e as Error).message, "permission denied");
    assert.is(log.lines.length, 1);
    assert.is(log.lines[0]!.level, "info");
    assert.match(log.lines[0]!.msg, /^demo: renewal refused/);
  }
  assert.equal(gone.log.lines[0]!.fields, { role: "dev" });
  assert.equal(nameless.log.lines[0]!.fields, { role: "" });
});

test("an error while checking is not turned into a refusal", async () => {
  const broken = renewFromRole<Role>("demo", async () => {
    throw new Error("storage down");
  });
  const { req } = request({ role: "dev" });
  const e = await refusal(broken(req));
  assert.is((e as Error).message, "storage down");
});

test.run();
