// Signature v1 verification as OCI does it (oci-auth.md §3.5): strict Authorization parse, required
// signed headers (body headers for POST/PUT/PATCH, recomputed), x-date over date, a 5-minute skew
// window, the signing string rebuilt from what was received, then RSA-SHA256 against the key
// registered for the keyId. Every failure is the same 401 NotAuthenticated, as on the real service.
import { createHash, verify } from "node:crypto";
import { ociErrors } from "./errors.js";
import type { Principal, Tenancy } from "./model.js";

export interface ReceivedRequest {
  method: string;
  /** Path and query as received. */
  target: string;
  /** Lower-cased name -> values. */
  headers: Map<string, string[]>;
  body?: Buffer;
}

const ITEM = /^([A-Za-z]+)="([^"]*)"$/;
const MONTHS = "JanFebMarAprMayJunJulAugSepOctNovDec";

function parseHttpDate(v: string): number | undefined {
  const m = /^[A-Z][a-z]{2}, (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/.exec(v);
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[2]!) / 3;
  if (!Number.isInteger(month)) return undefined;
  return Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
}

function parseParams(header: string): Map<string, string> | undefined {
  const m = /^Signature (.*)$/i.exec(header);
  if (!m) return undefined;
  const params = new Map<string, string>();
  for (const raw of m[1]!.split(",")) {
    const item = ITEM.exec(raw.trim());
    if (!item || params.has(item[1]!.toLowerCase())) return undefined;
    params.set(item[1]!.toLowerCase(), item[2]!);
  }
  return params;
}

/** The principal that signed the request, or throws 401 NotAuthenticated. */
export function verifyRequest(req: ReceivedRequest, tenancy: Tenancy, now: number, maxSkewMs: number): Principal {
  return verifySigner(req, tenancy, now, maxSkewMs).principal;
}

/** As verifyRequest, also saying whether the signer used a session token (ST$ keyId). */
export function verifySigner(req: ReceivedRequest, tenancy: Tenancy, now: number, maxSkewMs: number): { principal: Principal; session: boolean } {
  const fail = ociErrors.notAuthenticated;
  const one = (name: string): string | undefined => {
    const v = req.headers.get(name);
    return v && v.length === 1 ? v[0] : undefined;
  };
  const auth = one("authorization");
  const params = auth === undefined ? undefined : parseParams(auth);
  if (!params) throw fail();
  if ((params.get("version") ?? "1") !== "1" || (params.get("algorithm") ?? "rsa-sha256") !== "rsa-sha256") throw fail();
  const keyId = params.get("keyid");
  const signature = params.get("signature");
  const names = (params.get("headers") ?? "date").split(/ +/).map((h) => h.toLowerCase());
  if (!keyId || !signature) throw fail();
  const found = tenancy.findKey(keyId, now);
  if (!found) throw fail();

  for (const required of ["(request-target)", "host"]) if (!names.includes(required)) throw fail();
  const dateName = names.includes("x-date") ? "x-date" : names.includes("date") ? "date" : undefined;
  if (!dateName) throw fail();
  const when = parseHttpDate(one(dateName) ?? "");
  if (when === undefined || Math.abs(now - when) > maxSkewMs) throw fail();

  const method = req.method.toUpperCase();
  if (method === "POST" || method === "PUT" || method === "PATCH") {
    for (const h of ["content-length", "content-type", "x-content-sha256"]) if (!names.includes(h)) throw fail();
    const body = req.body ?? Buffer.alloc(0);
    if (one("content-length") !== String(body.length)) throw fail();
    if (one("x-content-sha256") !== createHash("sha256").update(body).digest("base64")) throw fail();
  }

  const lines: string[] = [];
  for (const name of names) {
    if (name === "(request-target)") {
      lines.push(`(request-target): ${method.toLowerCase()} ${req.target}`);
      continue;
    }
    const values = req.headers.get(name);
    if (!values || values.length === 0) throw fail();
    lines.push(`${name}: ${values.join(", ")}`);
  }
  const ok = verify("sha256", Buffer.from(lines.join("\n"), "utf8"), found.key, Buffer.from(signature, "base64"));
  if (!ok) throw fail();
  return { principal: found.principal, session: found.session === true };
}

/** A Vault-style requestHeaders map (names in any case, string or string[] values) as a header map. */
export function headerMapFrom(input: unknown): Map<string, string[]> | undefined {
  if (input === null || typeof input !== "object" || Array.isArray(input)) return undefined;
  const out = new Map<string, string[]>();
  for (const [k, v] of Object.entries(input)) {
    const values = Array.isArray(v) ? v : [v];
    if (values.some((x) => typeof x !== "string")) return undefined;
    const name = k.toLowerCase();
    out.set(name, [...(out.get(name) ?? []), ...(values as string[])]);
  }
  return out;
}
