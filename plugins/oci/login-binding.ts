/**
 * What each mode requires the client to have signed, checked locally before any outbound call:
 * the request target and host bind a signature to *this* warden mount and role (authenticate_client)
 * or to OCI's GetUser for the claimed user (get_user), so a signature made for anything else, or
 * captured elsewhere, is refused here rather than at OCI.
 */
import { badRequest, permissionDenied, type MountInfo } from "warden/sdk";
import { identityHost, type ConfigEntry } from "./config-entry.js";
import { getUserTarget } from "./get-user.js";
import type { SignedHeaders } from "./signed-headers.js";

/** authenticate_client: `get /v1/<mount>login/<role>` exactly (the mount included, unlike Vault), on expected_host. */
export function checkLoginBinding(signed: SignedHeaders, cfg: ConfigEntry, mount: MountInfo, role: string, requestHost: string): void {
  if (signed.requestTarget === undefined) throw badRequest("no (request-target) specified in request_headers");
  const expectedTarget = `get /v1/${mount.path}login/${role}`;
  if (signed.requestTarget !== expectedTarget) throw permissionDenied();
  const expectedHost = cfg.expected_host ?? requestHost.toLowerCase();
  if (expectedHost === "" || signed.host.toLowerCase() !== expectedHost) throw permissionDenied();
}

/**
 * get_user: the signer must be the user asked about (Infisical PR #8215: otherwise any user allowed
 * to read users could log in as an allow-listed one), for OCI's own identity host of the configured
 * region. The client's host is only ever compared, never used as a destination.
 */
export function checkGetUserBinding(signed: SignedHeaders, cfg: ConfigEntry, userOcid: string): void {
  if (signed.keyId.principal !== userOcid) throw permissionDenied();
  if (signed.requestTarget !== undefined && signed.requestTarget !== `get ${getUserTarget(userOcid)}`) throw permissionDenied();
  const host = identityHost(cfg);
  if (host === undefined || signed.host.toLowerCase() !== host) throw permissionDenied();
}
