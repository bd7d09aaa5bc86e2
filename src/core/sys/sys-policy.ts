import { badRequest, notFound } from "../../sdk/errors.js";
import { isStrictBase64 } from "../../sdk/encoding.js";
import { type AnyCorePath, corePath } from "../framework/core-path.js";
import type { PolicyService } from "../policy/policy-service.js";

/**
 * Policy names are case-insensitive (stored lower-cased, as in Vault). Folded by the router before
 * the ACL runs: a deny on sys/policies/acl/default also holds for sys/policies/acl/DEFAULT.
 */
const nameField = { name: { type: "string", lowercase: true } } as const;
const writeFields = { ...nameField, policy: { type: "string" }, rules: { type: "string" } } as const;

/** `sys/policies/acl` takes the policy as text or as base64 of it (what some tools send). */
function policyText(value: string): string {
  const trimmed = value.trim();
  if (trimmed !== "" && isStrictBase64(trimmed) && !trimmed.includes("{")) {
    const decoded = Buffer.from(trimmed, "base64").toString("utf8");
    if (/path|\{/.test(decoded)) return decoded;
  }
  return value;
}

/**
 * sys/policy (legacy, node-vault) and sys/policies/acl (current): read, write, list, delete. A policy
 * managed by a file of the policy directory is read-only here (400 naming the file).
 */
export function sysPolicyPaths(policies: PolicyService): AnyCorePath[] {
  const write = (legacy: boolean) =>
    async (req: { data: { name?: string; policy?: string; rules?: string } }) => {
      const name = req.data.name!;
      if (name.trim().toLowerCase() === "root") throw badRequest('cannot update "root" policy');
      const text = req.data.policy ?? (legacy ? req.data.rules : undefined) ?? "";
      const { warnings } = await policies.put(name, legacy ? text : policyText(text));
      const all = legacy && req.data.policy === undefined && req.data.rules !== undefined ? [...warnings, "'rules' is deprecated, please use 'policy' instead"] : warnings;
      return all.length ? { warnings: all } : undefined;
    };
  // `managed_by` ("policies/<file>", or "" for a policy written through the API) tells a reader
  // whether the API may change the policy; Vault clients ignore the extra key.
  const read = (legacy: boolean) => async (req: { data: { name?: string } }) => {
    const name = req.data.name!.trim().toLowerCase();
    const text = name === "root" ? "" : policies.text(name);
    if (text === undefined) throw notFound();
    const managed_by = policies.managedBy(name);
    return { data: legacy ? { name, rules: text, managed_by } : { name, policy: text, managed_by } };
  };
  const remove = async (req: { data: { name?: string } }) => {
    await policies.delete(req.data.name!);
  };
  return [
    corePath({
      pattern: "policy/?", help: "List the ACL policies.",
      fields: {},
      operations: {
        read: async () => ({ data: { keys: policies.names(), policies: policies.names() } }),
        list: async () => ({ data: { keys: policies.names(), policies: policies.names() } }),
      },
    }),
    corePath({ pattern: "policy/:name", help: "Read, write or delete an ACL policy (legacy path).", fields: writeFields, operations: { read: read(true), update: write(true), delete: remove } }),
    corePath({
      pattern: "policies/acl/?", help: "List the ACL policies.",
      fields: {},
      // Vault's list shape (`keys`), plus `key_info` as Vault's list-with-info responses have it.
      operations: {
        list: async () => {
          const keys = policies.names();
          return { data: { keys, key_info: Object.fromEntries(keys.map((k) => [k, { managed_by: policies.managedBy(k) }])) } };
        },
      },
    }),
    corePath({ pattern: "policies/acl/:name", help: "Read, write or delete an ACL policy.", fields: writeFields, operations: { read: read(false), update: write(false), delete: remove } }),
  ];
}
