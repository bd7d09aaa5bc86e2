/**
 * Secret ids of a role: generate (`secret-id`, update), list their accessors (`secret-id`, list),
 * register an operator-chosen one (`custom-secret-id`), look one up and destroy one by its value.
 * Responses carry the secret only when it is issued, and never its HMAC.
 */
import { badRequest, definePath, type HandlerResult, type PluginRequest } from "warden/sdk";
import { requireRole, roleNameField, type RoleEntry } from "./role-entry.js";
import { secretOptionFields, secretRecordFor } from "./secret-params.js";
import { destroySecret, listAccessors, lookupData, newSecretId, peekSecret, secretHmac, storeSecret } from "./secret-store.js";

const secretIdField = { secret_id: { type: "string", description: "The secret id" } } as const;

async function issue(req: PluginRequest<any>, role: RoleEntry, secretId: string): Promise<HandlerResult> {
  const record = secretRecordFor(role, req.data, (f) => req.has(f));
  await storeSecret(req.storage, role, secretId, record);
  return {
    data: {
      secret_id: secretId,
      secret_id_accessor: record.accessor,
      secret_id_ttl: record.ttl,
      secret_id_num_uses: record.numUses,
    },
  };
}

/** The secret id named in a lookup or destroy body (trimmed, as login trims it). */
function suppliedSecret(req: PluginRequest<typeof secretIdField>): string {
  const s = (req.data.secret_id ?? "").trim();
  if (s === "") throw badRequest("missing secret_id");
  return s;
}

export const secretIdPath = definePath({
  pattern: "role/:role_name/secret-id/?",
  fields: { ...roleNameField, ...secretOptionFields },
  operations: {
    update: async (req) => issue(req, await requireRole(req.storage, req.data.role_name), newSecretId()),
    list: async (req) => {
      const role = await requireRole(req.storage, req.data.role_name);
      return { data: { keys: await listAccessors(req.storage, role) } };
    },
  },
  help: "Generate a secret id for the role (update), or list the accessors of its secret ids (list).",
});

export const customSecretIdPath = definePath({
  pattern: "role/:role_name/custom-secret-id",
  fields: { ...roleNameField, ...secretOptionFields, ...secretIdField },
  operations: {
    update: async (req) => {
      const role = await requireRole(req.storage, req.data.role_name);
      const secretId = req.data.secret_id ?? "";
      if (secretId === "") throw badRequest("missing secret_id");
      // Login trims what it is given, so a padded custom secret could never be used.
      if (secretId !== secretId.trim()) throw badRequest("secret_id cannot begin or end with whitespace");
      const result = await issue(req, role, secretId);
      if (secretId.length < 22) {
        result.warnings = ["this secret_id is short; generated secret ids carry 256 bits of randomness"];
      }
      return result;
    },
  },
  help: "Register an operator-chosen secret id for the role.",
});

export const secretIdLookupPath = definePath({
  pattern: "role/:role_name/secret-id/lookup",
  fields: { ...roleNameField, ...secretIdField },
  operations: {
    update: async (req) => {
      const role = await requireRole(req.storage, req.data.role_name);
      const live = await peekSecret(req.storage, role, secretHmac(role, suppliedSecret(req)));
      return live ? { data: lookupData(live) } : undefined;
    },
  },
  help: "Show a secret id's properties (never the secret itself).",
});

async function destroyByValue(req: PluginRequest<typeof roleNameField & typeof secretIdField>): Promise<void> {
  const role = await requireRole(req.storage, req.data.role_name);
  const hmac = secretHmac(role, suppliedSecret(req));
  const live = await peekSecret(req.storage, role, hmac);
  if (live) await destroySecret(req.storage, role, hmac, live.record.accessor);
  // An expired or used-up entry is removed too; its accessor index goes at the next tidy.
  else await req.storage.deleteCounted(`secret/${role.keyId}/${hmac}`);
}

export const secretIdDestroyPath = definePath({
  pattern: "role/:role_name/secret-id/destroy",
  fields: { ...roleNameField, ...secretIdField },
  operations: { update: destroyByValue, delete: destroyByValue },
  help: "Destroy a secret id by its value.",
});
