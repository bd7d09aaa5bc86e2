/**
 * The CLI's index of the builtin methods' login handlers (`warden login -method=<type>`). Each one is
 * the `login` of its plugin's definition (a test holds the two together); this index imports only
 * the client-side modules, so the CLI does not load the server's plugin code to print its help.
 */
import type { LoginHandler } from "warden/sdk";
import { alicloudLogin } from "./alicloud/cli.js";
import { approleLogin } from "./approle/cli.js";
import { jwtLogin } from "./jwt/cli.js";
import { ociLogin } from "./oci/cli.js";

export const builtinLoginHandlers: Readonly<Record<string, LoginHandler>> = { alicloud: alicloudLogin, oci: ociLogin, approle: approleLogin, jwt: jwtLogin };
