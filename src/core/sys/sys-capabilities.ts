import { badRequest } from "../../sdk/errors.js";
import { type AnyCorePath, type CoreRequest, corePath } from "../framework/core-path.js";
import type { IdentityService } from "../identity/identity-service.js";
import type { PolicyService } from "../policy/policy-service.js";
import type { Acl } from "../policy/types.js";
import type { TokenRecord } from "../../storage/types.js";
import type { TokenService } from "../tokens/token-service.js";

const pathFields = { path: { type: "comma_string_slice" }, paths: { type: "comma_string_slice" } } as const;

/**
 * Vault's answer: each asked path -> the token's capabilities there ("root" for a root token,
 * ["deny"] when nothing is granted), and `capabilities` for the first path.
 */
function answer(acl: Acl | undefined, data: { path?: string[]; paths?: string[] }): { data: Record<string, unknown> } {
  const paths = [...(data.paths ?? []), ...(data.path ?? [])];
  const out: Record<string, unknown> = {};
  // No ACL cannot happen on an authenticated path; if it ever did, it must grant nothing.
  for (const p of paths) out[p] = !acl ? ["deny"] : acl.root ? ["root"] : acl.capabilities(p.replace(/^\/+/, ""));
  out.capabilities = paths.length === 0 ? [] : out[paths[0]!];
  return { data: out };
}

/**
 * sys/capabilities-self (the calling token), sys/capabilities (a token given in the body) and
 * sys/capabilities-accessor (a token named by its accessor): the policies counted are the token's
 * and its entity's, as for a request made with it.
 */
export function sysCapabilityPaths(deps: { tokens: TokenService; policies: PolicyService; identity: IdentityService }): AnyCorePath[] {
  const aclOf = async (record: TokenRecord): Promise<Acl> => {
    const snapshot = record.entityId ? await deps.identity.snapshot(record.entityId) : undefined;
    return deps.policies.aclFor(record.policies, snapshot && !snapshot.entity.disabled ? snapshot : undefined);
  };
  return [
    corePath({
      pattern: "capabilities-self",
      help: "The calling token's capabilities on the given paths.",
      fields: pathFields,
      operations: { update: async (req: CoreRequest<typeof pathFields>) => answer(req.acl, req.data) },
    }),
    corePath({
      pattern: "capabilities",
      help: "A token's capabilities on the given paths.",
      fields: { ...pathFields, token: { type: "string" } },
      operations: {
        update: async (req) => {
          const token = (req.data.token ?? "").trim();
          if (!token) throw badRequest("missing token");
          const record = await deps.tokens.find(token);
          if (!record) throw badRequest("invalid token");
          return answer(await aclOf(record), req.data);
        },
      },
    }),
    corePath({
      pattern: "capabilities-accessor",
      help: "The capabilities on the given paths of the token behind an accessor.",
      fields: { ...pathFields, accessor: { type: "string" } },
      operations: {
        update: async (req) => {
          const accessor = (req.data.accessor ?? "").trim();
          if (!accessor) throw badRequest("missing accessor");
          const record = await deps.tokens.findByAccessor(accessor);
          if (!record) throw badRequest("invalid accessor");
          return answer(await aclOf(record), req.data);
        },
      },
    }),
  ];
}
