/**
 * get_user mode's one call: the client's signed `GET /20160918/users/<ocid>` replayed to the identity
 * endpoint with exactly the signed headers (Host included: the SDK client sends a given Host as it is),
 * and the User read back strictly.
 */
import { upstreamUnavailable, type HttpClient, type Logger } from "warden/sdk";
import type { SignedHeaders } from "./signed-headers.js";
import { readJsonObject, str } from "./upstream.js";

export interface OciUser {
  id: string;
  compartmentId: string;
  name: string;
  lifecycleState: string;
}

export function getUserTarget(userOcid: string): string {
  // The OCID grammar has no character that needs escaping; encode anyway so the path can never change shape.
  return `/20160918/users/${encodeURIComponent(userOcid)}`;
}

export async function getUser(http: HttpClient, log: Logger, origin: string, userOcid: string, signed: SignedHeaders): Promise<OciUser> {
  const headers: Record<string, string> = { accept: "application/json" };
  for (const [name, value] of signed.values) if (name !== "(request-target)") headers[name] = value;
  const res = await http.request({ method: "GET", url: `${origin}${getUserTarget(userOcid)}`, headers, service: "oci_identity" });
  // 401 NotAuthenticated (bad signature, unknown key, skew) and 404 NotAuthorizedOrNotFound are the client's.
  const body = readJsonObject(res, log, "GetUser", [401, 404]);
  const id = str(body, "id");
  const compartmentId = str(body, "compartmentId");
  const name = str(body, "name");
  const lifecycleState = str(body, "lifecycleState");
  if (!id || !compartmentId || !name || !lifecycleState) {
    log.warn("oci: GetUser answered a body without id, compartmentId, name or lifecycleState");
    throw upstreamUnavailable();
  }
  return { id, compartmentId, name, lifecycleState };
}
