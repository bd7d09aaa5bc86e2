// Starting a warden dev server for a benchmark, and the few API calls the scenarios need.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WARDEN_MAIN, freePort, spawnPinned, waitForOutput } from "./procs.mjs";
import { UNBUNDLED_MAIN } from "./unbundled.mjs";

export const ROOT_TOKEN = "bench-root-token";

/**
 * A dev server on durable SQLite (WAL, every commit synced before its answer: the default) in `dataDir`; `main` is another
 * build's CLI entry point (bench/lib/build-at.mjs), this checkout's by default.
 */
export async function startWarden({ core, dataDir, nodeArgs = [], env = {}, main = WARDEN_MAIN } = {}) {
  // A profiled server of this checkout runs from the unbundled tree (the same code): its profile's
  // frames then name their modules, which is what stage-budget.mjs splits the CPU by.
  if (main === WARDEN_MAIN && nodeArgs.includes("--cpu-prof")) main = UNBUNDLED_MAIN;
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), "warden-bench-"));
  const port = await freePort();
  const child = spawnPinned(core, process.execPath, [
    ...nodeArgs,
    main,
    "server",
    "-dev",
    `-dev-listen-address=127.0.0.1:${port}`,
    `-dev-root-token-id=${ROOT_TOKEN}`,
    `-dev-data-dir=${dir}`,
  ], { env });
  await waitForOutput(child, "Root Token:");
  return { child, url: `http://127.0.0.1:${port}`, port, dataDir: dir };
}

export async function api(url, method, path, { token = ROOT_TOKEN, body } = {}) {
  const res = await fetch(`${url}/v1/${path}`, {
    method,
    headers: { "x-vault-token": token, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** A child token of root with the default policy, the typical caller of lookup-self. */
export async function childToken(url) {
  const r = await api(url, "POST", "auth/token/create", { body: { policies: ["default"], ttl: "1h" } });
  return r.auth.client_token;
}

/** Points auth/alicloud at the emulator and creates the role the bench logins use. */
export async function configureAlicloud(url, stsPort, role, arn) {
  await api(url, "POST", "auth/alicloud/config", { body: { sts_endpoint: `http://127.0.0.1:${stsPort}` } });
  await api(url, "POST", `auth/alicloud/role/${role}`, { body: { arn, token_policies: ["default"], token_ttl: "1h" } });
}
