/**
 * authenticate_client mode's two calls to the identity data plane, as Vault makes them (oci-auth.md
 * §1.2 steps 4-8): authenticateClient with the client's signed headers, then filterGroupMembership
 * with the principal OCI returned. Both are signed with warden's own API key; the client's headers
 * ride inside the JSON body, so transport Host is not part of what OCI verifies for the client.
 */
import { randomUUID, type KeyObject } from "node:crypto";
import { permissionDenied, upstreamUnavailable, type HttpClient, type Logger } from "warden/sdk";
import { signRequest } from "./request-signer.js";
import { isObject, readJsonObject, str, type Json } from "./upstream.js";

export interface ServiceKey {
  keyId: string;
  privateKey: string | KeyObject;
}

export interface Principal {
  tenantId: string;
  subjectId: string;
  ptype: "user" | "instance";
  /** Exactly as OCI returned it: filterGroupMembership takes it back verbatim. */
  raw: Json;
}

async function post(http: HttpClient, origin: string, path: string, body: Json, key: ServiceKey) {
  const text = JSON.stringify(body);
  const host = new URL(origin).host;
  const headers = signRequest({ method: "POST", target: path, host, keyId: key.keyId, privateKey: key.privateKey, body: text });
  headers["opc-request-id"] = randomUUID().replace(/-/g, "").toUpperCase();
  headers.accept = "application/json";
  return http.request({ method: "POST", url: `${origin}${path}`, headers, body: text, service: "oci_auth" });
}

/** The principal behind the client's signed headers, or a 403 when OCI does not vouch for it. */
export async function authenticateClient(
  http: HttpClient,
  log: Logger,
  origin: string,
  key: ServiceKey,
  requestHeaders: Record<string, string[]>,
): Promise<Principal> {
  const res = await post(http, origin, "/v1/authentication/authenticateClient", { requestHeaders }, key);
  // Any non-200 is about *warden's* call (its key, its policy, OCI's health), never the client's: 503.
  const body = readJsonObject(res, log, "authenticateClient", []);
  const p = body.principal;
  if (body.success === false || !isObject(p) || (typeof body.errorMessage === "string" && body.errorMessage !== "")) {
    log.info("oci: authenticateClient did not authenticate the client");
    // What failed is the client's own signature (or its session token): say so, without OCI's words.
    throw permissionDenied("permission denied: OCI did not authenticate the signed request (signature, key or session token not valid)");
  }
  const tenantId = str(p, "tenantId");
  const subjectId = str(p, "subjectId");
  const claims = p.claims;
  if (!tenantId || !subjectId || !Array.isArray(claims)) {
    log.warn("oci: authenticateClient answered a principal without tenantId, subjectId or claims");
    throw upstreamUnavailable();
  }
  const ptypes = claims.filter((c): c is Json => isObject(c) && c.key === "ptype").map((c) => c.value);
  // Exactly one ptype, and only the two Vault accepts (resource principals are refused, Vault issue #11).
  if (ptypes.length !== 1 || (ptypes[0] !== "user" && ptypes[0] !== "instance")) throw permissionDenied();
  return { tenantId, subjectId, ptype: ptypes[0], raw: p };
}

/** The role's OCIDs the principal belongs to (intersection computed here too, not trusted). */
export async function filterGroupMembership(
  http: HttpClient,
  log: Logger,
  origin: string,
  key: ServiceKey,
  principal: Principal,
  groupIds: string[],
): Promise<string[]> {
  const res = await post(http, origin, "/v1/filterGroupMembership", { principal: principal.raw, groupIds }, key);
  const body = readJsonObject(res, log, "filterGroupMembership", []);
  const ids = body.groupIds;
  if (!Array.isArray(ids) || ids.some((x) => typeof x !== "string")) {
    log.warn("oci: filterGroupMembership answered without a groupIds list");
    throw upstreamUnavailable();
  }
  return groupIds.filter((g) => (ids as string[]).includes(g));
}
