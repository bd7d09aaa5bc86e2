import { badRequest } from "../../sdk/errors.js";
import type { AuditBroker } from "../audit/types.js";
import { type AnyCorePath, corePath } from "../framework/core-path.js";

const enableFields = {
  path: { type: "string" },
  type: { type: "string" },
  description: { type: "string" },
  options: { type: "map" },
  local: { type: "bool" },
} as const;

/** sys/audit (root-protected, as in Vault) and sys/audit-hash. */
export function sysAuditPaths(audit: AuditBroker): AnyCorePath[] {
  return [
    corePath({
      pattern: "audit/?", help: "List the enabled audit devices.",
      fields: {},
      sudo: true,
      operations: {
        read: async () => ({
          data: Object.fromEntries(
            audit.list().map((d) => [d.path, { type: d.type, description: d.description, options: d.options, path: d.path, local: false }]),
          ),
        }),
      },
    }),
    corePath({
      pattern: "audit/:path*", help: "Enable or disable an audit device.",
      fields: enableFields,
      sudo: true,
      operations: {
        update: async (req) => {
          const d = req.data;
          if (d.type !== "file") throw badRequest(`unknown audit backend type "${String(d.type ?? "").slice(0, 20)}"`);
          const options: Record<string, string> = {};
          for (const [k, v] of Object.entries(d.options ?? {})) options[k] = String(v);
          await audit.enable({ path: d.path!, type: "file", description: d.description ?? "", options });
        },
        delete: async (req) => {
          await audit.disable(req.data.path!);
        },
      },
    }),
    corePath({
      pattern: "audit-hash/:path*", help: "Hash a value with an audit device's HMAC key (what its log shows).",
      fields: { path: { type: "string" }, input: { type: "string", required: true } },
      operations: {
        update: async (req) => {
          const hash = audit.hash(req.data.path!, req.data.input!);
          if (hash === undefined) throw badRequest("unknown audit backend");
          return { data: { hash } };
        },
      },
    }),
  ];
}
