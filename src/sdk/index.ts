/**
 * warden's public plugin SDK: everything an auth method may use. Plugins import only this module
 * ("warden/sdk"); the core implements the interfaces declared here.
 */
export * from "./errors.js";
export * from "./fields.js";
export * from "./encoding.js";
export * from "./hmac.js";
export * from "./cidr.js";
export * from "./clock.js";
export * from "./token-params.js";
export * from "./plugin.js";
export * from "./mount-instance.js";
export * from "./login-handler.js";
export * from "./http-client.js";
export * from "./http-url.js";
export * from "./roles.js";
export * from "./renew.js";
