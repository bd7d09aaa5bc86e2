import type { Fields, FieldValues } from "../../sdk/fields.js";
import type { CallerInfo, HandlerResult, Logger, Operation, PathDefinition, PluginRequest } from "../../sdk/plugin.js";
import type { CoreMountEntry, MountEntry, PluginMountEntry } from "../mounts/mount-table.js";
import type { Caller } from "../tokens/token-service.js";
import type { AnyCorePath, CoreRequest, CoreResult } from "./core-path.js";
import type { DocumentedPath } from "./path-docs.js";

/** Everything the pipeline knows when it calls a handler; each audience gets its own part of it. */
export interface CallContext extends Pick<CoreRequest, "caller" | "identity" | "acl" | "sudo" | "wrapTtl" | "input"> {
  operation: Operation;
  /** The canonical path inside the mount. */
  path: string;
  data: FieldValues<Fields>;
  has(field: string): boolean;
  clientAddress: string | undefined;
  requestHost: string;
  /** The mount's logger for this request: its lines carry the request id. */
  log: Logger;
}

/** What the pipeline needs of a path's declaration, whoever serves it. */
export type PathRules = Pick<PathDefinition, "pattern" | "fields" | "unauthenticated" | "sudo" | "lockout"> & {
  /** Any body key is data, so no "unrecognized parameters" warning (core paths only: sys/wrapping/wrap). */
  takesArbitraryInput?: boolean;
  /** Unauthenticated, but a token sent is authenticated and scopes the answer (core paths only). */
  optionalToken?: boolean;
};

/** A matched path, its handlers callable with a CallContext whatever request type they take. */
export interface BoundPath {
  rules: PathRules;
  /** The declaration as the API docs show it (path help). */
  docs: DocumentedPath;
  /** The path decides create vs update itself (undefined: every write is an update). */
  existenceCheck: ((ctx: CallContext) => Promise<boolean>) | undefined;
  /** The handler of `op`; a create falls back to update, as in Vault. */
  handler(op: Operation): ((ctx: CallContext) => Promise<CoreResult | void>) | undefined;
  /** The login role the request names (PathDefinition.resolveRole); undefined: the path declares none. */
  resolveRole: ((ctx: CallContext) => Promise<string | undefined>) | undefined;
}

export interface Routed {
  bound: BoundPath;
  captures: Record<string, string>;
  /** The canonical remainder (case-folding captures folded). */
  remainder: string;
}

/**
 * Bindings per compiled path: a compiled path belongs to one mount entry's matcher (a new entry on
 * mount, tune or reload compiles anew), so a binding is made once per path and mount.
 */
const bindings = new WeakMap<object, BoundPath>();

/** Matches `remainder` against the mount's paths and binds the result to the mount's audience. */
export function route(entry: MountEntry, remainder: string): Routed | undefined {
  if (entry.builtin) {
    const m = entry.matcher.match(remainder);
    return m && { bound: cached(m.path, () => bindCore(entry, m.path.def)), captures: m.captures, remainder: m.remainder };
  }
  const m = entry.matcher.match(remainder);
  return m && { bound: cached(m.path, () => bindPlugin(entry, m.path.def)), captures: m.captures, remainder: m.remainder };
}

function cached(compiled: object, bind: () => BoundPath): BoundPath {
  let bound = bindings.get(compiled);
  if (!bound) {
    bound = bind();
    bindings.set(compiled, bound);
  }
  return bound;
}

function pick<H>(operations: Partial<Record<Operation, H>>, op: Operation): H | undefined {
  return operations[op] ?? (op === "create" ? operations.update : undefined);
}

function bindCore(entry: CoreMountEntry, def: AnyCorePath): BoundPath {
  const request = (ctx: CallContext): CoreRequest => ({
    operation: ctx.operation,
    path: ctx.path,
    data: ctx.data,
    has: ctx.has,
    storage: entry.storage,
    mount: entry.info,
    clientAddress: ctx.clientAddress,
    requestHost: ctx.requestHost,
    http: entry.http,
    log: ctx.log,
    caller: ctx.caller,
    identity: ctx.identity,
    acl: ctx.acl,
    sudo: ctx.sudo,
    wrapTtl: ctx.wrapTtl,
    input: ctx.input,
  });
  const check = def.existenceCheck;
  const resolveRole = def.resolveRole;
  return {
    rules: def,
    docs: def,
    existenceCheck: check && ((ctx) => check(request(ctx))),
    resolveRole: resolveRole && ((ctx) => resolveRole(request(ctx))),
    handler(op) {
      const h = pick(def.operations, op);
      return h && ((ctx) => h(request(ctx)));
    },
  };
}

function bindPlugin(entry: PluginMountEntry, def: PathDefinition): BoundPath {
  const check = def.existenceCheck;
  const resolveRole = def.resolveRole;
  return {
    rules: def,
    docs: def,
    existenceCheck: check && ((ctx) => check(pluginRequest(entry, ctx))),
    resolveRole: resolveRole && ((ctx) => resolveRole(pluginRequest(entry, ctx))),
    handler(op) {
      const h = pick(def.operations, op);
      return h && (async (ctx) => pluginResult(await h(pluginRequest(entry, ctx))));
    },
  };
}

/**
 * A fresh object per call with exactly the SDK's PluginRequest properties: the caller's token,
 * token record, entity snapshot and ACL are not on it, nor reachable through anything on it.
 */
export function pluginRequest(entry: PluginMountEntry, ctx: CallContext): PluginRequest {
  const req: PluginRequest = {
    operation: ctx.operation,
    path: ctx.path,
    data: ctx.data,
    has: ctx.has,
    storage: entry.storage,
    mount: { ...entry.info },
    clientAddress: ctx.clientAddress,
    requestHost: ctx.requestHost,
    http: entry.http,
    log: ctx.log,
  };
  if (ctx.caller) req.caller = callerInfo(ctx.caller);
  return req;
}

function callerInfo(caller: Caller): CallerInfo {
  const r = caller.record;
  return Object.freeze({ entityId: r.entityId, displayName: r.displayName, policies: Object.freeze([...r.policies]) });
}

/** Only what a plugin may answer: core-only result fields (issued tokens, raw bodies) are dropped. */
function pluginResult(r: HandlerResult | void): CoreResult | undefined {
  if (!r) return undefined;
  const out: CoreResult = {};
  if (r.data !== undefined) out.data = r.data;
  if (r.warnings !== undefined) out.warnings = r.warnings;
  if (r.auth !== undefined) out.auth = r.auth;
  return out;
}
