/**
 * The server's builtin auth methods, as the server is given them: each is imported only when first
 * needed (a mount of its type at boot, an enable, a reload), so a start pays only for the methods its
 * mounts use (each is 10-16 modules). Later plugins append to this list.
 */
import type { AnyPlugin } from "warden/sdk";

export const builtinPluginSources: ReadonlyArray<{ readonly type: string; load(): Promise<AnyPlugin> }> = [
  { type: "alicloud", load: async () => (await import("./alicloud/backend.js")).alicloudPlugin },
  { type: "oci", load: async () => (await import("./oci/backend.js")).ociPlugin },
  { type: "approle", load: async () => (await import("./approle/backend.js")).approlePlugin },
  { type: "jwt", load: async () => (await import("./jwt/backend.js")).jwtPlugin },
];
