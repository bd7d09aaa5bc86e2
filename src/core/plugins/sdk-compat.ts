import { SDK_VERSION, type PluginDefinition } from "../../sdk/plugin.js";

const major = (v: string): string => v.split(".")[0] ?? "";

/** A plugin written against another major SDK version is refused, naming both versions. */
export function checkSdkVersion(plugin: Pick<PluginDefinition, "type" | "sdkVersion">): void {
  if (typeof plugin.sdkVersion !== "string" || major(plugin.sdkVersion) !== major(SDK_VERSION)) {
    throw new Error(`plugin "${plugin.type}" targets SDK ${String(plugin.sdkVersion)}, but this server provides SDK ${SDK_VERSION}`);
  }
}
