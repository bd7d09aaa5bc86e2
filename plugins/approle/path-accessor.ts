/**
 * Secret ids by accessor: lookup and destroy. The accessor is looked up only under the role named in
 * the URL, so an accessor of another role is simply not found (CVE-2023-24999: Vault once destroyed
 * a secret id of any role given its accessor). Unknown and foreign accessors get the same 404.
 */
import { badRequest, definePath, notFound, type PluginRequest } from "warden/sdk";
import { requireRole, roleNameField } from "./role-entry.js";
import { destroySecret, hmacForAccessor, lookupData, secretByAccessor } from "./secret-store.js";

const fields = {
  ...roleNameField,
  secret_id_accessor: { type: "string", description: "Accessor of the secret id" },
} as const;

const NOT_FOUND = "failed to find accessor entry for secret_id_accessor";

async function target(req: PluginRequest<typeof fields>) {
  const role = await requireRole(req.storage, req.data.role_name);
  const accessor = (req.data.secret_id_accessor ?? "").trim();
  if (accessor === "") throw badRequest("missing secret_id_accessor");
  return { role, accessor };
}

async function destroy(req: PluginRequest<typeof fields>): Promise<void> {
  const { role, accessor } = await target(req);
  const hmac = await hmacForAccessor(req.storage, role, accessor);
  if (hmac === undefined) throw notFound(NOT_FOUND);
  await destroySecret(req.storage, role, hmac, accessor);
}

export const accessorLookupPath = definePath({
  pattern: "role/:role_name/secret-id-accessor/lookup",
  fields,
  operations: {
    update: async (req) => {
      const { role, accessor } = await target(req);
      const live = await secretByAccessor(req.storage, role, accessor);
      if (!live) throw notFound(NOT_FOUND);
      return { data: lookupData(live) };
    },
  },
  help: "Show the properties of the role's secret id with this accessor.",
});

export const accessorDestroyPath = definePath({
  pattern: "role/:role_name/secret-id-accessor/destroy",
  fields,
  operations: { update: destroy, delete: destroy },
  help: "Destroy the role's secret id with this accessor.",
});
