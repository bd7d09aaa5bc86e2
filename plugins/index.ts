/**
 * Every builtin auth method, loaded: for tests and tools that want the definitions themselves. The
 * server takes builtinPluginSources (builtin.ts), the one list, and loads each on first need.
 */
import { builtinPluginSources } from "./builtin.js";

export const builtinPlugins = await Promise.all(builtinPluginSources.map((s) => s.load()));
