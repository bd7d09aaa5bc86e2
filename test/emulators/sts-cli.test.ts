// `npm run sts-emulator`: starts, prints the demo identity, serves it, never prints other secrets,
// and exits cleanly on SIGTERM.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { DEMO_IDENTITY } from "../../src/emulators/sts/demo-identity.js";
import { PopRPCClient, USER } from "./sts-helpers.js";

const MAIN = fileURLToPath(new URL("../../src/emulators/sts/main.js", import.meta.url));

test("CLI: demo identity printed and usable, file identities loaded without printing secrets, SIGTERM exits 0", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sts-cli-"));
  const file = join(dir, "identities.json");
  writeFileSync(file, JSON.stringify([USER]));
  const child = spawn(process.execPath, [MAIN, "--port", "0", "--identities", file], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line in: ${out}`)), 10_000);
      child.stdout.on("data", () => {
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m && out.includes("Loaded identity")) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    assert.ok(out.includes("acs:ram::1234567890123456:assumed-role/dev-role/"));
    assert.ok(out.includes(DEMO_IDENTITY.accessKeyId) && out.includes(DEMO_IDENTITY.accessKeySecret));
    assert.ok(out.includes(`Loaded identity ${USER.accessKeyId} -> acs:ram::1733057948060001:user/ci-bot`));

    const demo = new PopRPCClient({
      endpoint: url,
      apiVersion: "2015-04-01",
      accessKeyId: DEMO_IDENTITY.accessKeyId,
      accessKeySecret: DEMO_IDENTITY.accessKeySecret,
      securityToken: DEMO_IDENTITY.securityToken!,
    });
    const who = await demo.request<Record<string, string>>("GetCallerIdentity", {}, { method: "POST" });
    assert.is(who.Arn, "acs:ram::1234567890123456:assumed-role/dev-role/warden-demo");
    const user = new PopRPCClient({ endpoint: url, apiVersion: "2015-04-01", accessKeyId: USER.accessKeyId, accessKeySecret: USER.accessKeySecret });
    const who2 = await user.request<Record<string, string>>("GetCallerIdentity", {}, { method: "GET" });
    assert.is(who2.Arn, "acs:ram::1733057948060001:user/ci-bot");
    // The emulator logs each request after answering it: wait for both lines to reach us.
    for (const end = Date.now() + 10_000; (out.match(/GetCallerIdentity AccessKeyId=/g) ?? []).length < 2 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 10));

    assert.match(out, /\[sts-emulator\] POST \/ GetCallerIdentity AccessKeyId=STS\.DemoWardenDevRoleKey01 -> 200/);
    assert.not.ok(out.includes(USER.accessKeySecret), "a file identity's secret was printed");
    assert.not.ok(/Signature=|[A-Za-z0-9+/]{27}=/.test(out.replace(DEMO_IDENTITY.securityToken!, "")), "a signature was logged");
  } finally {
    child.kill("SIGTERM");
    const code = await exited;
    rmSync(dir, { recursive: true, force: true });
    assert.is(code, 0, out);
  }
});

test.run();
