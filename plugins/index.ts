/** The server's registry of builtin auth methods. Later plugins append to this list. */
import { alicloudPlugin } from "./alicloud/backend.js";

export const builtinPlugins = [alicloudPlugin];
