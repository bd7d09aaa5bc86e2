import { badRequest } from "../../sdk/errors.js";
import { type AnyCorePath, corePath } from "../framework/core-path.js";
import type { MountTable } from "../mounts/mount-table.js";
import type { QuotaRule, QuotaType } from "../quotas/quota-rules.js";
import { MAX_QUOTA_ROLE, quotaView } from "../quotas/quota-rules.js";
import { type QuotaService, parseInterval, parseRate } from "../quotas/quota-service.js";

const NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/**
 * A quota's path as Vault takes it: "" (global), a mount ("auth/approle" is stored "auth/approle/"),
 * or a mount and a path under it, with an optional trailing "*". An unknown mount is a 400.
 */
export function normalizeQuotaPath(mounts: MountTable, raw: string): string {
  const path = raw.trim().replace(/^\/+/, "");
  if (path === "") return "";
  const resolved = mounts.resolve(path.endsWith("*") ? path.slice(0, -1) : path);
  if (!resolved) throw badRequest(`invalid mount path "${path}"`);
  if (resolved.remainder === "" && !path.endsWith("*")) return resolved.entry.record.path;
  if (path.slice(0, -1).includes("*")) throw badRequest(`invalid path "${path}": a glob may only end the path`);
  return path;
}

/** sys/quotas/config, sys/quotas/rate-limit/:name, sys/quotas/lease-count/:name (Vault's API). */
export function sysQuotaPaths(quotas: QuotaService, mounts: MountTable): AnyCorePath[] {
  const fields = {
    name: { type: "string" },
    path: { type: "string" },
    role: { type: "string" },
    rate: { type: "string" },
    interval: { type: "string" },
    block_interval: { type: "string" },
    max_leases: { type: "int" },
  } as const;
  const typed = (type: QuotaType): AnyCorePath[] => [
    corePath({
      pattern: `quotas/${type}/?`,
      help: `The ${type} quotas' names.`,
      fields: {},
      operations: { list: async () => ({ data: { keys: await quotas.list(type) } }) },
    }),
    corePath({
      pattern: `quotas/${type}/:name`,
      help: type === "rate-limit" ? "A rate-limit quota: requests per interval per client address, on a path, mount or login role." : "A lease-count quota: live tokens minted under a path or mount, or by logins of a role on an auth mount.",
      fields,
      sudo: true,
      operations: {
        read: async (req) => {
          const rule = await quotas.get(type, req.data.name!);
          return rule ? { data: quotaView(rule) } : undefined;
        },
        update: async (req) => {
          const name = req.data.name!;
          if (!NAME.test(name)) throw badRequest("invalid quota name");
          const old = await quotas.get(type, name);
          // Every field is checked before anything is stored: bad input changes nothing.
          const given = <T>(field: keyof typeof fields, parse: () => T, keep: T | undefined, fallback: T): T => (req.has(field) ? parse() : (keep ?? fallback));
          const path = given("path", () => normalizeQuotaPath(mounts, req.data.path ?? ""), old?.path, "");
          const role = given("role", () => (req.data.role ?? "").trim(), old?.role, "");
          if (role.length > MAX_QUOTA_ROLE) throw badRequest(`role is longer than ${MAX_QUOTA_ROLE} characters`);
          if (role !== "" && !(path.startsWith("auth/") && path.endsWith("/") && mounts.get(path))) {
            throw badRequest("role can only be set on a quota whose path is an auth mount");
          }
          const rule: QuotaRule = { name, type, path, role, rate: 0, intervalSeconds: 0, blockIntervalSeconds: 0, maxLeases: 0 };
          if (type === "rate-limit") {
            if (!req.has("rate") && !old) throw badRequest("'rate' must be positive");
            rule.rate = given("rate", () => parseRate(req.input?.rate ?? req.data.rate), old?.rate, 0);
            rule.intervalSeconds = given("interval", () => parseInterval(req.input?.interval ?? req.data.interval, "interval", 1), old?.intervalSeconds, 1);
            if (rule.intervalSeconds <= 0) throw badRequest("'interval' must be positive");
            rule.blockIntervalSeconds = given("block_interval", () => parseInterval(req.input?.block_interval ?? req.data.block_interval, "block_interval", 0), old?.blockIntervalSeconds, 0);
          } else {
            rule.maxLeases = given("max_leases", () => req.data.max_leases ?? 0, old?.maxLeases, 0);
            if (!Number.isInteger(rule.maxLeases) || rule.maxLeases <= 0) throw badRequest("'max_leases' must be positive");
          }
          await quotas.put(rule);
        },
        delete: async (req) => {
          await quotas.delete(type, req.data.name!);
        },
      },
    }),
  ];
  return [
    corePath({
      pattern: "quotas/config",
      help: "Quota settings: rate-limit audit logging, rate-limit response headers, exempt paths.",
      fields: {
        enable_rate_limit_audit_logging: { type: "bool" },
        enable_rate_limit_response_headers: { type: "bool" },
        rate_limit_exempt_paths: { type: "comma_string_slice" },
      },
      sudo: true,
      operations: {
        read: async () => ({ data: { ...(await quotas.config()), absolute_rate_limit_exempt_paths: [] } }),
        update: async (req) => {
          const current = await quotas.config();
          await quotas.putConfig({
            enable_rate_limit_audit_logging: req.has("enable_rate_limit_audit_logging") ? req.data.enable_rate_limit_audit_logging! : current.enable_rate_limit_audit_logging,
            enable_rate_limit_response_headers: req.has("enable_rate_limit_response_headers") ? req.data.enable_rate_limit_response_headers! : current.enable_rate_limit_response_headers,
            rate_limit_exempt_paths: req.has("rate_limit_exempt_paths")
              ? req.data.rate_limit_exempt_paths!.map((p) => p.trim().replace(/^\/+/, "").replace(/^v1\//, "")).filter((p) => p !== "")
              : current.rate_limit_exempt_paths,
          });
        },
      },
    }),
    ...typed("rate-limit"),
    ...typed("lease-count"),
  ];
}
