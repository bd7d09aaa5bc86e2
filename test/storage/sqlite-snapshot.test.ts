// The SQLite adapter's online snapshots (Storage.snapshots), below the HTTP layer: a save taken in many
// backup steps while writes commit between them is one consistent point; inspect refuses what is not
// a warden database; restore replaces every row in one transaction and tells its progress.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import * as assert from "uvu/assert";
import { suite } from "../../src/sdk/testing/suite.js";
import { openSqliteStorage } from "../../src/storage/sqlite/index.js";
import { SnapshotInvalid } from "../../src/storage/types.js";

const t = suite("sqlite adapter: online snapshot save, inspect, restore");
const dir = mkdtempSync(join(tmpdir(), "warden-sqlsnap-"));
t.after(() => rmSync(dir, { recursive: true, force: true }));

t("a save in 1-page steps while writes commit between them is one consistent point; restore brings it back with progress lines", async () => {
  const lines: Array<{ msg: string; fields?: Record<string, unknown> }> = [];
  const log = { info: (msg: string, fields?: Record<string, unknown>) => lines.push({ msg, fields }), warn: (msg: string, fields?: Record<string, unknown>) => lines.push({ msg, fields }) };
  // Each 1-page step of the save waits until one more sequential write has committed since the last
  // step: writes interleave with the copy however fast or slow this machine is.
  let written = 0;
  let copiedAt = -1;
  const oneWriteThenOnePage = (): number => (written > copiedAt ? ((copiedAt = written), 1) : 0);
  const s = await openSqliteStorage({ path: join(dir, "live.db"), log, snapshotTuning: { pagesPerStep: oneWriteThenOnePage, rowsPerChunk: 500, progressEveryMs: 0 } });
  try {
    const pad = "x".repeat(400);
    for (let i = 0; i < 3000; i++) void s.system.put(`seed/${String(i).padStart(5, "0")}`, pad);
    await s.system.put("seed/done", "1");
    // Sequential writes, each committed before the next: any consistent point holds a gap-free prefix of them.
    let writing = true;
    const writer = (async () => {
      while (writing) {
        await s.system.put(`w/${String(written).padStart(6, "0")}`, pad);
        written++;
      }
    })();
    const file = s.snapshots!.tempPath("save");
    const saved = s.snapshots!.save(file);
    await saved;
    writing = false;
    await writer;
    assert.ok(written > 5, `writes committed during the save: ${written}`);
    const steps = lines.filter((l) => l.msg === "snapshot save: progress").length;
    assert.ok(steps > 10, `the save ran in many steps (${steps}), writes committing between them`);

    let inSnapshot = 0;
    const copy = new Database(file, { readonly: true });
    try {
      assert.is(copy.pragma("integrity_check", { simple: true }), "ok");
      const keys = copy.prepare("SELECT key FROM system WHERE key LIKE 'w/%' ORDER BY key").pluck().all() as string[];
      keys.forEach((k, i) => assert.is(k, `w/${String(i).padStart(6, "0")}`, "a gap-free prefix of the sequential writes"));
      assert.ok(keys.length < written, "writes after the snapshot's point are not in it");
      assert.is(copy.prepare("SELECT count(*) FROM system WHERE key LIKE 'seed/%'").pluck().get(), 3001);
      inSnapshot = keys.length;
    } finally {
      copy.close();
    }

    // inspect: the snapshot's system keys; garbage and a non-warden database refused.
    const seen = await s.snapshots!.inspect(file, ["seed/done", "absent"]);
    assert.equal(seen.system, { "seed/done": "1", absent: undefined });
    const junk = join(dir, "junk.db");
    writeFileSync(junk, "this is not a database at all, not even close".repeat(100));
    const other = join(dir, "other.db");
    new Database(other).exec("CREATE TABLE t (x)").close();
    for (const bad of [junk, other]) {
      try {
        await s.snapshots!.inspect(bad, []);
        assert.unreachable(bad);
      } catch (e) {
        assert.instance(e, SnapshotInvalid, String(e));
      }
    }

    // Restore: every row is the snapshot's again, told in chunks of 500 rows.
    await s.system.put("after", "1");
    await s.system.put("kept", "live value");
    await s.system.put("seed/done", "live value");
    await s.system.delete("seed/00000");
    lines.length = 0;
    const { rows } = await s.snapshots!.restore(file, ["kept", "seed/done"]);
    assert.is(await s.system.get("after"), undefined);
    assert.is(await s.system.get("kept"), "live value", "a kept key keeps its live value");
    assert.is(await s.system.get("seed/done"), "live value", "even where the snapshot has one");
    assert.is(await s.system.get("seed/00000"), pad);
    assert.is(s.connection.prepare("SELECT count(*) FROM system WHERE key LIKE 'w/%'").pluck().get(), inSnapshot);
    const progress = lines.filter((l) => l.msg === "snapshot restore: progress");
    assert.ok(progress.length >= 6, `progress lines: ${progress.length}`);
    assert.ok(progress.every((l) => typeof l.fields?.rows_total === "number" && "estimated_ms_left" in l.fields!), "each line tells what is left");
    assert.is(progress.at(-1)!.fields!.rows_done, rows);
    // Writes after the restore go on as usual.
    await s.system.put("later", "2");
    assert.is(await s.system.get("later"), "2");
  } finally {
    await s.close();
  }
});

t.run();
