/**
 * Which form field a server error is about. warden's errors name the field in several ways
 * (`field "x" must be ...`, `x: cannot provide negative value`, `missing x`, a plugin's own words);
 * the field is the longest field name standing in the message as a whole word. Anything that names
 * no field is the form's own error.
 */
export function fieldOfError(message: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const name of names) {
    const re = new RegExp(`(^|[^A-Za-z0-9_])${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^A-Za-z0-9_])`);
    if (re.test(message) && (best === undefined || name.length > best.length)) best = name;
  }
  return best;
}

export interface SortedErrors {
  byField: Record<string, string[]>;
  general: string[];
}

export function sortErrors(messages: readonly string[], names: readonly string[]): SortedErrors {
  const out: SortedErrors = { byField: {}, general: [] };
  for (const m of messages) {
    const f = fieldOfError(m, names);
    if (f) (out.byField[f] ??= []).push(m);
    else out.general.push(m);
  }
  return out;
}

/** The line a policy parse error names ("policy.hcl:8: ..." or "policy.hcl:3,5-6: ..."), if any. */
export function policyErrorLine(message: string): number | undefined {
  const m = /policy\.(?:hcl|json):(\d+)/.exec(message);
  return m ? Number(m[1]) : undefined;
}
