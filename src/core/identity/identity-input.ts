import { badRequest } from "../../sdk/errors.js";

/** Checks on what an operator writes into entities and groups. */

const NAME = /^[A-Za-z0-9_.@-]{1,128}$/;

export function checkName(name: string): string {
  if (!NAME.test(name)) throw badRequest(`invalid name "${name.slice(0, 40)}"`);
  return name;
}

/** "root" comes only from a root token: an entity or group granting it would mint root on login. */
export function refuseRootPolicy(policies: string[], kind: "entity" | "group"): void {
  if (policies.includes("root")) throw badRequest(`policy "root" cannot be assigned to ${kind === "entity" ? "an entity" : "a group"}`);
}
