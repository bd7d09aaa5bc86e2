/**
 * Making, checking and ending a mount's plugin instance (see sdk/mount-instance.ts for the
 * lifecycle a plugin sees). Both plugin shapes end up as a PluginInstance: a factory's `setup`
 * builds one per mount; an older paths-only definition is wrapped (its paths shared by its mounts).
 */
import { WardenError, badRequest } from "../../sdk/errors.js";
import type { MountContext, PluginInstance } from "../../sdk/mount-instance.js";
import { type AnyPlugin, type Logger, type PluginDefinition, isPluginFactory } from "../../sdk/plugin.js";
import { PathMatcher } from "../framework/path-matcher.js";
import { withDeadline } from "./deadline.js";

const firstLine = (e: unknown): string => (e instanceof Error ? e.message.split("\n")[0]! : String(e)).slice(0, 300);

/** The instance of an older paths-only definition: the shared paths, no lifecycle hooks. */
export function legacyInstance(def: PluginDefinition, ctx: Pick<MountContext, "storage" | "mount">): PluginInstance {
  const endpoints = def.configuredEndpoints;
  return {
    paths: def.paths,
    ...(def.renew ? { renew: def.renew } : {}),
    ...(endpoints ? { configuredEndpoints: () => endpoints({ storage: ctx.storage, mount: ctx.mount }) } : {}),
  };
}

/**
 * The mount's instance, built within `deadlineMs`. A factory that throws, returns something that
 * cannot serve, or runs past the deadline is a 400 naming the plugin; an instance that arrives after
 * the deadline is cleaned up at once, so nothing it holds stays behind.
 */
export async function setupInstance(plugin: AnyPlugin, ctx: MountContext, deadlineMs: number): Promise<PluginInstance> {
  if (!isPluginFactory(plugin)) return legacyInstance(plugin, ctx);
  // Named as the operator knows it: the mount's type (the catalog name).
  const name = ctx.mount.type;
  const building = Promise.resolve().then(() => plugin.setup(ctx));
  let raw: unknown;
  try {
    raw = await withDeadline(building, deadlineMs, () => badRequest(`plugin "${name}": setup did not finish within ${deadlineMs} ms`));
  } catch (e) {
    building.then((late) => void endInstance(late as PluginInstance, ctx.log), () => undefined);
    if (e instanceof WardenError) throw e;
    throw badRequest(`plugin "${name}": setup failed: ${firstLine(e)}`);
  }
  try {
    return checkInstance(raw);
  } catch (e) {
    void endInstance(raw as PluginInstance, ctx.log);
    throw badRequest(`plugin "${name}": setup did not return a valid instance: ${(e as Error).message}`);
  }
}

/** What both plugin shapes declare besides paths: the outbound hosts and the CLI's login handler. */
export function checkDeclarations(def: Partial<Pick<PluginDefinition, "outboundHosts" | "login">>, bad: (why: string) => Error): void {
  if (def.outboundHosts !== undefined && (!Array.isArray(def.outboundHosts) || def.outboundHosts.some((h) => typeof h !== "string" && typeof h !== "function"))) {
    throw bad("outboundHosts must list host names or predicates");
  }
  const login = def.login as { help?: unknown; login?: unknown } | undefined;
  if (login !== undefined && (login === null || typeof login !== "object" || typeof login.help !== "string" || typeof login.login !== "function")) {
    throw bad("login must be a login handler: { help, login(input) }");
  }
}

const HOOKS = ["renew", "configuredEndpoints", "cleanup", "invalidate", "tuned"] as const;

/** What the core needs of an instance before it serves a request: throws an Error saying what is wrong. */
export function checkInstance(raw: unknown): PluginInstance {
  if (raw === null || typeof raw !== "object") throw new Error("no instance object");
  const inst = raw as Partial<PluginInstance>;
  if (!Array.isArray(inst.paths) || inst.paths.length === 0) throw new Error("paths must be a non-empty array");
  for (const p of inst.paths) {
    if (p === null || typeof p !== "object" || typeof p.pattern !== "string" || p.fields === null || typeof p.fields !== "object" || p.operations === null || typeof p.operations !== "object") {
      throw new Error("every path needs pattern, fields and operations");
    }
    if (Object.values(p.operations).some((h) => typeof h !== "function")) throw new Error(`path "${p.pattern}": operations must be functions`);
  }
  for (const hook of HOOKS) if (inst[hook] !== undefined && typeof inst[hook] !== "function") throw new Error(`${hook} must be a function`);
  new PathMatcher({ paths: inst.paths });
  return inst as PluginInstance;
}

/** cleanup(), awaited; a failure is logged, never thrown (the mount is gone either way). */
export async function endInstance(inst: PluginInstance | undefined, log: Logger, deadlineMs = 0): Promise<void> {
  if (typeof inst?.cleanup !== "function") return;
  try {
    const cleanup = inst.cleanup.bind(inst);
    await withDeadline(Promise.resolve().then(cleanup), deadlineMs, () => new Error(`cleanup did not finish within ${deadlineMs} ms`));
  } catch (e) {
    log.error("plugin cleanup failed", { error: firstLine(e) });
  }
}

/** Calls a notification hook (invalidate, tuned); a throw or a rejection is logged, never passed on. */
export function notifyInstance<K extends "invalidate" | "tuned">(inst: PluginInstance, hook: K, arg: Parameters<NonNullable<PluginInstance[K]>>[0], log: Logger): void {
  const fn = inst[hook] as ((a: typeof arg) => unknown) | undefined;
  if (typeof fn !== "function") return;
  try {
    const r = fn.call(inst, arg);
    if (r instanceof Promise) r.catch((e: unknown) => log.error(`plugin ${hook} failed`, { error: firstLine(e) }));
  } catch (e) {
    log.error(`plugin ${hook} failed`, { error: firstLine(e) });
  }
}
