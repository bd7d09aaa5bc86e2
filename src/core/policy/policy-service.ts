import { badRequest } from "../../sdk/errors.js";
import type { PolicyRecord, PolicyStore } from "../../storage/types.js";
import { compileAcl } from "./acl.js";
import { DEFAULT_POLICY_TEXT, normalizePolicyName, parsePolicy } from "./parse.js";
import { RESPONSE_WRAPPING_POLICY, RESPONSE_WRAPPING_POLICY_TEXT } from "./response-wrapping-policy.js";
import type { Acl, Policy, TemplateContext } from "./types.js";

/** The identity facts an ACL may depend on (templated paths) — a subset of the entity snapshot. */
export interface AclIdentity {
  entity: { id: string; name: string; metadata: Record<string, string> };
  identityPolicies: string[];
  version: number;
}

/** What a boot did to file-managed policies (for the boot log). */
export interface PolicyFilesApplied {
  /** Policies a file now manages that were written through the API before (their text was replaced). */
  takenOver: string[];
  /** File-managed policies whose file is gone: kept as they are, editable through the API again. */
  released: string[];
}

/**
 * Policies as the core uses them: parsed once when written or loaded, and compiled into one ACL
 * per distinct policy set, cached until any policy changes. A request costs a map lookup.
 *
 * A policy loaded from a file of the policy directory is file-managed: the API cannot write or
 * delete it (400 naming the file). The marker is stored with the policy, and the store's write and
 * delete check it in the same statement, so every node refuses, even one whose cache is behind.
 */
export class PolicyService {
  private readonly parsed = new Map<string, Policy>();
  private readonly texts = new Map<string, string>();
  /** name -> "policies/<file>" of file-managed policies. */
  private readonly managed = new Map<string, string>();
  private readonly aclCache = new Map<string, { acl: Acl; templated: boolean }>();
  /** Fixed policies (response-wrapping): built in, never stored, and winning over any stored namesake. */
  private readonly fixed = new Map<string, { policy: Policy; text: string }>();
  /**
   * Bumped whenever a policy's rules may have changed (a write, a delete, a refresh): what was decided
   * from compiled ACLs under an older value (the lookup-self path's answers) is decided again.
   */
  #generation = 0;
  /** Bumped before and after every local write: a refresh that overlapped one reads again. */
  private writes = 0;

  constructor(private readonly store: PolicyStore) {}

  /**
   * Loads stored policies, writes the `default` policy on first boot, then applies the policy
   * directory's files: each file manages the policy of its name (written only when its text or marker
   * changed, so an unchanged file costs no write and no change notice). A managed policy whose file is
   * gone is released. Without a directory (`files` undefined) file-managed policies are left alone.
   */
  async load(files?: ReadonlyArray<{ name: string; text: string; managedBy: string; policy: Policy }>): Promise<PolicyFilesApplied> {
    const applied: PolicyFilesApplied = { takenOver: [], released: [] };
    this.fixed.set(RESPONSE_WRAPPING_POLICY, { policy: await parsePolicy(RESPONSE_WRAPPING_POLICY, RESPONSE_WRAPPING_POLICY_TEXT), text: RESPONSE_WRAPPING_POLICY_TEXT });
    // A file's text was parsed when the directory was read (dir.ts): a stored copy of the same text is not parsed again.
    const fileOf = new Map(files?.map((f) => [f.name, f]));
    for (const record of await this.store.list()) {
      const file = fileOf.get(record.name);
      this.remember(record, file?.text === record.text ? file.policy : await parsePolicy(record.name, record.text));
    }
    if (!this.parsed.has("default")) await this.write({ name: "default", text: DEFAULT_POLICY_TEXT, managedBy: "", updatedAt: Date.now() });
    if (files === undefined) return applied;
    for (const file of files) {
      if (this.texts.get(file.name) === file.text && this.managed.get(file.name) === file.managedBy) continue;
      if (this.texts.has(file.name) && !this.managed.has(file.name) && this.texts.get(file.name) !== file.text) applied.takenOver.push(file.name);
      await this.write({ name: file.name, text: file.text, managedBy: file.managedBy, updatedAt: Date.now() }, file.policy);
    }
    const named = new Set(files.map((f) => f.name));
    for (const name of [...this.managed.keys()]) {
      if (named.has(name)) continue;
      this.writes++;
      await this.store.release(name);
      this.writes++;
      this.managed.delete(name);
      applied.released.push(name);
    }
    return applied;
  }

  /** Policy names, always including the implicit `root`. */
  names(): string[] {
    return [...new Set([...this.parsed.keys(), "root"])].sort();
  }

  text(name: string): string | undefined {
    const n = normalizeForLookup(name);
    return this.fixed.get(n)?.text ?? this.texts.get(n);
  }

  /** "policies/<file>" when a file manages the policy, else "". */
  managedBy(name: string): string {
    return this.managed.get(normalizeForLookup(name)) ?? "";
  }

  /** An API write (never replaces a file-managed policy). */
  async put(rawName: string, text: string): Promise<{ name: string; warnings: string[] }> {
    const name = normalizePolicyName(rawName);
    if (this.fixed.has(name)) throw badRequest(`cannot update "${name}" policy`);
    if (text.trim() === "") throw badRequest("'policy' parameter not supplied or empty");
    this.refuseManaged(name);
    await this.write({ name, text, managedBy: "", updatedAt: Date.now() });
    const warnings = name !== rawName ? [`policy name was converted to ${name}`] : [];
    return { name, warnings };
  }

  /** An API delete (never of a file-managed policy). */
  async delete(rawName: string): Promise<void> {
    const name = normalizeForLookup(rawName);
    if (name === "default") throw badRequest("cannot delete default policy");
    if (name === "root") throw badRequest("cannot delete root policy");
    if (this.fixed.has(name)) throw badRequest(`cannot delete "${name}" policy`);
    this.refuseManaged(name);
    this.writes++;
    const gone = await this.store.delete(name);
    this.writes++;
    if (!gone && (await this.store.get(name))?.managedBy) {
      // This node's cache was behind: the stored marker decided.
      await this.refresh(name);
      this.refuseManaged(name);
    }
    this.parsed.delete(name);
    this.texts.delete(name);
    this.managed.delete(name);
    this.policiesChanged();
  }

  /** `parsed`: the record's text already parsed (a policy file's). */
  private async write(record: PolicyRecord, parsed?: Policy): Promise<void> {
    const policy = parsed ?? (await parsePolicy(record.name, record.text));
    this.writes++;
    const written = await this.store.put(record);
    this.writes++;
    if (!written) {
      // Only an API write is ever refused: a file manages the policy, and this node's cache was behind.
      await this.refresh(record.name);
      this.refuseManaged(record.name);
      throw badRequest(`policy "${record.name}" is managed by a policy file and is read-only through the API`);
    }
    this.remember(record, policy);
  }

  private refuseManaged(name: string): void {
    const file = this.managed.get(name);
    if (file) throw badRequest(`policy "${name}" is managed by ${file} and is read-only through the API; change the file instead`);
  }

  private remember(record: PolicyRecord, policy: Policy): void {
    this.parsed.set(record.name, policy);
    this.texts.set(record.name, record.text);
    if (record.managedBy) this.managed.set(record.name, record.managedBy);
    else this.managed.delete(record.name);
    this.policiesChanged();
  }

  /**
   * Re-reads one policy (or, without a name, all of them) after another node changed it. A read
   * that overlapped a local write is repeated, so an older read never replaces a newer write.
   */
  async refresh(name?: string): Promise<void> {
    for (;;) {
      const seen = this.writes;
      const records = name === undefined ? await this.store.list() : [await this.store.get(name)];
      if (seen !== this.writes) continue;
      const parsed = await Promise.all(records.map(async (r) => (r ? { r, p: await parsePolicy(r.name, r.text) } : undefined)));
      if (seen !== this.writes) continue;
      if (name === undefined) {
        this.parsed.clear();
        this.texts.clear();
        this.managed.clear();
      } else {
        this.parsed.delete(name);
        this.texts.delete(name);
        this.managed.delete(name);
      }
      for (const x of parsed) if (x) this.remember(x.r, x.p);
      this.policiesChanged();
      return;
    }
  }

  /** Changes whenever any policy may have: equal generations, same ACL for the same names and entity. */
  get generation(): number {
    return this.#generation;
  }

  private policiesChanged(): void {
    this.#generation++;
    this.aclCache.clear();
  }

  /**
   * The compiled ACL of a token's policies plus its entity's. Unknown names grant nothing. Policies
   * with {{identity...}} templates are compiled per entity (and per entity version, so a metadata
   * change is seen at once).
   */
  aclFor(tokenPolicies: readonly string[], identity?: AclIdentity): Acl {
    const names = identity && identity.identityPolicies.length > 0 ? [...new Set([...tokenPolicies, ...identity.identityPolicies])] : tokenPolicies;
    const key = names.join(",");
    // The common case costs one join and one map lookup: a set without templates is shared by all.
    const hit = this.aclCache.get(key);
    if (hit && !hit.templated) return hit.acl;
    const policies = names.includes("root") ? [] : names.flatMap((p) => this.fixed.get(p)?.policy ?? this.parsed.get(p) ?? []);
    const templated = policies.some((p) => p.templated);
    if (!templated) {
      const acl = names.includes("root") ? compileAcl([{ name: "root", rules: [], templated: false }]) : compileAcl(policies);
      this.cache(key, { acl, templated: false });
      return acl;
    }
    if (!hit) this.cache(key, { acl: compileAcl(policies), templated: true });
    if (!identity) return this.aclCache.get(key)!.acl;
    const entityKey = `${key}|${identity.entity.id}@${identity.version}`;
    let acl = this.aclCache.get(entityKey)?.acl;
    if (!acl) {
      const ctx: TemplateContext = { entityId: identity.entity.id, entityName: identity.entity.name, entityMetadata: identity.entity.metadata };
      acl = compileAcl(policies, ctx);
      this.cache(entityKey, { acl, templated: false });
    }
    return acl;
  }

  private cache(key: string, value: { acl: Acl; templated: boolean }): void {
    if (this.aclCache.size > 10_000) this.aclCache.clear();
    this.aclCache.set(key, value);
  }
}

function normalizeForLookup(name: string): string {
  return name.trim().toLowerCase();
}
