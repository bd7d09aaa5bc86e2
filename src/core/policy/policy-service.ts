import { badRequest } from "../../sdk/errors.js";
import type { PolicyStore } from "../../storage/types.js";
import { compileAcl } from "./acl.js";
import { DEFAULT_POLICY_TEXT, normalizePolicyName, parsePolicy } from "./parse.js";
import type { Acl, Policy } from "./types.js";

/**
 * Policies as the core uses them: parsed once when written or loaded, and compiled into one ACL
 * per distinct policy set, cached until any policy changes. A request costs a map lookup.
 */
export class PolicyService {
  private readonly parsed = new Map<string, Policy>();
  private readonly texts = new Map<string, string>();
  private readonly aclCache = new Map<string, Acl>();

  constructor(private readonly store: PolicyStore) {}

  /** Loads stored policies, writes the `default` policy on first boot and the files given. */
  async load(files: Array<{ name: string; text: string }> = []): Promise<void> {
    for (const record of await this.store.list()) {
      this.parsed.set(record.name, await parsePolicy(record.name, record.text));
      this.texts.set(record.name, record.text);
    }
    if (!this.parsed.has("default")) await this.put("default", DEFAULT_POLICY_TEXT);
    for (const file of files) await this.put(file.name, file.text);
  }

  /** Policy names, always including the implicit `root`. */
  names(): string[] {
    return [...new Set([...this.parsed.keys(), "root"])].sort();
  }

  text(name: string): string | undefined {
    return this.texts.get(normalizeForLookup(name));
  }

  async put(rawName: string, text: string): Promise<{ name: string; warnings: string[] }> {
    const name = normalizePolicyName(rawName);
    if (text.trim() === "") throw badRequest("'policy' parameter not supplied or empty");
    const policy = await parsePolicy(name, text);
    await this.store.put({ name, text, updatedAt: Date.now() });
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
    await this.store.delete(name);
    this.parsed.delete(name);
    this.texts.delete(name);
    this.aclCache.clear();
  }

  /** The compiled ACL of a token's policies. Unknown names simply grant nothing. */
  aclFor(policies: readonly string[]): Acl {
    const key = policies.join(",");
    let acl = this.aclCache.get(key);
    if (!acl) {
      if (policies.includes("root")) {
        acl = compileAcl([{ name: "root", rules: [], templated: false }]);
      } else {
        acl = compileAcl(policies.flatMap((p) => this.parsed.get(p) ?? []));
      }
      if (this.aclCache.size > 10_000) this.aclCache.clear();
      this.aclCache.set(key, acl);
    }
    return acl;
  }
}

function normalizeForLookup(name: string): string {
  return name.trim().toLowerCase();
}
