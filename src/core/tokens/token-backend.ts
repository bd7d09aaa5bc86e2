import { badRequest, permissionDenied } from "../../sdk/errors.js";
import { canonicalCidrs, cidrWithin } from "../../sdk/cidr.js";
import { sanitizePolicies } from "../../sdk/token-params.js";
import type { TokenRecord } from "../../storage/types.js";
import { type CoreBackend, type CoreRequest, type CoreResult, corePath } from "../framework/core-path.js";
import type { MountTable } from "../mounts/mount-table.js";
import { calculateTtl, effectiveLimits } from "./ttl.js";
import { type TokenService, withDefault } from "./token-service.js";
import { lookupData } from "./token-views.js";

const createFields = {
  id: { type: "string" },
  policies: { type: "string_slice" },
  meta: { type: "kv_pairs" },
  no_parent: { type: "bool" },
  no_default_policy: { type: "bool" },
  renewable: { type: "bool", default: true },
  ttl: { type: "duration" },
  lease: { type: "duration", deprecated: true },
  explicit_max_ttl: { type: "duration" },
  period: { type: "duration" },
  display_name: { type: "string" },
  num_uses: { type: "int" },
  type: { type: "string" },
  entity_alias: { type: "string" },
  bound_cidrs: { type: "comma_string_slice" },
} as const;

const tokenField = { token: { type: "string" } } as const;
const accessorField = { accessor: { type: "string" } } as const;
const renewFields = { increment: { type: "duration" } } as const;

/**
 * Bound CIDRs of a new token. A child gets its parent's binding (Vault copies parent.BoundCIDRs); a
 * request may narrow it, never widen it: every CIDR asked for must lie inside one of the parent's.
 * An orphan (no binding to inherit) takes what the request says.
 */
function childCidrs(requested: string[] | undefined, inherited: string[]): string[] {
  if (requested === undefined || requested.length === 0) return inherited;
  const asked = canonicalCidrs(requested);
  if (inherited.length > 0 && !asked.every((c) => cidrWithin(c, inherited))) {
    throw badRequest("bound_cidrs must lie within the parent token's bound CIDRs");
  }
  return asked;
}

/** Identity policies of a token's entity (none when it has no entity). */
export type IdentityPoliciesOf = (entityId: string) => Promise<string[]>;

/** auth/token/*: Vault's token store API. */
export function tokenBackend(tokens: TokenService, mounts: MountTable, identityPoliciesOf: IdentityPoliciesOf): CoreBackend {
  const view = async (record: TokenRecord, id: string) => ({
    data: lookupData(record, id, tokens.clock.now(), record.entityId ? await identityPoliciesOf(record.entityId) : []),
  });
  const selfView = (req: CoreRequest) => ({
    data: lookupData(req.caller!.record, req.caller!.token, tokens.clock.now(), req.identity?.identityPolicies ?? []),
  });
  const tokenMountLimits = () => effectiveLimits(tokens.systemLimits, mounts.get("auth/token/")?.limits ?? { defaultTtl: 0, maxTtl: 0 });

  const create = (orphanEndpoint: boolean) => async (req: CoreRequest<typeof createFields>): Promise<CoreResult> => {
    const caller = req.caller!;
    const parent = caller.record;
    const d = req.data;
    const parentIsRoot = parent.policies.includes("root");
    if (parent.numUses !== 0) throw badRequest("restricted use token cannot generate child tokens");
    if (d.type && d.type !== "service" && d.type !== "default") throw badRequest(`token type "${d.type.slice(0, 20)}" is not supported`);
    if (d.id !== undefined && d.id !== "") {
      if (!req.sudo) throw badRequest("root or sudo privileges required to specify token id");
      if (!/^[A-Za-z0-9._-]{8,256}$/.test(d.id)) throw badRequest("token id must be 8 to 256 characters of letters, digits, '.', '_' or '-'");
      if (d.id.includes(".") && !d.id.startsWith("hvs.")) throw badRequest("custom token ids may only contain '.' in the 'hvs.' prefix");
    }
    if (d.no_parent && !req.sudo) throw badRequest("root or sudo privileges required to create orphan token");
    if ((d.period ?? 0) > 0 && !req.sudo) throw badRequest("root or sudo privileges required to create periodic token");
    if ((d.num_uses ?? 0) < 0) throw badRequest("number of uses cannot be negative");

    let policies: string[];
    if (d.policies === undefined || d.policies.length === 0) {
      policies = parent.policies.filter((p) => p !== "default" || !d.no_default_policy);
    } else {
      const asked = sanitizePolicies(d.policies);
      if (asked.includes("root") && !parentIsRoot) throw badRequest("root tokens may not be created without parent token being root");
      if (!req.sudo && !parentIsRoot) {
        const allowed = new Set(parent.policies);
        if (!asked.every((p) => p === "default" || allowed.has(p))) throw badRequest("child policies must be subset of parent");
      }
      policies = withDefault(asked, d.no_default_policy === true || (!parent.policies.includes("default") && !req.sudo && !parentIsRoot));
    }
    if (policies.includes("root")) policies = ["root"];

    const now = tokens.clock.now();
    const limits = tokenMountLimits();
    const explicitMaxTtl = d.explicit_max_ttl ?? 0;
    const period = d.period ?? 0;
    const requestedTtl = d.ttl ?? d.lease ?? 0;
    let ttl = 0;
    let warnings: string[] = [];
    if (policies.includes("root") && requestedTtl === 0 && period === 0 && explicitMaxTtl === 0) {
      if (parent.ttl !== 0) throw badRequest("expiring root tokens cannot create non-expiring root tokens");
    } else {
      ({ ttl, warnings } = calculateTtl({ limits, increment: 0, backendTtl: requestedTtl, period, backendMaxTtl: 0, explicitMaxTtl, startMs: now, nowMs: now }));
    }
    const orphan = orphanEndpoint || d.no_parent === true;
    const displayName = `token${d.display_name ? `-${d.display_name}` : ""}`.replace(/[^a-zA-Z0-9-]/g, "-").replace(/-+$/, "");
    const issued = await tokens.mint(
      {
        id: d.id || undefined,
        policies,
        parentHash: orphan ? null : parent.idHash,
        path: orphanEndpoint ? "auth/token/create-orphan" : "auth/token/create",
        mountAccessor: mounts.get("auth/token/")?.record.accessor ?? "",
        meta: d.meta ?? {},
        displayName,
        numUses: d.num_uses ?? 0,
        ttl,
        explicitMaxTtl,
        maxTtl: 0,
        period,
        renewable: d.renewable !== false,
        entityId: orphan ? "" : parent.entityId,
        boundCidrs: childCidrs(d.bound_cidrs, orphan ? [] : parent.boundCidrs),
        role: "",
        auth: null,
      },
      now,
    );
    return { issued, warnings };
  };

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

  const byAccessor = async (req: CoreRequest<typeof accessorField>): Promise<TokenRecord> => {
    const accessor = req.data.accessor?.trim();
    if (!accessor) throw badRequest("missing accessor");
    const record = await tokens.findByAccessor(accessor);
    if (!record) throw badRequest("invalid accessor");
    return record;
  };

  /** Renewal goes back to the method that issued the token: it may refuse or refresh the TTLs. */
  const renew = async (token: string, record: TokenRecord, increment: number, req: CoreRequest): Promise<CoreResult> => {
    const issuer = mounts.resolve(record.path)?.entry;
    // The issuing mount is gone: its tokens went with it, so there is nothing to renew.
    if (!issuer) throw permissionDenied();
    let current = {};
    let limits = tokenMountLimits();
    if (!issuer.builtin) {
      if (!issuer.backend.renew || !record.auth) throw badRequest("this auth type doesn't support renew");
      const renewPlugin = issuer.backend.renew;
      const stored = record.auth;
      current = await mounts.guard(issuer, "renew", () => renewPlugin({
        metadata: stored.metadata,
        internal: stored.internal,
        alias: stored.alias,
        policies: record.policies,
        storage: issuer.storage,
        mount: issuer.info,
        clientAddress: req.clientAddress,
        log: issuer.log,
      }));
      limits = effectiveLimits(tokens.systemLimits, issuer.limits);
    }
    const renewed = await tokens.renew(record, increment, limits, current);
    return { issued: { token, record: renewed.record }, warnings: renewed.warnings };
  };

  return {
    type: "token",
    description: "token based credentials",
    paths: [
      corePath({ pattern: "create", fields: createFields, operations: { update: create(false) } }),
      corePath({ pattern: "create-orphan", fields: createFields, operations: { update: create(true) } }),
      corePath({
        pattern: "lookup",
        fields: tokenField,
        operations: {
          read: async (req) => (req.data.token ? view(...(await operandPair(req))) : selfView(req)),
          update: async (req) => (req.data.token ? view(...(await operandPair(req))) : selfView(req)),
        },
      }),
      corePath({
        pattern: "lookup-self",
        fields: {},
        operations: {
          read: async (req) => selfView(req),
          update: async (req) => selfView(req),
        },
      }),
      corePath({
        pattern: "lookup-accessor",
        fields: accessorField,
        operations: { update: async (req) => view(await byAccessor(req), "") },
      }),
      corePath({
        pattern: "renew",
        fields: { ...tokenField, ...renewFields },
        operations: {
          update: async (req) => {
            const { token, record } = await operand(req);
            return renew(token, record, req.data.increment ?? 0, req);
          },
        },
      }),
      corePath({
        pattern: "renew-self",
        fields: renewFields,
        operations: { update: async (req) => renew(req.caller!.token, req.caller!.record, req.data.increment ?? 0, req) },
      }),
      corePath({
        pattern: "renew-accessor",
        fields: { ...accessorField, ...renewFields },
        operations: {
          update: async (req) => {
            const record = await byAccessor(req);
            return { ...(await renew("", record, req.data.increment ?? 0, req)), hideClientToken: true };
          },
        },
      }),
      corePath({
        pattern: "revoke",
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
        pattern: "revoke-self",
        fields: {},
        operations: { update: async (req) => void (await tokens.revokeTree(req.caller!.record)) },
      }),
      corePath({
        pattern: "revoke-accessor",
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
        pattern: "revoke-orphan",
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
        pattern: "accessors/?",
        fields: {},
        sudo: true,
        operations: { list: async () => ({ data: { keys: await tokens.listAccessors() } }) },
      }),
    ],
  };
}
