// The identity the dev-server walk-through logs in with. Its credentials are fixed and published on
// purpose: they are worthless anywhere but this emulator, and docs can quote them verbatim.
import type { StsIdentity } from "./identity.js";

export const DEMO_IDENTITY: Readonly<StsIdentity> = Object.freeze({
  accessKeyId: "STS.DemoWardenDevRoleKey01",
  accessKeySecret: "DemoSecretValidOnlyAgainstTheStsEmulator",
  securityToken: "CAIS.DemoSecurityTokenForTheStsEmulator==",
  accountId: "1234567890123456",
  kind: "AssumedRoleUser",
  roleName: "dev-role",
  roleId: "300012345678901234",
  sessionName: "warden-demo",
});
