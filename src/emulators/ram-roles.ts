// RAM roles attached to emulated ECS instances, and the rotating STS credentials of each, known to two
// emulators at once: the ECS metadata emulator hands them out, the STS emulator accepts them. Both
// derive them from the same role description (a seed and a rotation period, given to both with
// --ram-roles), so they agree without talking to each other and across processes.
import { createHmac } from "node:crypto";
import type { StsIdentity } from "./sts/identity.js";

export interface RamRoleConfig {
  roleName: string;
  /** 18 digits, as RAM role ids are. */
  roleId: string;
  /** 16 digits. */
  accountId: string;
  /** The secret both emulators derive the credentials from (a fixture, never a real secret). */
  seed: string;
  /** A new credential set every this many seconds; each set is valid for two periods (its Expiration). */
  rotationSeconds: number;
  /** The instance the role is attached to: the session name is "vm-ram-<instanceId>" (default i-emulator). */
  instanceId?: string;
}

export interface RamRoleCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
  /** Epoch ms of the start of the set's period, and of its end of validity. */
  issuedAt: number;
  expiresAt: number;
}

/** The demo role of the walk-through: dev-role of the STS emulator's demo account, rotating hourly. */
export const DEMO_RAM_ROLE: Readonly<RamRoleConfig> = Object.freeze({
  roleName: "dev-role",
  roleId: "300012345678901299",
  accountId: "1234567890123456",
  seed: "demo-ram-role-seed-valid-only-against-the-emulators",
  rotationSeconds: 3600,
});

export function validateRamRole(r: RamRoleConfig): void {
  const where = `RAM role ${JSON.stringify(r.roleName)}`;
  if (!r.roleName || !/^[A-Za-z0-9.-]{1,64}$/.test(r.roleName)) throw new Error(`${where}: roleName must be 1-64 letters, digits, "." or "-"`);
  if (!/^\d{16}$/.test(r.accountId)) throw new Error(`${where}: accountId must be 16 digits`);
  if (!/^\d{1,20}$/.test(r.roleId)) throw new Error(`${where}: roleId must be digits`);
  if (!r.seed) throw new Error(`${where}: seed is required`);
  if (!Number.isInteger(r.rotationSeconds) || r.rotationSeconds < 1) throw new Error(`${where}: rotationSeconds must be a positive integer`);
}

const derive = (r: RamRoleConfig, period: number, what: string): string =>
  createHmac("sha256", r.seed).update(`${r.accountId}/${r.roleName}/${period}/${what}`).digest("base64url");

/** The credential set of `period` (a count of rotation periods since the epoch). */
function credentialsOfPeriod(r: RamRoleConfig, period: number): RamRoleCredentials {
  const ms = r.rotationSeconds * 1000;
  return {
    accessKeyId: `STS.NU${period.toString(36).padStart(8, "0")}${derive(r, period, "id").replace(/[-_]/g, "").slice(0, 16)}`,
    accessKeySecret: derive(r, period, "secret").slice(0, 30),
    securityToken: `CAIS${derive(r, period, "token")}`,
    issuedAt: period * ms,
    expiresAt: (period + 2) * ms,
  };
}

/** What the instance's metadata service hands out at `now`: the current period's set. */
export function ramRoleCredentials(r: RamRoleConfig, now: number): RamRoleCredentials {
  return credentialsOfPeriod(r, Math.floor(now / (r.rotationSeconds * 1000)));
}

/** The STS identity behind `accessKeyId` if it is a set of one of `roles` (expired ones included: STS says they expired). */
export function ramRoleIdentity(roles: readonly RamRoleConfig[], accessKeyId: string): StsIdentity | undefined {
  const m = /^STS\.NU([0-9a-z]{8})/.exec(accessKeyId);
  if (!m) return undefined;
  const period = parseInt(m[1]!, 36);
  for (const r of roles) {
    const c = credentialsOfPeriod(r, period);
    if (c.accessKeyId !== accessKeyId) continue;
    return {
      accessKeyId: c.accessKeyId,
      accessKeySecret: c.accessKeySecret,
      securityToken: c.securityToken,
      accountId: r.accountId,
      kind: "AssumedRoleUser",
      roleName: r.roleName,
      roleId: r.roleId,
      sessionName: `vm-ram-${r.instanceId ?? "i-emulator"}`,
      expiresAt: c.expiresAt,
    };
  }
  return undefined;
}

/** A --ram-roles file: a JSON array of RamRoleConfig. */
export function parseRamRoles(text: string, path: string): RamRoleConfig[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) throw new Error(`${path}: expected a JSON array of RAM roles`);
  for (const r of parsed as RamRoleConfig[]) validateRamRole(r);
  return parsed as RamRoleConfig[];
}
