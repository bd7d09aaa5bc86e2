// Test harness for the warden agent: runs the compiled CLI as `warden agent -config=...` in a child
// process (as an instance runs it), with helpers to write its config, read its sink and check a
// token against the real server. Not a test file itself.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestServer } from "../helpers/server.js";
import { waitFor } from "../helpers/wait-for.js";

export const CLI = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

export interface AgentProcess {
  proc: ChildProcess;
  /** Everything the agent wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (signal exits as 128+n). */
  exited: Promise<number>;
  /** SIGTERM (or `signal`), then the exit code (SIGKILL after 10 s: a test must not hang on a stuck agent). */
  stop(signal?: NodeJS.Signals): Promise<number>;
}

export function tempDir(prefix = "warden-agent-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeConfig(dir: string, hcl: string, name = "agent.hcl"): string {
  const path = join(dir, name);
  writeFileSync(path, hcl);
  return path;
}

export function startAgent(configPath: string, opts: { env?: Record<string, string | undefined>; args?: string[] } = {}): AgentProcess {
  const env: Record<string, string | undefined> = { ...process.env, ALICLOUD_ACCESS_KEY: undefined, ALICLOUD_SECRET_KEY: undefined, ALICLOUD_ACCESS_KEY_STS_TOKEN: undefined, ...opts.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const proc = spawn(process.execPath, [CLI, "agent", `-config=${configPath}`, ...(opts.args ?? [])], { env: env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number>((resolve) => {
    proc.on("exit", (code, signal) => resolve(code ?? (signal === "SIGKILL" ? 137 : signal === "SIGTERM" ? 143 : 128)));
  });
  return {
    proc,
    output: () => out,
    exited,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** The sink's token, or undefined while it does not exist yet. */
export function readSink(path: string): string | undefined {
  try {
    const t = readFileSync(path, "utf8");
    return t === "" ? undefined : t;
  } catch {
    return undefined;
  }
}

/** lookup-self of `token` against the server: its data when valid, undefined otherwise. */
export async function lookup(s: TestServer, token: string): Promise<Record<string, any> | undefined> {
  const r = await s.request("GET", "auth/token/lookup-self", { token });
  return r.status === 200 ? (r.body.data as Record<string, any>) : undefined;
}

/** Waits until the sink holds a token the server accepts (other than `not`), and returns it. */
export function waitForValidSink(s: TestServer, path: string, ms: number, not?: string): Promise<string> {
  return waitFor(`a valid token in ${path}${not ? " (a new one)" : ""}`, ms, async () => {
    const t = readSink(path);
    if (t === undefined || t === not) return undefined;
    return (await lookup(s, t)) ? t : undefined;
  });
}

/** No secret of `secrets` appears in the agent's output. */
export function secretsIn(output: string, secrets: readonly string[]): string[] {
  return secrets.filter((x) => x !== "" && output.includes(x));
}

/** A policy that lets a token look itself up and renew itself, as every agent token must. */
export const SELF_POLICY = 'path "auth/token/lookup-self" { capabilities = ["read"] }\npath "auth/token/renew-self" { capabilities = ["update"] }';

/** approle mount + a role with these TTLs; returns the role id and a fresh secret id. */
export async function approleRole(s: TestServer, role: string, ttl: string, maxTtl: string): Promise<{ roleId: string; secretId: string }> {
  const ok = (r: { status: number; text: string }, what: string): void => {
    if (r.status >= 300) throw new Error(`${what}: ${r.status} ${r.text}`);
  };
  const mounts = await s.request("GET", "sys/auth");
  if (!mounts.body?.data?.["approle/"] && !mounts.body?.["approle/"]) ok(await s.request("POST", "sys/auth/approle", { body: { type: "approle" } }), "enable approle");
  ok(await s.request("PUT", "sys/policies/acl/agent-self", { body: { policy: SELF_POLICY } }), "policy");
  ok(await s.request("PUT", `auth/approle/role/${role}`, { body: { token_ttl: ttl, token_max_ttl: maxTtl, token_policies: "agent-self" } }), "role");
  const roleId = (await s.request("GET", `auth/approle/role/${role}/role-id`)).body.data.role_id as string;
  const secretId = (await s.request("PUT", `auth/approle/role/${role}/secret-id`, { body: {} })).body.data.secret_id as string;
  return { roleId, secretId };
}

/** An approle agent config; `extra` is appended at the top level (api_proxy, listener...). */
export function approleConfig(opts: { address: string; dir: string; sink: string; mode?: string; extra?: string; removeSecretId?: boolean }): string {
  return `vault {
  address = "${opts.address}"
}
auto_auth {
  method "approle" {
    mount_path = "auth/approle"
    config = {
      role_id_file_path = "${join(opts.dir, "role-id")}"
      secret_id_file_path = "${join(opts.dir, "secret-id")}"
      remove_secret_id_file_after_reading = ${opts.removeSecretId ?? true}
    }
  }
  sink "file" {
    config = {
      path = "${opts.sink}"
      mode = ${opts.mode ?? "0600"}
    }
  }
}
${opts.extra ?? ""}
`;
}
