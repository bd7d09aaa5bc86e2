// The walk-through's tenancy: fixed OCIDs, keys generated at start (written to a directory so the
// CLI and warden's config can read them). Only meaningful against this emulator.
import { generateKeyPairSync } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fingerprintOf, type OciTenancySpec } from "./model.js";

export const DEMO = {
  tenancy: "ocid1.tenancy.oc1..aaaaaaaademotenancy",
  user: "ocid1.user.oc1..aaaaaaaademouser",
  service: "ocid1.user.oc1..aaaaaaaawardenservice",
  group: "ocid1.group.oc1..aaaaaaaademogroup",
  instance: "ocid1.instance.oc1.iad.aaaaaaaademoinstance",
  dynamicGroup: "ocid1.dynamicgroup.oc1..aaaaaaaademoinstances",
  region: "us-ashburn-1",
};

export interface DemoFiles {
  spec: OciTenancySpec;
  userKeyFile: string;
  userConfigFile: string;
  serviceKeyFile: string;
  serviceKeyId: string;
  /** The demo instance's key (instance principal: obtains session tokens from POST /v1/x509). */
  instanceKeyFile: string;
}

function keyPair(): { publicKey: string; privateKey: string } {
  return generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
}

export function writeDemoTenancy(dir: string): DemoFiles {
  const user = keyPair();
  const service = keyPair();
  const instance = keyPair();
  const instanceKeyFile = join(dir, "demo-instance.pem");
  writeFileSync(instanceKeyFile, instance.privateKey, { mode: 0o600 });
  const userKeyFile = join(dir, "demo-user.pem");
  const serviceKeyFile = join(dir, "warden-service.pem");
  writeFileSync(userKeyFile, user.privateKey, { mode: 0o600 });
  writeFileSync(serviceKeyFile, service.privateKey, { mode: 0o600 });
  const userConfigFile = join(dir, "config");
  writeFileSync(
    userConfigFile,
    `[DEFAULT]\nuser=${DEMO.user}\nfingerprint=${fingerprintOf(user.publicKey)}\ntenancy=${DEMO.tenancy}\nregion=${DEMO.region}\nkey_file=${userKeyFile}\n`,
    { mode: 0o600 },
  );
  // The service key id beside its key, so a script (the README walk-through) reads it from a file.
  const serviceKeyId = `${DEMO.tenancy}/${DEMO.service}/${fingerprintOf(service.publicKey)}`;
  writeFileSync(join(dir, "service_key_id"), `${serviceKeyId}\n`, { mode: 0o600 });
  return {
    spec: {
      users: [
        { id: DEMO.user, tenancyId: DEMO.tenancy, name: "demo-user", publicKeys: [user.publicKey] },
        { id: DEMO.service, tenancyId: DEMO.tenancy, name: "warden-service", authInspector: true, publicKeys: [service.publicKey] },
      ],
      instances: [{ id: DEMO.instance, tenancyId: DEMO.tenancy, compartmentId: DEMO.tenancy, publicKeys: [instance.publicKey] }],
      groups: [{ id: DEMO.group, members: [DEMO.user] }],
      dynamicGroups: [{ id: DEMO.dynamicGroup, members: [DEMO.instance] }],
    },
    instanceKeyFile,
    userKeyFile,
    userConfigFile,
    serviceKeyFile,
    serviceKeyId,
  };
}
