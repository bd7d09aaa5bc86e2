/**
 * Test-only: drives approle path handlers the way the core does (field parsing, captures, the
 * existence check picking create or update), over the SDK's in-memory storage, with a recording
 * logger. Not imported by the plugin itself.
 */
import type { HandlerResult, Operation } from "warden/sdk";
import { type HandlerHarness, handlerHarness } from "warden/sdk/testing";
import { approlePlugin } from "./backend.js";

export { MemoryStorage, recordingLogger } from "warden/sdk/testing";

export interface Harness extends Omit<HandlerHarness, "call"> {
  /** `op` on a path inside the mount ("role/dev/secret-id"); "write" runs the existence check. */
  call(op: Operation | "write", path: string, input?: object): Promise<HandlerResult | void>;
  data(op: Operation | "write", path: string, input?: object): Promise<Record<string, unknown>>;
}

/** The SDK kit's handler harness on an approle mount, reaching handlers by path as the core does. */
export function harness(): Harness {
  const h = handlerHarness({ type: "approle", plugin: approlePlugin, timeoutMs: 1000 });
  return Object.assign(h, {
    call: (op: Operation | "write", path: string, input?: object) => h.route(op, path, input),
    data: async (op: Operation | "write", path: string, input?: object) => ((await h.route(op, path, input)) as HandlerResult | undefined)?.data ?? {},
  });
}

export { assertRejects } from "warden/sdk/testing";
