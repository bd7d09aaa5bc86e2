/**
 * Test-only: the SDK kit's handler harness on an oci mount. Not imported by the plugin itself.
 */
import { type HandlerHarness, handlerHarness } from "warden/sdk/testing";

export { recordingLogger } from "warden/sdk/testing";

export function harness(opts: { timeoutMs?: number } = {}): HandlerHarness {
  return handlerHarness({ type: "oci", ...opts });
}
