// Shared OCI test fixtures: a tenancy with users, an instance, groups; keys generated once per run;
// and request signing with the OFFICIAL oci-common signer, so neither warden's checks nor the
// emulator's verifier is only ever tested against our own signing code.
import { generateKeyPairSync } from "node:crypto";
import { request as httpRequest } from "node:http";
import { createRequire } from "node:module";
import { fingerprintOf, type OciTenancySpec } from "../../src/emulators/oci/server.js";

const require = createRequire(import.meta.url);

interface OciCommon {
  SimpleAuthenticationDetailsProvider: new (t: string, u: string, f: string, k: string, p: string | null, r?: unknown) => unknown;
  DefaultRequestSigner: { new (p: unknown): { signHttpRequest(r: unknown): Promise<void> }; headersToSign: string[] };
  Region: { US_ASHBURN_1: unknown };
}
export const oci = require("oci-common") as OciCommon;

export const TENANCY = "ocid1.tenancy.oc1..aaaaaaaahometenancy";
export const OTHER_TENANCY = "ocid1.tenancy.oc1..aaaaaaaaothertenancy";
export const GROUP = "ocid1.group.oc1..aaaaaaaacigroup";
export const OTHER_GROUP = "ocid1.group.oc1..aaaaaaaaopsgroup";
export const DYN_GROUP = "ocid1.dynamicgroup.oc1..aaaaaaaabuilders";
export const REGION = "us-ashburn-1";
export const IDENTITY_HOST = `identity.${REGION}.oraclecloud.com`;

export interface Signer {
  tenancy: string;
  id: string;
  publicKey: string;
  privateKey: string;
  fingerprint: string;
  keyId: string;
}

function signer(tenancy: string, id: string): Signer {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
  const fingerprint = fingerprintOf(publicKey);
  return { tenancy, id, publicKey, privateKey, fingerprint, keyId: `${tenancy}/${id}/${fingerprint}` };
}

export const alice = signer(TENANCY, "ocid1.user.oc1..aaaaaaaaalice");
/** In no group, but may read other users: the PR #8215 attacker. */
export const bob = signer(TENANCY, "ocid1.user.oc1..aaaaaaaabob");
/** Same group OCID membership, other tenancy. */
export const carol = signer(OTHER_TENANCY, "ocid1.user.oc1..aaaaaaaacarol");
export const service = signer(TENANCY, "ocid1.user.oc1..aaaaaaaawardensvc");
export const builder = signer(TENANCY, "ocid1.instance.oc1.iad.aaaaaaaabuilder1");

export const tenancySpec = (): OciTenancySpec => ({
  users: [
    { id: alice.id, tenancyId: TENANCY, name: "alice", email: "alice@example.com", publicKeys: [alice.publicKey] },
    { id: bob.id, tenancyId: TENANCY, name: "bob", admin: true, publicKeys: [bob.publicKey] },
    { id: carol.id, tenancyId: OTHER_TENANCY, name: "alice", publicKeys: [carol.publicKey] },
    { id: service.id, tenancyId: TENANCY, name: "warden-service", authInspector: true, publicKeys: [service.publicKey] },
  ],
  instances: [{ id: builder.id, tenancyId: TENANCY, compartmentId: TENANCY, publicKeys: [builder.publicKey] }],
  groups: [{ id: GROUP, members: [alice.id, carol.id] }, { id: OTHER_GROUP, members: [bob.id] }],
  dynamicGroups: [{ id: DYN_GROUP, members: [builder.id] }],
});

export interface SignOptions {
  /** Sign `date` (Go SDK / Vault CLI form) instead of the TS SDK's `x-date`. */
  dateForm?: "x-date" | "date";
  /** Preset date value (stale-date cases); the signer keeps a preset header. */
  at?: Date;
  /** Signed host when it differs from the URI's. */
  host?: string;
}

// RSA PKCS#1 v1.5 is deterministic: one key signing one target within one second yields the very
// same signature, which warden's replay cache (rightly) refuses the second time. Each signing here
// therefore takes its own second, counting back from now (well inside the 5-minute window).
let seq = 0;
const distinctSecond = (): Date => new Date(Math.floor(Date.now() / 1000) * 1000 - (seq++ % 200) * 1000);

/** Headers the official signer produces for `GET uri`, lower-cased names. */
export async function officialSign(who: Signer, uri: string, opts: SignOptions = {}): Promise<Record<string, string>> {
  const provider = new oci.SimpleAuthenticationDetailsProvider(who.tenancy, who.id, who.fingerprint, who.privateKey, null, oci.Region.US_ASHBURN_1);
  const headers = new Headers();
  if (opts.host) headers.set("host", opts.host);
  const form = opts.dateForm ?? "x-date";
  headers.set(form, (opts.at ?? distinctSecond()).toUTCString());
  const saved = oci.DefaultRequestSigner.headersToSign;
  // The SDK's list of signed headers is a static; the Go form differs only in its first entry.
  if (form === "date") {
    oci.DefaultRequestSigner.headersToSign = ["date", "(request-target)", "host"];
  }
  try {
    const req = { method: "GET", uri, headers, body: null };
    await new oci.DefaultRequestSigner(provider).signHttpRequest(req);
    return Object.fromEntries(headers.entries());
  } finally {
    oci.DefaultRequestSigner.headersToSign = saved;
  }
}

/** A Vault-style login body: the signed headers plus the (request-target) pseudo-header. */
export async function vaultLogin(who: Signer, wardenUrl: string, mountAndRole = "oci/login/dev", opts: SignOptions = {}) {
  const path = `/v1/auth/${mountAndRole}`;
  const headers = await officialSign(who, `${wardenUrl}${path}`, opts);
  const request_headers: Record<string, string> = { ...headers, "(request-target)": `get ${path}` };
  return { request_headers };
}

/** An Infisical-style login body: a signed GetUser for `userOcid` on OCI's identity host. */
export async function getUserLogin(who: Signer, userOcid: string, opts: SignOptions & { region?: string } = {}) {
  const host = opts.host ?? `identity.${opts.region ?? REGION}.oraclecloud.com`;
  const headers = await officialSign(who, `https://${host}/20160918/users/${userOcid}`, opts);
  return { user_ocid: userOcid, request_headers: headers };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** node:http so a caller-chosen Host header survives (fetch would replace it). */
export function rawCall(baseUrl: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const r = httpRequest(new URL(path, baseUrl), { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    r.on("error", reject);
    r.end(body);
  });
}
