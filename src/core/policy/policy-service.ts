import { badRequest } from "../../sdk/errors.js";
import type { PolicyStore } from "../../storage/types.js";
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

/**
 * Policies as the core uses them: parsed once when written or loaded, and compiled into one ACL
 * per distinct policy set, cached until any policy changes. A request costs a map lookup.
 */
export class PolicyService {
  private readonly parsed = new Map<string, Policy>();
  private readonly texts = new Map<string, string>();
  private readonly aclCache = new Map<string, { acl: Acl; templated: boolean }>();
  /** Fixed policies (response-wrapping): built in, never stored, and winning over any stored namesake. */
  private readonly fixed = new Map<string, { policy: Policy; text: string }>();
  /** Bumped before and after every local write: a refresh that overlapped one reads again. */
  private writes = 0;

  constructor(private readonly store: PolicyStore) {}

  /** Loads stored policies, writes the `default` policy on first boot and the files given. */
  async load(files: Array<{ name: string; text: string }> = []): Promise<void> {
    this.fixed.set(RESPONSE_WRAPPING_POLICY, { policy: await parsePolicy(RESPONSE_WRAPPING_POLICY, RESPONSE_WRAPPING_POLICY_TEXT), text: RESPONSE_WRAPPING_POLICY_TEXT });
    for (const record of await this.store.list()) {
      this.parsed.set(record.name, await parsePolicy(record.name, record.text));
      this.texts.set(record.name, record.text);
    }
    if (!this.parsed.has("default")) await this.put("default", DEFAULT_POLICY_TEXT);
    // A file already stored as written costs no parse, no write and no change notice to other nodes.
    for (const file of files) if (this.texts.get(file.name) !== file.text) await this.put(file.name, file.text);
  }

  /** Policy names, always including the implicit `root`. */
  names(): string[] {
    return [...new Set([...this.parsed.keys(), "root"])].sort();
  }

  text(name: string): string | undefined {
    const n = normalizeForLookup(name);
    return this.fixed.get(n)?.text ?? this.texts.get(n);
  }

  async put(rawName: string, text: string): Promise<{ name: string; warnings: string[] }> {
    const name = normalizePolicyName(rawName);
    if (this.fixed.has(name)) throw badRequest(`cannot update "${name}" policy`);
    if (text.trim() === "") throw badRequest("'policy' parameter not supplied or empty");
    const policy = await parsePolicy(name, text);
    this.writes++;
    await this.store.put({ name, text, updatedAt: Date.now() });
    this.writes++;
    this.parsed.set(name, policy);
    this.texts.set(name, text);
    this.aclCache.clear();
    const warnings = name !== rawName ? [`policy name was converted to ${name}`] : [];
    return { name, warnings };
  }

  async delete(rawName: string): Promise<void> {
    const name = normalizeForLookup(rawName);
    if (name === "default") throw badRequest("cannot delete default policy");
    if (name === "root") throw badRequest("cannot delete root policy");
    if (this.fixed.has(name)) throw badRequest(`cannot delete "${name}" policy`);
    this.writes++;
    await this.store.delete(name);
    this.writes++;
    this.parsed.delete(name);
    this.texts.delete(name);
    this.aclCache.clear();
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
      } else {
        this.parsed.delete(name);
        this.texts.delete(name);
      }
      for (const x of parsed) {
        if (!x) continue;
        this.parsed.set(x.r.name, x.p);
        this.texts.set(x.r.name, x.r.text);
      }
      this.aclCache.clear();
      return;
    }
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
      this.remember(key, { acl, templated: false });
      return acl;
    }
    if (!hit) this.remember(key, { acl: compileAcl(policies), templated: true });
    if (!identity) return this.aclCache.get(key)!.acl;
    const entityKey = `${key}|${identity.entity.id}@${identity.version}`;
    let acl = this.aclCache.get(entityKey)?.acl;
    if (!acl) {
      const ctx: TemplateContext = { entityId: identity.entity.id, entityName: identity.entity.name, entityMetadata: identity.entity.metadata };
      acl = compileAcl(policies, ctx);
      this.remember(entityKey, { acl, templated: false });
    }
    return acl;
  }

  private remember(key: string, value: { acl: Acl; templated: boolean }): void {
    if (this.aclCache.size > 10_000) this.aclCache.clear();
    this.aclCache.set(key, value);
  }
}

function normalizeForLookup(name: string): string {
  return name.trim().toLowerCase();
}
