/** The server's registry of builtin auth methods. Later plugins append to this list. */
import { alicloudPlugin } from "./alicloud/backend.js";
import { ociPlugin } from "./oci/backend.js";
import { approlePlugin } from "./approle/backend.js";
import { jwtPlugin } from "./jwt/backend.js";

export const builtinPlugins = [alicloudPlugin, ociPlugin, approlePlugin, jwtPlugin];
