// A `warden server` process (static seal, SQLite) that is killed with SIGKILL as soon as it says the
// upgrade transaction starts: the restart must find the database whole.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CLI } from "../cli/harness.js";
import { freePort } from "../helpers/free-port.js";
import { waitFor } from "../helpers/wait-for.js";

export async function spawnKilledInit(dataDir: string, key: Buffer): Promise<void> {
  const port = await freePort();
  const config = join(dataDir, "kill.hcl");
  writeFileSync(
    config,
    `listener "tcp" {\n address = "127.0.0.1:${port}"\n tls_disable = true\n}\nstorage "sqlite" {\n path = "${join(dataDir, "warden.db")}"\n}\nseal "static" {\n current_key_id = "k1"\n current_key = "${key.toString("hex")}"\n}\nlog_level = "info"\n`,
  );
  let output = "";
  const child = spawn(process.execPath, [CLI, "server", `-config=${config}`], { stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<number | null>((r) => child.once("exit", r));
  const upgrading = new Promise<void>((resolve) => {
    const on = (d: Buffer) => {
      output += d;
      if (output.includes("upgrading a database written before the barrier")) {
        child.kill("SIGKILL");
        resolve();
      }
    };
    child.stdout!.on("data", on);
    child.stderr!.on("data", on);
  });
  const url = `http://127.0.0.1:${port}`;
  // A generous bound: a node process starting on a loaded 2-core machine can take many seconds. A child
  // that exits instead fails at once, with what it printed.
  let listening = false;
  await Promise.race([
    waitFor("the child server listens", 60_000, async () => (await fetch(`${url}/v1/sys/seal-status`).catch(() => undefined))?.ok).then(() => (listening = true)),
    exited.then((code) => {
      if (!listening) throw new Error(`the child server exited (${code}) before listening:\n${output}`);
    }),
  ]);
  // The answer never comes when the kill lands first: the request only has to be sent.
  void fetch(`${url}/v1/sys/init`, { method: "PUT", body: "{}" }).catch(() => undefined);
  await Promise.race([upgrading, exited]);
  child.kill("SIGKILL");
  await exited;
}
