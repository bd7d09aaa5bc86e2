import type { Fields } from "../../sdk/fields.js";
import type { HandlerResult, Operation, PathDefinition, PluginRequest } from "../../sdk/plugin.js";
import type { EntitySnapshot } from "../identity/identity-service.js";
import type { Acl } from "../policy/types.js";
import type { Caller, Minted } from "../tokens/token-service.js";

/**
 * The server's own backends (sys/, auth/token/) are declared with the same path framework as
 * plugins; their handlers additionally see who is calling.
 */
export interface CoreRequest<F extends Fields = Fields> extends PluginRequest<F> {
  caller: Caller | undefined;
  /** The caller's entity, when its token has one. */
  identity: EntitySnapshot | undefined;
  acl: Acl | undefined;
  /** The winning ACL rule grants sudo on this path (or the caller is root). */
  sudo: boolean;
  /** The response-wrapping TTL the request asked for (X-Vault-Wrap-TTL), in seconds. */
  wrapTtl?: number;
  /** The request's data as sent, for paths that take arbitrary input (sys/wrapping/wrap). */
  input?: Record<string, unknown>;
}

export interface CoreResult extends HandlerResult {
  /** A token this request issued or renewed; answered as Vault's `auth` block. */
  issued?: Minted;
  /** Keep the response's `auth.client_token` empty (renew-accessor). */
  hideClientToken?: boolean;
  /**
   * Answer this JSON body as is, without Vault's envelope, with these headers (e.g. Cache-Control):
   * documents read by non-Vault clients such as OIDC discovery and JWKS.
   */
  raw?: { body: Record<string, unknown>; headers?: Record<string, string> };
  /** sys/wrapping/rewrap: wrap this stored answer again, keeping its TTL and creation path. */
  rewrap?: { response: string; ttl: number; creationPath: string };
}

export interface CorePathDefinition<F extends Fields> extends Omit<PathDefinition<F>, "operations" | "existenceCheck"> {
  operations: Partial<Record<Operation, (req: CoreRequest<F>) => Promise<CoreResult | void>>>;
  existenceCheck?: (req: CoreRequest<F>) => Promise<boolean>;
  /** Any body key is data (no "unrecognized parameters" warning): sys/wrapping/wrap. */
  takesArbitraryInput?: boolean;
}

/** The pipeline hands core handlers a CoreRequest; plugins only ever get the PluginRequest part. */
export function corePath<F extends Fields>(def: CorePathDefinition<F>): PathDefinition<F> {
  return def as unknown as PathDefinition<F>;
}
