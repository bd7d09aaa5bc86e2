// The emulated tenancy: users with API keys, groups, dynamic groups and instances. Keys are looked
// up by the keyId OCI uses: <tenancy>/<principal>/<md5 fingerprint of the DER public key>.
import { createHash, createPublicKey, type KeyObject } from "node:crypto";

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
  /** The emulator's stand-in for instance-principal certificates: a plain key with a 3-part keyId. */
  publicKeys: string[];
}

export interface OciGroupSpec {
  id: string;
  /** User OCIDs (groups) or instance OCIDs (dynamic groups). */
  members: string[];
}

export interface OciTenancySpec {
  users: OciUserSpec[];
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
  readonly memberships = new Map<string, Set<string>>();

  constructor(spec: OciTenancySpec) {
    for (const u of spec.users) this.addUser(u);
    for (const i of spec.instances ?? []) this.addInstance(i);
    for (const g of [...(spec.groups ?? []), ...(spec.dynamicGroups ?? [])]) this.addGroup(g);
  }

  addUser(u: OciUserSpec): void {
    this.users.set(u.id, { ...u });
    for (const pem of u.publicKeys) this.addKey({ kind: "user", id: u.id, tenancyId: u.tenancyId, user: this.users.get(u.id)! }, pem);
  }

  addInstance(i: OciInstanceSpec): void {
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

  findKey(keyId: string): { principal: Principal; key: KeyObject } | undefined {
    return this.keys.get(keyId);
  }
}
