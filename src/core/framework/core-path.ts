import type { Fields } from "../../sdk/fields.js";
import type { HandlerResult, PathDefinition, PluginRequest } from "../../sdk/plugin.js";
import type { EntitySnapshot } from "../identity/identity-service.js";
import type { Acl } from "../policy/types.js";
import type { Caller, Minted } from "../tokens/token-service.js";

/**
 * The server's own backends (sys/, auth/token/, identity/) are declared with the same path
 * framework as plugins; their handlers additionally see who is calling: the token, its record and
 * its ACL. Only these trusted handlers ever get a CoreRequest; a plugin gets a PluginRequest built
 * for it (see bound-path.ts), which has none of this.
 */
export interface CoreRequest<F extends Fields = Fields> extends Omit<PluginRequest<F>, "caller"> {
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
  /** Answer this text as is (sys/metrics' Prometheus format), with its content type. */
  text?: { body: string; contentType: string };
  /** sys/wrapping/rewrap: wrap this stored answer again, keeping its TTL and creation path. */
  rewrap?: { response: string; ttl: number; creationPath: string };
}

export type CorePathDefinition<F extends Fields = Fields> = PathDefinition<F, CoreRequest<F>, CoreResult> & {
  /** Any body key is data (no "unrecognized parameters" warning): sys/wrapping/wrap. */
  takesArbitraryInput?: boolean;
  /**
   * An unauthenticated path that still authenticates a token when one is sent (an invalid one is a
   * 403) and hands its ACL to the handler, which scopes the answer (sys/internal/specs/openapi).
   */
  optionalToken?: boolean;
};

/** A core path of any field shape: what lists of core paths hold. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCorePath = CorePathDefinition<any>;

/** A backend the server itself provides: mounted once at boot, never from the catalog. */
export interface CoreBackend {
  type: string;
  description: string;
  paths: AnyCorePath[];
}

/** Keeps field inference per path while a backend lists paths of different shapes. */
export function corePath<F extends Fields>(def: CorePathDefinition<F>): CorePathDefinition<F> {
  return def;
}
