/**
 * Client side of `warden login -method=oci auth_type=apikey|instance role=<r> [mount=oci]`: signs
 * `GET /v1/auth/<mount>/login/<role>` for warden's host exactly as the Vault CLI does (Go SDK:
 * `date (request-target) host`), so warden and Vault accept each other's payloads. `apikey` signs with
 * the API key of the OCI config file (~/.oci/config, or OCI_CONFIG_FILE); `instance` first obtains an
 * instance-principal session token over a fresh session key from the federation endpoint, then signs
 * with keyId `ST$<token>` and the session key. Only the signed headers leave the machine, never a key.
 */
import { createHash, createPrivateKey, createPublicKey as createPublicKeyFrom, generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { badRequest, checkHttpUrl, defineLoginHandler, loginArgs } from "warden/sdk";
import { signRequest } from "./request-signer.js";
import { isOcid } from "./ocid.js";

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

export interface InstancePrincipalOptions {
  /** Origin of the federation endpoint (`https://auth.<region>.oraclecloud.com`, or the emulator's). */
  federationEndpoint: string;
  tenancy: string;
  instanceId: string;
  /** The instance's own key (the emulator's stand-in for the instance certificate's key). */
  instanceKeyPem: string;
  fetch?: typeof fetch;
  now?: Date;
}

export interface InstanceSession {
  /** The session token, for keyId `ST$<token>`. Secret: never printed or logged. */
  token: string;
  /** The session's private key (PKCS#8 PEM), held only in memory. */
  privateKeyPem: string;
}

/**
 * Asks the federation endpoint (`POST /v1/x509`) for an instance-principal session token over a new
 * session key. The request is signed with the instance's key; the answer is `{"token": "<jwt>"}`.
 */
export async function requestInstanceSession(opts: InstancePrincipalOptions): Promise<InstanceSession> {
  const origin = new URL(checkHttpUrl(opts.federationEndpoint, "federation_endpoint", "origin"));
  const session = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const body = JSON.stringify({
    publicKey: session.publicKey.export({ type: "spki", format: "der" }).toString("base64"),
    purpose: "DEFAULT",
    fingerprintAlgorithm: "SHA256",
  });
  const instanceKey = createPrivateKey(opts.instanceKeyPem);
  const keyId = `${opts.tenancy}/${opts.instanceId}/${fingerprintOfKey(instanceKey)}`;
  // x-date rather than date: fetch owns some headers, and OCI prefers x-date when both are sent.
  const headers = signRequest({ method: "POST", target: "/v1/x509", host: origin.host, keyId, privateKey: instanceKey, body, dateHeader: "x-date", ...(opts.now ? { now: opts.now } : {}) });
  // fetch sets Host and Content-Length itself, to the values signed here.
  delete headers.host;
  delete headers["content-length"];
  const res = await (opts.fetch ?? fetch)(`${origin.origin}/v1/x509`, { method: "POST", headers, body, redirect: "error", signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let token: unknown;
  try {
    token = (JSON.parse(text) as { token?: unknown }).token;
  } catch {
    token = undefined;
  }
  if (res.status !== 200 || typeof token !== "string" || token === "") {
    // OCI's error code is safe to show; the body of a 200 (the token) never is.
    const code = res.status !== 200 ? /"code"\s*:\s*"([A-Za-z.]{1,64})"/.exec(text)?.[1] : undefined;
    throw new Error(`the federation endpoint did not issue a session token (HTTP ${res.status}${code ? ` ${code}` : ""})`);
  }
  return { token, privateKeyPem: session.privateKey.export({ type: "pkcs8", format: "pem" }).toString() };
}

/** `aa:bb:...`: MD5 of the public key's DER SubjectPublicKeyInfo, as OCI fingerprints keys. */
function fingerprintOfKey(privateKey: ReturnType<typeof createPrivateKey>): string {
  const der = createPublicKeyFrom(privateKey).export({ type: "spki", format: "der" });
  return createHash("md5").update(der).digest("hex").match(/../g)!.join(":");
}

/** The login request of an instance principal: a session token, then the usual signed GET with `ST$<token>`. */
export async function ociInstanceLoginData(opts: InstancePrincipalOptions & { address: string; mount: string; role: string }): Promise<OciLoginRequest> {
  const session = await requestInstanceSession(opts);
  return ociLoginData({ address: opts.address, mount: opts.mount, role: opts.role, keyId: `ST$${session.token}`, privateKeyPem: session.privateKeyPem, ...(opts.now ? { now: opts.now } : {}) });
}

const INSTANCE_ARGS = ["federation_endpoint", "region", "tenancy", "instance_id", "instance_key_file"] as const;

export const ociLogin = defineLoginHandler({
  help: `-method=oci: auth_type=apikey role=ROLE [mount=PATH] [profile=NAME]
      Signs GET /v1/auth/<mount>/login/<role> for warden's host with the API key of the OCI config
      file (OCI_CONFIG_FILE, else ~/.oci/config; profile DEFAULT), as Vault's CLI does, and sends
      only the signed headers.
    -method=oci: auth_type=instance role=ROLE tenancy=OCID instance_id=OCID instance_key_file=PATH
                 (federation_endpoint=URL | region=REGION) [mount=PATH]
      Instance principal: obtains a session token over a fresh in-memory session key from the
      federation endpoint (POST /v1/x509; default https://auth.<region>.oraclecloud.com; the OCI
      emulator's URL against the emulator), signing that call with the instance key, then signs the
      login with keyId ST$<token> and the session key. Against real OCI the instance certificate from
      the instance metadata service would be needed: only the emulator's federation is supported.`,
  async login(input) {
    const args = loginArgs(input, "oci", ["auth_type", "role", "profile", ...INSTANCE_ARGS]);
    const authType = args.string("auth_type");
    const role = args.string("role");
    if (authType === "instance" || authType === "ip") {
      if (!role) throw badRequest("role is required for -method=oci");
      return { ...(await instanceLogin(input.address, args.mount, role, args.string)) };
    }
    if (authType !== "apikey" && authType !== "ak") throw badRequest("auth_type=apikey or auth_type=instance is required for -method=oci");
    for (const k of INSTANCE_ARGS) if (args.string(k) !== undefined) throw badRequest(`${k} is an auth_type=instance argument`);
    if (!role) throw badRequest("role is required for -method=oci");
    const profile = args.string("profile");
    const req = ociLoginFromConfigFile({ address: input.address, mount: args.mount, role, env: input.env, ...(profile ? { profile } : {}) });
    return { path: req.path, body: { ...req.body } };
  },
});

async function instanceLogin(address: string, mount: string, role: string, arg: (k: string) => string | undefined): Promise<OciLoginRequest> {
  const tenancy = arg("tenancy");
  const instanceId = arg("instance_id");
  const keyFile = arg("instance_key_file");
  if (!tenancy || !isOcid(tenancy, "tenancy")) throw badRequest("tenancy=<tenancy OCID> is required for auth_type=instance");
  if (!instanceId || !isOcid(instanceId, "instance")) throw badRequest("instance_id=<instance OCID> is required for auth_type=instance");
  if (!keyFile) throw badRequest("instance_key_file=<PEM file> is required for auth_type=instance");
  const region = arg("region");
  let federationEndpoint = arg("federation_endpoint");
  if (!federationEndpoint) {
    if (!region || !/^[a-z]{2,}-[a-z]+-[0-9]{1,2}$/.test(region)) throw badRequest("federation_endpoint=URL or region=REGION is required for auth_type=instance");
    federationEndpoint = `https://auth.${region}.oraclecloud.com`;
  }
  const req = await ociInstanceLoginData({ address, mount, role, federationEndpoint, tenancy, instanceId, instanceKeyPem: readFileSync(keyFile, "utf8") });
  return { path: req.path, body: { ...req.body } };
}
