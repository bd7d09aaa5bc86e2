import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import { badRequest, isWardenError } from "../../sdk/errors.js";
import { normalizePolicyName, parsePolicy } from "./parse.js";
import type { Policy } from "./types.js";

/**
 * Policies shipped as files (the repository's policies/ folder): every `*.hcl` / `*.json` in one
 * directory, named after the file. Each is parsed here so a typo stops boot with the file's name in
 * the message instead of surfacing later as a mysterious 403; the policy service takes that parse
 * (PolicyService.load) rather than parsing the same text again. A file manages its policy: the API
 * cannot write or delete it.
 */
export interface PolicyFile {
  name: string;
  text: string;
  /** `text` parsed. */
  policy: Policy;
  /** "policies/<file name>": stored with the policy and named in the API's refusals. */
  managedBy: string;
}

const EXTENSIONS = new Set([".hcl", ".json"]);

export async function loadPolicyDir(dir: string): Promise<PolicyFile[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (e) {
    throw badRequest(`policy directory ${dir}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const out: PolicyFile[] = [];
  const seen = new Map<string, string>();
  for (const entry of entries.sort()) {
    // Dotfiles are editor/backup artefacts, not policies.
    if (entry.startsWith(".")) continue;
    const ext = extname(entry).toLowerCase();
    if (!EXTENSIONS.has(ext)) continue;
    const file = join(dir, entry);
    if (!(await stat(file)).isFile()) continue;
    try {
      const name = normalizePolicyName(entry.slice(0, -ext.length));
      const other = seen.get(name);
      if (other !== undefined) throw new Error(`policy "${name}" is also defined by ${other}`);
      const text = await readFile(file, "utf8");
      const policy = await parsePolicy(name, text);
      seen.set(name, entry);
      out.push({ name, text, policy, managedBy: `policies/${entry}` });
    } catch (e) {
      const msg = isWardenError(e) ? e.errors.join("; ") : e instanceof Error ? e.message : String(e);
      throw badRequest(`policy file ${file}: ${msg}`);
    }
  }
  return out;
}
