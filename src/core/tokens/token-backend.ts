import { badRequest, permissionDenied } from "../../sdk/errors.js";
import type { TokenRecord } from "../../storage/types.js";
import { type CoreBackend, type CoreRequest, corePath } from "../framework/core-path.js";
import type { MountTable } from "../mounts/mount-table.js";
import { createFields, createToken } from "./token-create.js";
import { renewFields, renewToken } from "./token-renew.js";
import type { TokenService } from "./token-service.js";
import { lookupData } from "./token-views.js";

const tokenField = { token: { type: "string" } } as const;
const accessorField = { accessor: { type: "string" } } as const;

/** Identity policies of a token's entity (none when it has no entity). */
export type IdentityPoliciesOf = (entityId: string) => Promise<string[]>;

/** auth/token/*: Vault's token store API. Create and renew live in token-create.ts and token-renew.ts. */
export function tokenBackend(tokens: TokenService, mounts: MountTable, identityPoliciesOf: IdentityPoliciesOf): CoreBackend {
  const view = async (record: TokenRecord, id: string) => ({
    data: lookupData(record, id, tokens.clock.now(), record.entityId ? await identityPoliciesOf(record.entityId) : []),
  });
  const selfView = (req: CoreRequest) => ({
    data: lookupData(req.caller!.record, req.caller!.token, tokens.clock.now(), req.identity?.identityPolicies ?? []),
  });

  const operand = async (req: CoreRequest<typeof tokenField>): Promise<{ token: string; record: TokenRecord }> => {
    const token = req.data.token?.trim();
    if (!token) throw badRequest("missing token ID");
    const record = await tokens.find(token);
    if (!record) throw permissionDenied("bad token");
    return { token, record };
  };

  const operandPair = async (req: CoreRequest<typeof tokenField>): Promise<[TokenRecord, string]> => {
    const { token, record } = await operand(req);
    return [record, token];
  };

  const renew = renewToken(tokens, mounts);

  const byAccessor = async (req: CoreRequest<typeof accessorField>): Promise<TokenRecord> => {
    const accessor = req.data.accessor?.trim();
    if (!accessor) throw badRequest("missing accessor");
    const record = await tokens.findByAccessor(accessor);
    if (!record) throw badRequest("invalid accessor");
    return record;
  };

  return {
    type: "token",
    description: "token based credentials",
    paths: [
      corePath({ pattern: "create", help: "Create a token (a child of the caller's token).", fields: createFields, operations: { update: createToken(tokens, mounts, false) } }),
      corePath({ pattern: "create-orphan", help: "Create a token with no parent.", fields: createFields, operations: { update: createToken(tokens, mounts, true) } }),
      corePath({
        pattern: "lookup", help: "Show the properties of a token given in the body.",
        fields: tokenField,
        operations: {
          read: async (req) => (req.data.token ? view(...(await operandPair(req))) : selfView(req)),
          update: async (req) => (req.data.token ? view(...(await operandPair(req))) : selfView(req)),
        },
      }),
      corePath({
        pattern: "lookup-self", help: "Show the properties of the calling token.",
        fields: {},
        operations: {
          read: async (req) => selfView(req),
          update: async (req) => selfView(req),
        },
      }),
      corePath({
        pattern: "lookup-accessor", help: "Show the properties of a token by its accessor.",
        fields: accessorField,
        operations: { update: async (req) => view(await byAccessor(req), "") },
      }),
      corePath({
        pattern: "renew", help: "Renew a token given in the body.",
        fields: { ...tokenField, ...renewFields },
        operations: {
          update: async (req) => {
            const { token, record } = await operand(req);
            return renew(token, record, req.data.increment ?? 0, req);
          },
        },
      }),
      corePath({
        pattern: "renew-self", help: "Renew the calling token.",
        fields: renewFields,
        operations: { update: async (req) => renew(req.caller!.token, req.caller!.record, req.data.increment ?? 0, req) },
      }),
      corePath({
        pattern: "renew-accessor", help: "Renew a token by its accessor.",
        fields: { ...accessorField, ...renewFields },
        operations: {
          update: async (req) => {
            const record = await byAccessor(req);
            return { ...(await renew("", record, req.data.increment ?? 0, req)), hideClientToken: true };
          },
        },
      }),
      corePath({
        pattern: "revoke", help: "Revoke a token given in the body, and its children.",
        fields: tokenField,
        operations: {
          update: async (req) => {
            const token = req.data.token?.trim();
            if (!token) throw badRequest("missing token ID");
            const record = await tokens.find(token);
            if (record) await tokens.revokeTree(record);
          },
        },
      }),
      corePath({
        pattern: "revoke-self", help: "Revoke the calling token, and its children.",
        fields: {},
        operations: { update: async (req) => void (await tokens.revokeTree(req.caller!.record)) },
      }),
      corePath({
        pattern: "revoke-accessor", help: "Revoke a token by its accessor, and its children.",
        fields: accessorField,
        operations: {
          update: async (req) => {
            const accessor = req.data.accessor?.trim();
            if (!accessor) throw badRequest("missing accessor");
            const record = await tokens.findByAccessor(accessor);
            if (!record) return { warnings: ["No token found with this accessor"] };
            await tokens.revokeTree(record);
          },
        },
      }),
      corePath({
        pattern: "revoke-orphan", help: "Revoke a token given in the body; its children become orphans.",
        fields: tokenField,
        sudo: true,
        operations: {
          update: async (req) => {
            const token = req.data.token?.trim();
            if (!token) throw badRequest("missing token ID");
            const record = await tokens.find(token);
            if (record) await tokens.revokeOrphan(record);
          },
        },
      }),
      corePath({
        pattern: "accessors/?", help: "List the accessors of every token.",
        fields: {},
        sudo: true,
        operations: { list: async () => ({ data: { keys: await tokens.listAccessors() } }) },
      }),
    ],
  };
}
