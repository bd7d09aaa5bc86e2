/**
 * Test-only: the SDK kit's handler harness on an alicloud mount. Not imported by the plugin itself.
 */
import { type HandlerHarness, handlerHarness } from "warden/sdk/testing";

export { MemoryStorage, type LogLine, recordingLogger } from "warden/sdk/testing";

export type Harness = HandlerHarness;

export function harness(opts: { timeoutMs?: number } = {}): Harness {
  return handlerHarness({ type: "alicloud", ...opts });
}
