/**
 * `config`: where the verification keys come from (exactly one of oidc_discovery_url, jwks_url,
 * jwt_validation_pubkeys), bound_issuer, jwt_supported_algs and default_role, as Vault's jwt method.
 *
 * A write replaces the whole config (as in Vault) and is validated by actually fetching the
 * discovery document / JWKS once (or parsing the PEMs), so a typo is a 400 at write time with the
 * reason, not a stream of failed logins later.
 */
import { badRequest, checkHttpUrl, definePath, type PluginRequest, type StorageView } from "warden/sdk";
import { DEFAULT_ALGS, validateAlgs } from "./algorithms.js";
import { fetchDiscovery, KeySourceError, parseCaPem, parsePublicPem } from "./key-source.js";
import type { KeysetCache, KeySourceConfig } from "./keyset-cache.js";

/** Where keys come from (KeySourceConfig), plus what a login checks against. */
export interface ConfigEntry extends KeySourceConfig {
  bound_issuer?: string;
  jwt_supported_algs: string[];
  default_role?: string;
}

export const CONFIG_KEY = "config";
/** The config being validated by a write: its endpoints are allowed only while that write runs. */
const PENDING_KEY = "config-pending";

export async function readConfig(storage: StorageView): Promise<ConfigEntry | undefined> {
  return storage.get<ConfigEntry>(CONFIG_KEY);
}

/**
 * The origins this mount may fetch from (the core's per-mount allow-list): the discovery URL, its
 * jwks_uri and the jwks_url of the stored config, and of a config write still being validated.
 */
export async function configuredEndpoints(storage: StorageView): Promise<string[]> {
  const out: string[] = [];
  for (const c of [await readConfig(storage), await storage.get<ConfigEntry>(PENDING_KEY)]) {
    if (!c) continue;
    for (const u of [c.oidc_discovery_url, c.discovered_jwks_uri, c.jwks_url]) if (u) out.push(u);
  }
  return out;
}

const fields = {
  oidc_discovery_url: { type: "string", description: "Issuer URL; keys come from its /.well-known/openid-configuration jwks_uri" },
  oidc_discovery_ca_pem: { type: "string", description: "PEM CA certificate(s) for the discovery URL and the JWKS it names" },
  jwks_url: { type: "string", description: "URL of a JWKS with the issuer's public keys" },
  jwks_ca_pem: { type: "string", description: "PEM CA certificate(s) for jwks_url" },
  jwt_validation_pubkeys: { type: "string_slice", description: "PEM public keys (or certificates) that sign the tokens" },
  bound_issuer: { type: "string", description: "The value the iss claim must equal" },
  jwt_supported_algs: { type: "comma_string_slice", description: "Accepted signing algorithms (default RS256; none and HS* refused)" },
  default_role: { type: "lowercase_string", description: "Role used when a login names none" },
} as const;

type ConfigFields = typeof fields;

const nonEmpty = (s: string | undefined): string | undefined => (s === undefined || s.trim() === "" ? undefined : s.trim());

async function writeConfig(req: PluginRequest<ConfigFields>, keys: KeysetCache): Promise<void> {
  const d = req.data;
  const discovery = nonEmpty(d.oidc_discovery_url);
  const jwksUrl = nonEmpty(d.jwks_url);
  const pems = (d.jwt_validation_pubkeys ?? []).filter((p) => p.trim() !== "");
  const sources = [discovery, jwksUrl, pems.length ? "pems" : undefined].filter((x) => x !== undefined);
  if (sources.length !== 1) {
    throw badRequest("exactly one of 'oidc_discovery_url', 'jwks_url', or 'jwt_validation_pubkeys' must be set");
  }
  // A CA that belongs to no configured URL would be stored and silently unused: refuse it.
  const jwksCa = nonEmpty(d.jwks_ca_pem);
  const discoveryCa = nonEmpty(d.oidc_discovery_ca_pem);
  if (jwksCa && !jwksUrl) throw badRequest("jwks_ca_pem can only be set with jwks_url");
  if (discoveryCa && !discovery) throw badRequest("oidc_discovery_ca_pem can only be set with oidc_discovery_url");

  const entry: ConfigEntry = { jwt_supported_algs: validateAlgs(d.jwt_supported_algs ?? []) };
  if (discovery) entry.oidc_discovery_url = checkHttpUrl(discovery, "oidc_discovery_url", "url");
  if (jwksUrl) entry.jwks_url = checkHttpUrl(jwksUrl, "jwks_url", "url");
  if (jwksCa) entry.jwks_ca_pem = parseCaPem(jwksCa, "jwks_ca_pem");
  if (discoveryCa) entry.oidc_discovery_ca_pem = parseCaPem(discoveryCa, "oidc_discovery_ca_pem");
  if (pems.length) {
    pems.forEach((p, i) => parsePublicPem(p, i));
    entry.jwt_validation_pubkeys = pems;
  }
  const issuer = nonEmpty(d.bound_issuer);
  if (issuer) entry.bound_issuer = issuer;
  const role = nonEmpty(d.default_role);
  if (role) entry.default_role = role;

  // Fetch once before storing. The core lets a mount fetch only from endpoints its config names,
  // so the candidate config is recorded as pending for the duration of the check.
  await req.storage.put(PENDING_KEY, entry);
  try {
    if (discovery) {
      const d = await fetchDiscovery(req.http, discovery, entry.oidc_discovery_ca_pem);
      entry.discovered_issuer = d.issuer;
      entry.discovered_jwks_uri = d.jwksUri;
      await req.storage.put(PENDING_KEY, entry);
    }
    await keys.prime(req.http, entry);
    await req.storage.put(CONFIG_KEY, entry);
  } catch (e) {
    if (!(e instanceof KeySourceError)) throw e;
    throw badRequest(`${discovery ? "error checking oidc discovery URL" : "error checking jwks URL"}: ${e.message}`);
  } finally {
    await req.storage.delete(PENDING_KEY);
  }
}

/** The mount's config path; a write primes the mount's key cache. */
export const configPath = (keys: KeysetCache) =>
  definePath({
    pattern: "config",
    fields,
    operations: {
      create: (req) => writeConfig(req, keys),
      update: (req) => writeConfig(req, keys),
      read: async (req) => {
        const c = await readConfig(req.storage);
        if (!c) return;
        return {
          data: {
            oidc_discovery_url: c.oidc_discovery_url ?? "",
            oidc_discovery_ca_pem: c.oidc_discovery_ca_pem ?? "",
            jwks_url: c.jwks_url ?? "",
            jwks_ca_pem: c.jwks_ca_pem ?? "",
            jwt_validation_pubkeys: c.jwt_validation_pubkeys ?? [],
            bound_issuer: c.bound_issuer ?? "",
            jwt_supported_algs: c.jwt_supported_algs ?? [...DEFAULT_ALGS],
            default_role: c.default_role ?? "",
          },
        };
      },
    },
    existenceCheck: async (req) => (await readConfig(req.storage)) !== undefined,
    help: "Configure where the JWT signing keys come from, and the accepted issuer and algorithms.",
  });
