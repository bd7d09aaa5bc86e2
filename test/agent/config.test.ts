// The agent's config file: Vault Agent's HCL read strictly (defaults, modes, every refusal names
// its key), and the backoff of auto-auth.
import * as assert from "uvu/assert";
import { parseAgentConfig } from "../../src/agent/config.js";
import { Backoff } from "../../src/agent/auto-auth.js";
import { suite } from "../../src/sdk/testing/suite.js";

const t = suite("warden agent: config");

const vault = `vault {\n  address = "http://127.0.0.1:8200"\n}\n`;
const approle = `auto_auth {
  method "approle" {
    config = {
      role_id_file_path = "/etc/warden/role-id"
      secret_id_file_path = "/etc/warden/secret-id"
    }
  }
  sink "file" {
    config = {
      path = "/run/warden/token"
    }
  }
}
`;

async function refused(text: string): Promise<string> {
  try {
    await parseAgentConfig(text, "agent.hcl");
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("the config was accepted");
}

t("defaults: mount auth/<type>, backoff 1 s..5 min, sink mode 0640, Vault's remove_secret_id_file_after_reading = true", async () => {
  const c = await parseAgentConfig(vault + approle, "agent.hcl");
  assert.is(c.method.mountPath, "auth/approle");
  assert.is(c.method.minBackoffMs, 1000);
  assert.is(c.method.maxBackoffMs, 300_000);
  assert.equal(c.sinks, [{ path: "/run/warden/token", mode: 0o640 }]);
  assert.equal(c.method.config, { type: "approle", roleIdFilePath: "/etc/warden/role-id", secretIdFilePath: "/etc/warden/secret-id", removeSecretIdFileAfterReading: true });
  assert.is(c.useAutoAuthToken, false);
  assert.is(c.exitAfterAuth, false);
});

t("the issue's example (HCL2 spelling) reads as meant", async () => {
  const c = await parseAgentConfig(
    `vault {
  address = "https://warden.internal:8200"
  ca_cert = "/etc/warden/ca.pem"
}
auto_auth {
  method "alicloud" {
    mount_path = "auth/alicloud"
    min_backoff = "2s"
    max_backoff = "1m"
    config = { role = "dev-role", region = "cn-hangzhou" }
  }
  sink "file" {
    config = { path = "/run/warden/token", mode = 0600 }
  }
}
api_proxy {
  use_auto_auth_token = "force"
}
listener "tcp" {
  address = "127.0.0.1:8100"
  tls_disable = true
}
exit_after_auth = false
pid_file = "/run/warden/agent.pid"
`,
    "agent.hcl",
  );
  assert.equal(c.vault, { address: "https://warden.internal:8200", caCert: "/etc/warden/ca.pem" });
  assert.equal(c.method.config, { type: "alicloud", role: "dev-role", region: "cn-hangzhou", metadataEndpoint: "http://100.100.100.200" });
  assert.is(c.method.minBackoffMs, 2000);
  assert.is(c.method.maxBackoffMs, 60_000);
  assert.is(c.sinks[0]!.mode, 0o600);
  assert.is(c.useAutoAuthToken, "force");
  assert.equal(c.listeners, [{ address: "127.0.0.1:8100", tlsDisable: true }]);
  assert.is(c.pidFile, "/run/warden/agent.pid");
});

t("refusals name the block or key", async () => {
  assert.match(await refused(vault + approle + `templates {\n}\n`), /agent\.hcl: top level: unknown key "templates"/);
  assert.match(await refused(approle), /a vault \{ address = "\.\.\." \} block is required/);
  assert.match(await refused(vault + approle.replace('"approle"', '"kubernetes"')), /method "kubernetes": unknown method type/);
  assert.match(await refused(vault + approle.replace("role_id_file_path", "role_id_path")), /config: unknown key "role_id_path"/);
  assert.match(await refused(vault + approle.replace('path = "/run/warden/token"', 'path = "/t"\n      mode = 0644')), /mode: 0644 lets any user/);
  assert.match(await refused(vault + approle.replace('sink "file"', 'sink "socket"')), /sink "socket": unknown sink type/);
  assert.match(await refused(vault + approle + `api_proxy {\n  use_auto_auth_token = "always"\n}\n`), /use_auto_auth_token/);
  assert.match(await refused(vault + approle + `api_proxy {\n  use_auto_auth_token = true\n}\n`), /api_proxy: needs a listener/);
  assert.match(await refused(vault.replace("http://127.0.0.1:8200", "ftp://x") + approle), /vault: address must be an http\(s\) URL/);
  assert.match(await refused(vault.replace("}", "  tls_skip_verify = true\n}") + approle), /tls_skip_verify = true is not supported/);
  assert.match(
    await refused(vault + `auto_auth {\n  method "alicloud" {\n    config = { role = "r", region = "cn-hangzhou", access_key = "a" }\n  }\n}\n`),
    /access_key and secret_key go together/,
  );
  // A secret in the config never comes back in a refusal.
  const msg = await refused(vault + `auto_auth {\n  method "alicloud" {\n    config = { role = "r", region = "cn-hangzhou", access_key = "AKID", secret_key = "TOPSECRET", bogus = 1 }\n  }\n}\n`);
  assert.not.match(msg, /TOPSECRET/);
});

t("backoff doubles from min to max, with jitter below each step", () => {
  let r = 0;
  const b = new Backoff(1000, 8000, () => r);
  assert.equal([b.next(), b.next(), b.next(), b.next(), b.next()], [1000, 2000, 4000, 8000, 8000]);
  b.reset();
  r = 0.999;
  const w = b.next();
  assert.ok(w >= 1000 && w <= 1000, "never below min");
  const w2 = b.next();
  assert.ok(w2 >= 1500 && w2 < 2000, `jittered ${w2}`);
});

t.run();
