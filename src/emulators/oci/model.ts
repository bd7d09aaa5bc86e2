// The emulated tenancy: users with API keys, groups, dynamic groups and instances. Keys are looked
// up by the keyId OCI uses: <tenancy>/<principal>/<md5 fingerprint of the DER public key>.
import { createHash, createPublicKey, type KeyObject } from "node:crypto";
import { SessionTokenIssuer } from "./session-token.js";

export interface OciUserSpec {
  id: string;
  tenancyId: string;
  name: string;
  description?: string;
  email?: string;
  lifecycleState?: "ACTIVE" | "INACTIVE";
  /** May read other users (an IAM policy granting `inspect users`): what the PR #8215 attack needs. */
  admin?: boolean;
  /** May call authenticateClient / filterGroupMembership (AUTHENTICATION_INSPECT, GROUP_MEMBERSHIP_INSPECT). */
  authInspector?: boolean;
  /** Public keys in PEM (SPKI or PKCS#1). */
  publicKeys: string[];
}

export interface OciInstanceSpec {
  id: string;
  tenancyId: string;
  compartmentId: string;
  /**
   * The emulator's stand-in for the instance certificate's key: signs with a 3-part keyId
   * (<tenancy>/<instance>/<fingerprint>), directly or to obtain a session token (POST /v1/x509).
   */
  publicKeys: string[];
}

export interface OciGroupSpec {
  id: string;
  /** User OCIDs (groups) or instance OCIDs (dynamic groups). */
  members: string[];
}

export interface OciTenancySpec {
  users: OciUserSpec[];
  /** How long an instance-principal session token from POST /v1/x509 lives (default 20 minutes). */
  sessionTokenTtlSeconds?: number;
  instances?: OciInstanceSpec[];
  groups?: OciGroupSpec[];
  dynamicGroups?: OciGroupSpec[];
}

export interface Principal {
  kind: "user" | "instance";
  id: string;
  tenancyId: string;
  user?: OciUserSpec;
  instance?: OciInstanceSpec;
}

/** `aa:bb:...`: MD5 of the DER SubjectPublicKeyInfo, as `openssl md5 -c` prints it. */
export function fingerprintOf(publicKeyPem: string | KeyObject): string {
  const key = typeof publicKeyPem === "string" ? createPublicKey(publicKeyPem) : publicKeyPem;
  const der = key.export({ type: "spki", format: "der" });
  return createHash("md5").update(der).digest("hex").match(/../g)!.join(":");
}

export class Tenancy {
  private readonly keys = new Map<string, { principal: Principal; key: KeyObject }>();
  readonly users = new Map<string, OciUserSpec>();
  readonly instances = new Map<string, OciInstanceSpec>();
  readonly memberships = new Map<string, Set<string>>();
  /** Issues and checks instance-principal session tokens (ST$ key ids). */
  readonly sessions: SessionTokenIssuer;

  constructor(spec: OciTenancySpec) {
    this.sessions = new SessionTokenIssuer(spec.sessionTokenTtlSeconds);
    for (const u of spec.users) this.addUser(u);
    for (const i of spec.instances ?? []) this.addInstance(i);
    for (const g of [...(spec.groups ?? []), ...(spec.dynamicGroups ?? [])]) this.addGroup(g);
  }

  addUser(u: OciUserSpec): void {
    this.users.set(u.id, { ...u });
    for (const pem of u.publicKeys) this.addKey({ kind: "user", id: u.id, tenancyId: u.tenancyId, user: this.users.get(u.id)! }, pem);
  }

  addInstance(i: OciInstanceSpec): void {
    this.instances.set(i.id, i);
    for (const pem of i.publicKeys) this.addKey({ kind: "instance", id: i.id, tenancyId: i.tenancyId, instance: i }, pem);
  }

  addGroup(g: OciGroupSpec): void {
    for (const m of g.members) {
      const set = this.memberships.get(m) ?? new Set<string>();
      set.add(g.id);
      this.memberships.set(m, set);
    }
  }

  private addKey(principal: Principal, pem: string): void {
    const key = createPublicKey(pem);
    this.keys.set(`${principal.tenancyId}/${principal.id}/${fingerprintOf(key)}`, { principal, key });
  }

  /**
   * The principal and public key behind a keyId: a registered key, or for `ST$<token>` the session
   * key of a token this emulator issued, still valid at `now`, for an instance it still knows.
   */
  findKey(keyId: string, now = Date.now()): { principal: Principal; key: KeyObject; session?: boolean } | undefined {
    if (!keyId.startsWith("ST$")) return this.keys.get(keyId);
    const valid = this.sessions.verify(keyId.slice(3), now);
    const instance = valid && this.instances.get(valid.claims.sub);
    if (!valid || !instance || instance.tenancyId !== valid.claims["opc-tenant"]) return undefined;
    return { principal: { kind: "instance", id: instance.id, tenancyId: instance.tenancyId, instance }, key: valid.sessionKey, session: true };
  }
}
