import { test } from "warden/sdk/testing/suite";
import * as assert from "uvu/assert";
import { assertRejects, harness } from "./test-support.js";

async function withRole(role: Record<string, unknown> = {}) {
  const h = harness();
  await h.call("write", "role/r", role);
  return h;
}

test("generate: 256-bit hex secret, UUID accessor, stored only under its HMAC", async () => {
  const h = await withRole({ secret_id_num_uses: 5, secret_id_ttl: "1h" });
  const d = await h.data("write", "role/r/secret-id");
  assert.match(d.secret_id as string, /^[0-9a-f]{64}$/);
  assert.match(d.secret_id_accessor as string, /^[0-9a-f-]{36}$/);
  assert.equal([d.secret_id_num_uses, d.secret_id_ttl], [5, 3600]);
  const dump = JSON.stringify([...h.storage.data, ...h.storage.counted]);
  assert.not.ok(dump.includes(d.secret_id as string), "the secret id itself is nowhere in storage");
  const keys = [...h.storage.counted.keys()];
  assert.is(keys.length, 1);
  assert.match(keys[0]!, /^secret\/[0-9a-f]{32}\/[0-9a-f]{64}$/);
  const second = await h.data("write", "role/r/secret-id");
  assert.is.not(second.secret_id, d.secret_id);
});

test("lookup shows properties, never the secret or its HMAC; unknown is empty (204)", async () => {
  const h = await withRole({ secret_id_num_uses: 2, secret_id_ttl: 600 });
  const d = await h.data("write", "role/r/secret-id", { metadata: '{"runner":"ci-7"}', num_uses: 1 });
  const l = await h.data("write", "role/r/secret-id/lookup", { secret_id: ` ${d.secret_id}\n` });
  assert.equal(Object.keys(l).sort(), ["cidr_list", "creation_time", "expiration_time", "last_updated_time", "metadata", "secret_id_accessor", "secret_id_num_uses", "secret_id_ttl", "token_bound_cidrs"]);
  assert.equal([l.secret_id_accessor, l.secret_id_num_uses, l.secret_id_ttl, l.metadata], [d.secret_id_accessor, 1, 600, { runner: "ci-7" }]);
  const hmac = [...h.storage.counted.keys()][0]!.split("/")[2]!;
  const text = JSON.stringify(l);
  assert.not.ok(text.includes(d.secret_id as string) || text.includes(hmac));
  assert.ok(Date.parse(l.expiration_time as string) - Date.parse(l.creation_time as string) === 600_000);
  assert.is(await h.call("write", "role/r/secret-id/lookup", { secret_id: "nope" }), undefined);
  await assertRejects(h.call("write", "role/r/secret-id/lookup", {}), 400, "missing secret_id");
});

test("list gives the accessors; destroy by value removes secret and accessor", async () => {
  const h = await withRole();
  const a = await h.data("write", "role/r/secret-id");
  const b = await h.data("write", "role/r/secret-id");
  assert.equal(((await h.data("list", "role/r/secret-id")).keys as string[]).sort(), [a.secret_id_accessor, b.secret_id_accessor].sort());
  await h.call("write", "role/r/secret-id/destroy", { secret_id: a.secret_id });
  assert.equal((await h.data("list", "role/r/secret-id")).keys, [b.secret_id_accessor]);
  assert.is(await h.call("write", "role/r/secret-id/lookup", { secret_id: a.secret_id }), undefined);
  await h.call("delete", "role/r/secret-id/destroy", { secret_id: b.secret_id });
  assert.equal((await h.data("list", "role/r/secret-id")).keys, []);
  await h.call("write", "role/r/secret-id/destroy", { secret_id: "unknown" });
});

test("accessor lookup/destroy only through the owning role (CVE-2023-24999)", async () => {
  const h = await withRole();
  await h.call("write", "role/other", {});
  const d = await h.data("write", "role/r/secret-id");
  const acc = d.secret_id_accessor;
  await assertRejects(h.call("write", "role/other/secret-id-accessor/lookup", { secret_id_accessor: acc }), 404);
  await assertRejects(h.call("write", "role/other/secret-id-accessor/destroy", { secret_id_accessor: acc }), 404);
  await assertRejects(h.call("delete", "role/other/secret-id-accessor/destroy", { secret_id_accessor: acc }), 404);
  assert.is((await h.data("write", "role/r/secret-id-accessor/lookup", { secret_id_accessor: acc })).secret_id_accessor, acc);
  await assertRejects(h.call("write", "role/r/secret-id-accessor/lookup", { secret_id_accessor: "../../x" }), 404);
  await assertRejects(h.call("write", "role/r/secret-id-accessor/lookup", {}), 400, "missing secret_id_accessor");
  await h.call("write", "role/r/secret-id-accessor/destroy", { secret_id_accessor: acc });
  assert.is(await h.call("write", "role/r/secret-id/lookup", { secret_id: d.secret_id }), undefined);
  await assertRejects(h.call("write", "role/r/secret-id-accessor/lookup", { secret_id_accessor: acc }), 404);
});

test("options within the role: CIDR subsets, num_uses and ttl caps, metadata strings", async () => {
  const h = await withRole({ secret_id_bound_cidrs: "10.0.0.0/8", token_bound_cidrs: "192.168.0.0/16", secret_id_num_uses: 3, secret_id_ttl: 600 });
  const ok = await h.data("write", "role/r/secret-id", { cidr_list: "10.1.0.0/16,10.2.3.4", token_bound_cidrs: "192.168.1.0/24", num_uses: 2, ttl: 60 });
  assert.equal([ok.secret_id_num_uses, ok.secret_id_ttl], [2, 60]);
  const l = await h.data("write", "role/r/secret-id/lookup", { secret_id: ok.secret_id });
  assert.equal([l.cidr_list, l.token_bound_cidrs], [["10.1.0.0/16", "10.2.3.4/32"], ["192.168.1.0/24"]]);
  await assertRejects(h.call("write", "role/r/secret-id", { cidr_list: "11.0.0.0/16" }), 400);
  await assertRejects(h.call("write", "role/r/secret-id", { cidr_list: "0.0.0.0/0" }), 400);
  await assertRejects(h.call("write", "role/r/secret-id", { token_bound_cidrs: "10.0.0.0/8" }), 400);
  await assertRejects(h.call("write", "role/r/secret-id", { num_uses: 4 }), 400);
  await assertRejects(h.call("write", "role/r/secret-id", { num_uses: 0 }), 400, "num_uses cannot be higher than the role's secret_id_num_uses");
  await assertRejects(h.call("write", "role/r/secret-id", { num_uses: -1 }), 400);
  await assertRejects(h.call("write", "role/r/secret-id", { ttl: 601 }), 400);
  await assertRejects(h.call("write", "role/r/secret-id", { metadata: '{"a":1}' }), 400);
  await assertRejects(h.call("write", "role/r/secret-id", { metadata: "not json" }), 400);
  const defaults = await h.data("write", "role/r/secret-id", { metadata: { a: "b" } });
  assert.equal([defaults.secret_id_num_uses, defaults.secret_id_ttl], [3, 600]);
  assert.is(h.storage.counted.size, 2, "refused requests stored nothing");
});

test("unlimited role: any num_uses and ttl; bind_secret_id=false refuses secret ids", async () => {
  const h = await withRole();
  const d = await h.data("write", "role/r/secret-id", { num_uses: 10, ttl: "48h" });
  assert.equal([d.secret_id_num_uses, d.secret_id_ttl], [10, 172800]);
  await h.call("write", "role/open", { bind_secret_id: false, token_bound_cidrs: "127.0.0.1" });
  await assertRejects(h.call("write", "role/open/secret-id", {}), 400, "bind_secret_id is not set on the role");
  await assertRejects(h.call("write", "role/ghost/secret-id", {}), 400, 'role "ghost" does not exist');
});

test("custom-secret-id: registered once, usable, padded or empty values refused", async () => {
  const h = await withRole();
  const d = await h.data("write", "role/r/custom-secret-id", { secret_id: "operator-chosen-secret-value-0001", num_uses: 2 });
  assert.is(d.secret_id, "operator-chosen-secret-value-0001");
  assert.is(d.secret_id_num_uses, 2);
  await assertRejects(h.call("write", "role/r/custom-secret-id", { secret_id: "operator-chosen-secret-value-0001" }), 400, "SecretID is already registered");
  await assertRejects(h.call("write", "role/r/custom-secret-id", { secret_id: " padded " }), 400);
  await assertRejects(h.call("write", "role/r/custom-secret-id", {}), 400, "missing secret_id");
  const short = await h.call("write", "role/r/custom-secret-id", { secret_id: "short" });
  assert.ok(short && short.warnings && short.warnings.length === 1);
  assert.is((await h.data("write", "role/r/secret-id/lookup", { secret_id: "operator-chosen-secret-value-0001" })).secret_id_num_uses, 2);
});

test("tidy removes expired secrets, dangling accessors and leftovers of deleted roles", async () => {
  const h = await withRole();
  let now = Date.now();
  h.storage.now = () => now;
  const keep = await h.data("write", "role/r/secret-id");
  await h.data("write", "role/r/secret-id", { ttl: 10 });
  h.storage.put("accessor/deadbeefdeadbeefdeadbeefdeadbeef/x", { hmac: "0".repeat(64) });
  h.storage.putCounted(`secret/deadbeefdeadbeefdeadbeefdeadbeef/${"1".repeat(64)}`, {}, { uses: 0, ttlSeconds: 0 });
  now += 11_000;
  const r = await h.data("write", "tidy/secret-id");
  assert.equal(r, { secret_ids: 2, accessors: 2 });
  assert.equal((await h.data("list", "role/r/secret-id")).keys, [keep.secret_id_accessor]);
  assert.is(h.storage.counted.size, 1);
});

test.run();
