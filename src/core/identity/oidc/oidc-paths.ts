import { notFound } from "../../../sdk/errors.js";
import { type AnyCorePath, corePath } from "../../framework/core-path.js";
import type { OidcIssuer } from "./issuer.js";
import type { OidcAdmin } from "./oidc-service.js";

const keyFields = {
  name: { type: "name", required: true },
  algorithm: { type: "string" },
  rotation_period: { type: "duration" },
  verification_ttl: { type: "duration" },
  allowed_client_ids: { type: "comma_string_slice" },
} as const;

const roleFields = {
  name: { type: "name", required: true },
  key: { type: "string" },
  template: { type: "string" },
  client_id: { type: "string" },
  ttl: { type: "duration" },
  audience_as_array: { type: "bool" },
  jwt_type_header: { type: "bool" },
} as const;

/**
 * identity/oidc/*: Vault's identity-token API, served by the identity backend. The two .well-known
 * documents are unauthenticated and answered as raw JSON (relying parties do not speak Vault's
 * envelope); everything else goes through the ACL like any path.
 */
export function oidcPaths(admin: OidcAdmin, issuer: OidcIssuer): AnyCorePath[] {
  const store = admin.store;
  return [
    corePath({
      pattern: "oidc/config",
      fields: { issuer: { type: "string" } },
      operations: {
        read: async () => ({ data: { issuer: (await store.config()).issuer } }),
        update: async (req) => {
          await admin.writeConfig(req.data.issuer ?? "");
          return {};
        },
      },
    }),
    corePath({
      pattern: "oidc/key/?",
      fields: {},
      operations: { list: async () => ({ data: { keys: (await store.keyNames()).sort() } }) },
    }),
    corePath({
      pattern: "oidc/key/:name/rotate",
      fields: { name: { type: "name", required: true }, verification_ttl: { type: "duration" } },
      operations: {
        update: async (req) => {
          await admin.rotateKey(req.data.name!, req.has("verification_ttl") ? req.data.verification_ttl : undefined);
          return {};
        },
      },
    }),
    corePath({
      pattern: "oidc/key/:name",
      fields: keyFields,
      existenceCheck: async (req) => (await store.key(req.data.name!)) !== undefined,
      operations: {
        read: async (req) => {
          const data = await admin.readKey(req.data.name!);
          if (!data) throw notFound();
          return { data };
        },
        update: async (req) => {
          await admin.writeKey(req.data.name!, req.data, (f) => req.has(f));
          return {};
        },
        delete: async (req) => {
          await admin.deleteKey(req.data.name!);
          return {};
        },
      },
    }),
    corePath({
      pattern: "oidc/role/?",
      fields: {},
      operations: { list: async () => ({ data: { keys: (await store.roleNames()).sort() } }) },
    }),
    corePath({
      pattern: "oidc/role/:name",
      fields: roleFields,
      existenceCheck: async (req) => (await store.role(req.data.name!)) !== undefined,
      operations: {
        read: async (req) => {
          const data = await admin.readRole(req.data.name!);
          if (!data) throw notFound();
          return { data };
        },
        update: async (req) => {
          await admin.writeRole(req.data.name!, req.data, (f) => req.has(f));
          return {};
        },
        delete: async (req) => {
          await store.deleteRole(req.data.name!);
          return {};
        },
      },
    }),
    corePath({
      pattern: "oidc/token/:name",
      fields: { name: { type: "name", required: true } },
      operations: {
        read: async (req) => ({ data: { ...(await issuer.mint(req.data.name!, req.caller?.record.entityId)) } }),
      },
    }),
    corePath({
      pattern: "oidc/introspect",
      fields: { token: { type: "string" }, client_id: { type: "string" } },
      operations: {
        update: async (req) => ({ raw: { body: await issuer.introspect(req.data.token ?? "", req.data.client_id) } }),
      },
    }),
    corePath({
      pattern: "oidc/.well-known/openid-configuration",
      fields: {},
      unauthenticated: true,
      operations: { read: async () => ({ raw: await issuer.discovery() }) },
    }),
    corePath({
      pattern: "oidc/.well-known/keys",
      fields: {},
      unauthenticated: true,
      operations: { read: async () => ({ raw: await issuer.jwks() }) },
    }),
  ];
}
