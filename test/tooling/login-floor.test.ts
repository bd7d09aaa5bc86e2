// bench/login-floor-server.mjs --store --checks (issue 16): the floor of an AliCloud login that checks
// what the plugin checks. A floor that skipped a check would flatter the target, so it is held to the
// plugin's answers here: a genuine login mints a token, a replayed signature and a request the plugin
// refuses do not, and the role's ARN is matched.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as assert from "uvu/assert";
import { DEMO_IDENTITY } from "../../src/emulators/sts/demo-identity.js";
import { startStsEmulator, type StsEmulator } from "../../src/emulators/sts/server.js";
import { suite } from "../../src/sdk/testing/suite.js";
import { tempDirs } from "../helpers/temp-dirs.js";
import { waitFor } from "../helpers/wait-for.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const { loginBody } = (await import(new URL("../../../bench/lib/bodies.mjs", import.meta.url).href)) as { loginBody(now?: Date): string };

const t = suite("login-floor");
let sts: StsEmulator;
let floor: ChildProcess;
let url = "";

t.before(async () => {
  sts = await startStsEmulator({ host: "127.0.0.1", port: 0, identities: [{ ...DEMO_IDENTITY }] });
  floor = spawn(process.execPath, [`${ROOT}bench/login-floor-server.mjs`, "0", String(sts.port), "--store", tmp(), "--checks"], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  floor.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  const port = await waitFor("the floor server's listening line", 20_000, async () => /listening (\d+)/.exec(out)?.[1]);
  url = `http://127.0.0.1:${port}/v1/auth/alicloud/login`;
});

// Registered before the temporary directory's hook: the floor has exited (its store closed) when the
// directory is removed.
t.after(async () => {
  if (floor && floor.exitCode === null && floor.signalCode === null) {
    const exited = new Promise((resolve) => floor.once("exit", resolve));
    floor.kill("SIGTERM");
    await exited;
  }
  await sts?.close();
});
const tmp = tempDirs(t, "warden-login-floor-");

const post = async (body: string) => {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
  return { status: res.status, body: (await res.json()) as { auth?: { client_token?: string } } };
};

/** The login body with its signed URL's query rewritten by `edit` (the signature no longer matters: the checks refuse it first). */
function withQuery(body: string, edit: (query: string) => string): string {
  const b = JSON.parse(body) as { identity_request_url: string };
  const raw = Buffer.from(b.identity_request_url, "base64").toString("utf8");
  const at = raw.indexOf("/?") + 2;
  return JSON.stringify({ ...b, identity_request_url: Buffer.from(raw.slice(0, at) + edit(raw.slice(at))).toString("base64") });
}

t("a genuine login mints a token; the same signature again is refused", async () => {
  const body = loginBody();
  const first = await post(body);
  assert.is(first.status, 200);
  assert.match(first.body.auth?.client_token ?? "", /^hvs\./);
  assert.is((await post(body)).status, 403, "a replayed signature must not mint a second token");
  assert.is(sts.requests.length, 1, "the replay must be refused before any call to STS");
});

t("requests the plugin refuses are refused before STS is called", async () => {
  const calls = sts.requests.length;
  const refused = [
    withQuery(loginBody(), (q) => q.replace("Format=JSON", "Format=XML")),
    withQuery(loginBody(), (q) => `${q}&Action=AssumeRole`),
    withQuery(loginBody(), (q) => q.replace(/Timestamp=[^&]*/, "Timestamp=2020-01-01T00%3A00%3A00Z")),
    JSON.stringify({ ...(JSON.parse(loginBody()) as object), identity_request_headers: "not a header map" }),
  ];
  for (const body of refused) assert.is.not((await post(body)).status, 200, body.slice(0, 80));
  assert.is(sts.requests.length, calls);
});

t.run();
