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
      pattern: "oidc/config", help: "Read or set the OIDC issuer warden's identity tokens name.",
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
      pattern: "oidc/key/?", help: "List the named signing keys of identity tokens.",
      fields: {},
      operations: { list: async () => ({ data: { keys: (await store.keyNames()).sort() } }) },
    }),
    corePath({
      pattern: "oidc/key/:name/rotate", help: "Rotate a named signing key.",
      fields: { name: { type: "name", required: true }, verification_ttl: { type: "duration" } },
      operations: {
        update: async (req) => {
          await admin.rotateKey(req.data.name!, req.has("verification_ttl") ? req.data.verification_ttl : undefined);
          return {};
        },
      },
    }),
    corePath({
      pattern: "oidc/key/:name", help: "Create, read or delete a named signing key.",
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
      pattern: "oidc/role/?", help: "List the identity token roles.",
      fields: {},
      operations: { list: async () => ({ data: { keys: (await store.roleNames()).sort() } }) },
    }),
    corePath({
      pattern: "oidc/role/:name", help: "Create, read or delete an identity token role (key, template, TTL, client id).",
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
      pattern: "oidc/token/:name", help: "Mint an identity token (JWT) for the calling token's entity with this role.",
      fields: { name: { type: "name", required: true } },
      operations: {
        read: async (req) => ({ data: { ...(await issuer.mint(req.data.name!, req.caller?.record.entityId)) } }),
      },
    }),
    corePath({
      pattern: "oidc/introspect", help: "Check an identity token: signature, expiry, and that its entity is still active.",
      fields: { token: { type: "string" }, client_id: { type: "string" } },
      operations: {
        update: async (req) => ({ raw: { body: await issuer.introspect(req.data.token ?? "", req.data.client_id) } }),
      },
    }),
    corePath({
      pattern: "oidc/.well-known/openid-configuration", help: "The OIDC discovery document of warden's identity tokens.",
      fields: {},
      unauthenticated: true,
      operations: { read: async () => ({ raw: await issuer.discovery() }) },
    }),
    corePath({
      pattern: "oidc/.well-known/keys", help: "The public keys (JWKS) that verify warden's identity tokens.",
      fields: {},
      unauthenticated: true,
      operations: { read: async () => ({ raw: await issuer.jwks() }) },
    }),
  ];
}
