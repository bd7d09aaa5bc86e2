/**
 * The mount's configuration as stored, and the pure validation of each field. Kept apart from the
 * path handler so that login and renew read one typed shape.
 */
import { createPrivateKey } from "node:crypto";
import { badRequest, checkHttpUrl, type StorageView } from "warden/sdk";
import { parseKeyId } from "./authorization.js";
import { isOcid } from "./ocid.js";

export type OciMode = "authenticate_client" | "get_user";
export const MODES: readonly OciMode[] = ["authenticate_client", "get_user"];

export interface ConfigEntry {
  home_tenancy_id: string;
  mode: OciMode;
  region?: string;
  auth_endpoint?: string;
  identity_endpoint?: string;
  expected_host?: string;
  /** warden's own API key, which signs its calls to the identity data plane (authenticate_client). */
  service_key_id?: string;
  service_private_key?: string;
}

const CONFIG_KEY = "config";
// us-ashburn-1, us-gov-ashburn-1, me-dubai-1, sa-saopaulo-1
const REGION = /^[a-z]{2,3}(?:-[a-z]+){1,2}-[0-9]{1,2}$/;
const HOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?$/;

export async function readConfig(storage: StorageView): Promise<ConfigEntry | undefined> {
  const c = await storage.get<ConfigEntry>(CONFIG_KEY);
  return c && typeof c.home_tenancy_id === "string" ? c : undefined;
}

export async function putConfig(storage: StorageView, c: ConfigEntry): Promise<void> {
  await storage.put(CONFIG_KEY, c);
}

export async function deleteConfig(storage: StorageView): Promise<void> {
  await storage.delete(CONFIG_KEY);
}

export function validateTenancy(input: string): string {
  const s = input.trim();
  if (s === "") throw badRequest("missing home_tenancy_id");
  if (!isOcid(s, "tenancy")) throw badRequest("home_tenancy_id is not a tenancy OCID");
  return s;
}

export function validateRegion(input: string): string {
  const s = input.trim();
  if (!REGION.test(s)) throw badRequest("region is not an OCI region identifier such as us-ashburn-1");
  return s;
}

export function validateHost(input: string): string {
  const s = input.trim().toLowerCase();
  if (!HOST.test(s)) throw badRequest("expected_host must be host or host:port");
  return s;
}

/** An http(s) origin with nothing after it (the SDK's one check): the client's request can never be smuggled into it. */
export function validateEndpoint(input: string, field: string): string {
  return checkHttpUrl(input, field, "origin");
}

export function validateServiceKeyId(input: string): string {
  const parsed = parseKeyId(input.trim());
  if (typeof parsed === "string" || !isOcid(parsed.principal, "user")) {
    throw badRequest("service_key_id must be <tenancy OCID>/<user OCID>/<fingerprint>");
  }
  return input.trim();
}

/** An unencrypted RSA private key of at least 2048 bits, PEM (PKCS#1 or PKCS#8). Never echoed. */
export function validatePrivateKey(input: string): string {
  try {
    const key = createPrivateKey(input);
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (key.asymmetricKeyType === "rsa" && bits >= 2048) return input.trim() + "\n";
  } catch {
    // fall through: the parser's message could quote the input
  }
  throw badRequest("service_private_key must be an unencrypted RSA private key (>= 2048 bits) in PEM");
}

/** The origin logins are verified against in authenticate_client mode. */
export function authOrigin(c: ConfigEntry): string | undefined {
  return c.auth_endpoint ?? (c.region ? `https://auth.${c.region}.oraclecloud.com` : undefined);
}

/** The host a get_user client must have signed for: always OCI's, whatever endpoint we send to. */
export function identityHost(c: ConfigEntry): string | undefined {
  return c.region ? `identity.${c.region}.oraclecloud.com` : undefined;
}

export function identityOrigin(c: ConfigEntry): string | undefined {
  const host = identityHost(c);
  return c.identity_endpoint ?? (host ? `https://${host}` : undefined);
}
