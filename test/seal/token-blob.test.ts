// A token's blob as the barrier writes it (a compact JSON array, the auth's metadata not repeated when
// it is the token's meta) round-trips every field, and a blob written before (a JSON object) still opens.
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { Keyring } from "../../src/core/seal/keyring.js";
import { Barrier } from "../../src/core/barrier/barrier.js";
import { aad as aadOf, barrierStorage } from "../../src/core/barrier/barrier-storage.js";
import { openSqliteStorage } from "../../src/storage/sqlite/index.js";
import type { TokenRecord } from "../../src/storage/types.js";
import { token as contractToken } from "../storage/contract.js";

const t = suite("token blob");

/** An AppRole login's token (the storage contract's builder, with a login's fields). */
const token = (idHash: string): TokenRecord =>
  contractToken({
    idHash,
    accessor: `acc${idHash}`,
    policies: ["default", "dev"],
    path: "auth/approle/login",
    mountAccessor: "auth_approle_1",
    meta: { role_name: "bench", "é": "\0" },
    displayName: "approle",
    createdAt: 1,
    boundCidrs: ["10.0.0.0/8"],
    auth: { alias: "role-id", metadata: { role_name: "bench", "é": "\0" }, internal: { role_name: "bench", n: 1 } },
    loginRole: "bench",
  });

t("token blobs: the compact form round-trips (metadata the same as meta, or not, or no auth), the object form written before still opens", async () => {
  const raw = await openSqliteStorage({ path: ":memory:" });
  try {
    const keyring = Keyring.fresh();
    const s = barrierStorage(raw, new Barrier(keyring, async () => keyring));
    const same = token("h1");
    const differs = { ...token("h2"), auth: { alias: "x", metadata: { other: "1" }, internal: {} } };
    const none = { ...token("h3"), auth: null };
    for (const r of [same, differs, none]) {
      assert.ok(await s.tokens.insert(r));
      const back = (await s.tokens.get(r.idHash))!;
      assert.equal(back, { ...r, ...(back.entityDisabled === undefined ? {} : { entityDisabled: back.entityDisabled }) });
      const rawRow = (await raw.tokens.get(r.idHash))!;
      assert.equal([rawRow.policies, rawRow.meta, rawRow.displayName], [[], {}, ""], "nothing clear");
      assert.ok(!JSON.stringify(rawRow).includes("role-id"));
    }
    // Its own copy of the metadata: changing one leaves the other.
    const back = (await s.tokens.get("h1"))!;
    back.auth!.metadata.role_name = "changed";
    assert.is(back.meta.role_name, "bench");
    // A blob written by the previous release: {policies, meta, displayName, boundCidrs, role, auth}.
    const old = token("h4");
    const { policies, meta, displayName, boundCidrs, role, auth } = old;
    const blob = keyring.encrypt(JSON.stringify({ policies, meta, displayName, boundCidrs, role, auth }), aadOf.token("h4"));
    assert.ok(await raw.tokens.insert({ ...old, policies: [], meta: {}, displayName: "", boundCidrs: [], role: "", auth: { alias: "", metadata: {}, internal: { $barrier: blob } } }));
    assert.equal(await s.tokens.get("h4"), old);
    // A compact blob written by the previous release: base64 text in the auth column, not bytes in `sealed`.
    const mid = token("h5");
    const compact = JSON.stringify([mid.policies, mid.meta, mid.displayName, mid.boundCidrs, mid.role, [mid.auth!.alias, 0, mid.auth!.internal]]);
    const text = keyring.encrypt(compact, aadOf.token("h5"));
    assert.ok(await raw.tokens.insert({ ...mid, policies: [], meta: {}, displayName: "", boundCidrs: [], role: "", auth: { alias: "", metadata: {}, internal: { $barrier: text } } }));
    assert.equal(await s.tokens.get("h5"), mid);
    assert.equal(s.tokens.peek!("h5"), mid);
  } finally {
    await raw.close();
  }
});

async function refused(p: Promise<unknown>): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  assert.ok(e instanceof Error && /failed authentication/.test(e.message), String(e));
}

t("token blobs: bytes of their own column, auth NULL; a blob copied to another row or changed by a byte does not open", async () => {
  const raw = await openSqliteStorage({ path: ":memory:" });
  try {
    const keyring = Keyring.fresh();
    const s = barrierStorage(raw, new Barrier(keyring, async () => keyring));
    const r = token("c1");
    assert.ok(await s.tokens.insert(r));
    const row = (await raw.tokens.get("c1"))!;
    assert.is(row.auth, null);
    assert.ok(Buffer.isBuffer(row.sealed));
    assert.not.ok(row.sealed!.toString("latin1").includes("bench"), "encrypted");
    // As the raw row read by accessor (the drizzle read) and by peek.
    assert.ok((await raw.tokens.getByAccessor(r.accessor))!.sealed!.equals(row.sealed!));
    assert.ok((raw.tokens.peek!("c1") as TokenRecord).sealed!.equals(row.sealed!));
    // Opening leaves the raw record's bytes as they were (the native open decrypts in a copy).
    const before = Buffer.from(row.sealed!);
    assert.equal(await s.tokens.get("c1"), r);
    assert.ok(row.sealed!.equals(before));
    // The same bytes under another id: the AAD is the id hash, so it fails.
    assert.ok(await raw.tokens.insert({ ...row, idHash: "c2", accessor: "accc2" }));
    await refused(s.tokens.get("c2"));
    const flipped = Buffer.from(row.sealed!);
    flipped[flipped.length - 20]! ^= 1;
    assert.ok(await raw.tokens.insert({ ...row, idHash: "c3", accessor: "accc3", sealed: flipped }));
    await refused(s.tokens.get("c3"));
    assert.throws(() => s.tokens.peek!("c3"), /failed authentication/);
  } finally {
    await raw.close();
  }
});

t.run();
