/**
 * Client side of `warden login -method=oci auth_type=apikey role=<r> [mount=oci]`: reads the API key
 * from the OCI config file (~/.oci/config, or OCI_CONFIG_FILE) and signs `GET /v1/auth/<mount>/login/<role>`
 * for warden's host exactly as the Vault CLI does (Go SDK: `date (request-target) host`), so warden and
 * Vault accept each other's payloads. Only the signed headers leave the machine, never the key.
 */
import { createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { badRequest, defineLoginHandler, loginArgs } from "warden/sdk";
import { signRequest } from "./request-signer.js";

export interface OciProfile {
  tenancy: string;
  user: string;
  fingerprint: string;
  keyFile: string;
  passphrase?: string;
  region?: string;
}

/** The named profile of an OCI config file (INI; later keys win; `~` in key_file expanded). */
export function readOciConfig(text: string, profile = "DEFAULT"): OciProfile {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = sections.get(header[1]!.trim()) ?? new Map();
      sections.set(header[1]!.trim(), current);
      continue;
    }
    const eq = line.indexOf("=");
    if (eq <= 0 || !current) continue;
    current.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  const s = sections.get(profile);
  if (!s) throw new Error(`profile ${profile} not found in the OCI config file`);
  // Like the SDKs, a named profile inherits what it does not set from DEFAULT.
  const get = (k: string): string | undefined => s.get(k) ?? sections.get("DEFAULT")?.get(k);
  const need = (k: string): string => {
    const v = get(k);
    if (!v) throw new Error(`the OCI config profile ${profile} lacks ${k}`);
    return v;
  };
  const keyFile = need("key_file").replace(/^~(?=$|\/)/, homedir());
  const out: OciProfile = { tenancy: need("tenancy"), user: need("user"), fingerprint: need("fingerprint"), keyFile };
  const pass = get("pass_phrase");
  if (pass) out.passphrase = pass;
  const region = get("region");
  if (region) out.region = region;
  return out;
}

export function ociConfigPath(env: Record<string, string | undefined>): string {
  return env.OCI_CONFIG_FILE || join(homedir(), ".oci", "config");
}

export interface OciLoginOptions {
  /** warden's address as the client uses it ("http://127.0.0.1:8200"): its host is signed. */
  address: string;
  mount: string;
  role: string;
  keyId: string;
  privateKeyPem: string;
  passphrase?: string;
  now?: Date;
}

export interface OciLoginRequest {
  path: string;
  body: { request_headers: Record<string, string[]> };
}

/** The login request: `auth/<mount>/login/<role>` with the signed headers as Vault's CLI sends them. */
export function ociLoginData(opts: OciLoginOptions): OciLoginRequest {
  const mount = opts.mount.replace(/^\/+|\/+$/g, "");
  const role = opts.role.toLowerCase();
  const url = new URL(opts.address);
  const path = `auth/${mount}/login/${role}`;
  const target = `/v1/${path}`;
  const privateKey = createPrivateKey(opts.passphrase ? { key: opts.privateKeyPem, passphrase: opts.passphrase } : opts.privateKeyPem);
  const signed = signRequest({ method: "GET", target, host: url.host, keyId: opts.keyId, privateKey, now: opts.now });
  const headers: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(signed)) headers[k] = [v];
  headers["(request-target)"] = [`get ${target}`];
  return { path, body: { request_headers: headers } };
}

/** Everything `warden login -method=oci` needs from disk: the profile, its key, the request. */
export function ociLoginFromConfigFile(opts: {
  address: string;
  mount: string;
  role: string;
  env: Record<string, string | undefined>;
  profile?: string;
}): OciLoginRequest {
  const profile = readOciConfig(readFileSync(ociConfigPath(opts.env), "utf8"), opts.profile);
  const privateKeyPem = readFileSync(profile.keyFile, "utf8");
  return ociLoginData({
    address: opts.address,
    mount: opts.mount,
    role: opts.role,
    keyId: `${profile.tenancy}/${profile.user}/${profile.fingerprint}`,
    privateKeyPem,
    ...(profile.passphrase ? { passphrase: profile.passphrase } : {}),
  });
}

export const ociLogin = defineLoginHandler({
  help: `-method=oci: auth_type=apikey role=ROLE [mount=PATH] [profile=NAME]
      Signs GET /v1/auth/<mount>/login/<role> for warden's host with the API key of the OCI config
      file (OCI_CONFIG_FILE, else ~/.oci/config; profile DEFAULT), as Vault's CLI does, and sends
      only the signed headers. (Instance principals, auth_type=instance, are not supported.)`,
  login(input) {
    const args = loginArgs(input, "oci", ["auth_type", "role", "profile"]);
    const authType = args.string("auth_type");
    if (authType !== "apikey" && authType !== "ak") throw badRequest("auth_type=apikey is required for -method=oci");
    const role = args.string("role");
    if (!role) throw badRequest("role is required for -method=oci");
    const profile = args.string("profile");
    const req = ociLoginFromConfigFile({ address: input.address, mount: args.mount, role, env: input.env, ...(profile ? { profile } : {}) });
    return { path: req.path, body: { ...req.body } };
  },
});
