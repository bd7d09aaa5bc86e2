/**
 * Where the agent's alicloud method finds the credentials it signs with, in the Vault CLI's order:
 * access_key/secret_key/security_token in the config; ALICLOUD_ACCESS_KEY, ALICLOUD_SECRET_KEY and
 * ALICLOUD_ACCESS_KEY_STS_TOKEN in the environment; the ECS instance's RAM role from the metadata
 * service, hardened mode only (a session token first), refreshed before its Expiration.
 *
 * Not `@alicloud/credentials`' ECSRAMRoleCredentialsProvider: its metadata host is a constant
 * (100.100.100.200, port 80) that neither an option nor an environment variable changes, so it can
 * be pointed neither at `metadata_endpoint` nor at the emulator the tests run. The protocol is three
 * small HTTP calls, written here once.
 */
import type { AlicloudMethodConfig } from "./config.js";

export interface AlicloudCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export interface CredentialSource {
  /** "config", "environment" or "ECS RAM role <name>", for logs (never the key). */
  describe(): string;
  get(): Promise<AlicloudCredentials>;
}

/** The first source that has credentials; the metadata service when neither the config nor the environment does. */
export function alicloudCredentialSource(cfg: AlicloudMethodConfig, env: Readonly<Record<string, string | undefined>>): CredentialSource {
  if (cfg.accessKey && cfg.secretKey) {
    const creds = { accessKeyId: cfg.accessKey, accessKeySecret: cfg.secretKey, ...(cfg.securityToken ? { securityToken: cfg.securityToken } : {}) };
    return { describe: () => "config", get: async () => creds };
  }
  if (env.ALICLOUD_ACCESS_KEY && env.ALICLOUD_SECRET_KEY) {
    const creds = {
      accessKeyId: env.ALICLOUD_ACCESS_KEY,
      accessKeySecret: env.ALICLOUD_SECRET_KEY,
      ...(env.ALICLOUD_ACCESS_KEY_STS_TOKEN ? { securityToken: env.ALICLOUD_ACCESS_KEY_STS_TOKEN } : {}),
    };
    return { describe: () => "environment", get: async () => creds };
  }
  return new EcsRamRoleCredentials(cfg.metadataEndpoint, cfg.ramRole);
}

/** Seconds a metadata session token is asked for (the service's maximum is 21600). */
const METADATA_TOKEN_TTL_SECONDS = 21600;
const METADATA_TIMEOUT_MS = 5000;
/** Refetch credentials this long before their Expiration at most (real ones live 6 h, refreshed 1 h early by the SDKs). */
const REFRESH_MARGIN_MS = 15 * 60_000;

/** A metadata-service failure; never carries the session token or the credentials. */
export class MetadataError extends Error {}

export class EcsRamRoleCredentials implements CredentialSource {
  private token?: { value: string; until: number };
  private role?: string;
  private cached?: { creds: AlicloudCredentials; refreshAt: number };

  constructor(
    private readonly endpoint: string,
    ramRole: string | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.endpoint = endpoint.replace(/\/+$/, "");
    if (ramRole) this.role = ramRole;
  }

  describe(): string {
    return `ECS RAM role ${this.role ?? "(discovered)"} from ${this.endpoint}`;
  }

  async get(): Promise<AlicloudCredentials> {
    if (this.cached && this.now() < this.cached.refreshAt) return this.cached.creds;
    const role = this.role ?? (await this.discoverRole());
    const text = await this.call(`/latest/meta-data/ram/security-credentials/${encodeURIComponent(role)}`);
    let doc: { AccessKeyId?: unknown; AccessKeySecret?: unknown; SecurityToken?: unknown; Expiration?: unknown; Code?: unknown };
    try {
      doc = JSON.parse(text) as typeof doc;
    } catch {
      throw new MetadataError(`the metadata service answered the credentials of RAM role ${role} with something that is not JSON`);
    }
    if (doc.Code !== undefined && doc.Code !== "Success") throw new MetadataError(`the metadata service refused the credentials of RAM role ${role}: ${String(doc.Code).slice(0, 64)}`);
    const { AccessKeyId: id, AccessKeySecret: secret, SecurityToken: token, Expiration: exp } = doc;
    if (typeof id !== "string" || typeof secret !== "string" || typeof token !== "string" || id === "" || secret === "" || token === "") {
      throw new MetadataError(`the metadata service's credentials of RAM role ${role} lack AccessKeyId, AccessKeySecret or SecurityToken`);
    }
    const expiresAt = typeof exp === "string" ? Date.parse(exp) : NaN;
    if (Number.isNaN(expiresAt)) throw new MetadataError(`the metadata service's credentials of RAM role ${role} have no valid Expiration`);
    // Refresh before Expiration: the margin early for long-lived ones, half-way for short-lived ones.
    const now = this.now();
    const left = Math.max(0, expiresAt - now);
    const creds = { accessKeyId: id, accessKeySecret: secret, securityToken: token };
    this.cached = { creds, refreshAt: now + (left > 2 * REFRESH_MARGIN_MS ? left - REFRESH_MARGIN_MS : left / 2) };
    return creds;
  }

  private async discoverRole(): Promise<string> {
    const text = await this.call("/latest/meta-data/ram/security-credentials/");
    const role = text.split(/\s+/).find((l) => l !== "");
    if (!role) throw new MetadataError("the instance has no RAM role attached (the metadata service lists none)");
    this.role = role;
    return role;
  }

  /** A GET in hardened mode; a refused session token is replaced once. */
  private async call(path: string, retried = false): Promise<string> {
    const token = await this.sessionToken();
    const res = await this.fetch(path, { method: "GET", headers: { "X-aliyun-ecs-metadata-token": token } });
    if ((res.status === 401 || res.status === 403) && !retried) {
      this.token = undefined;
      await res.body?.cancel();
      return this.call(path, true);
    }
    const text = await res.text();
    if (res.status === 404) throw new MetadataError(`the metadata service has no ${path} (is the RAM role name right?)`);
    if (res.status !== 200) throw new MetadataError(`the metadata service answered GET ${path} with ${res.status}`);
    return text;
  }

  private async sessionToken(): Promise<string> {
    if (this.token && this.now() < this.token.until) return this.token.value;
    const res = await this.fetch("/latest/api/token", { method: "PUT", headers: { "X-aliyun-ecs-metadata-token-ttl-seconds": String(METADATA_TOKEN_TTL_SECONDS) } });
    const text = (await res.text()).trim();
    if (res.status !== 200 || text === "") throw new MetadataError(`the metadata service refused a session token (${res.status})`);
    // Renewed well before the service would refuse it.
    this.token = { value: text, until: this.now() + (METADATA_TOKEN_TTL_SECONDS * 1000) / 2 };
    return text;
  }

  private async fetch(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(this.endpoint + path, { ...init, redirect: "manual", signal: AbortSignal.timeout(METADATA_TIMEOUT_MS) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new MetadataError(`cannot reach the metadata service at ${this.endpoint}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
    }
  }
}
