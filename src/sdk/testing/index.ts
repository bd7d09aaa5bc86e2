/**
 * warden/sdk/testing: what plugin authors use in their tests.
 *  - MemoryStorage, handlerHarness, recordingLogger: call handlers directly (unit tests);
 *  - startTestServer: a real server in-process with your plugin, over real HTTP (end-to-end tests);
 *  - assertToken: checks a login's token fields;
 *  - TestClock: the clock a test server runs on (startTestServer's `clock`), moved forward instead of sleeping;
 *  - suite / test: uvu's, with failing before/after hooks reported instead of swallowed (also alone,
 *    without the server, as warden/sdk/testing/suite).
 */
export { MemoryStorage } from "./memory-storage.js";
export {
  type HandlerHarness,
  type HandlerHarnessOptions,
  type LogLine,
  type RecordingLogger,
  handlerHarness,
  recordingLogger,
  uniqueAccessor,
} from "./handler-harness.js";
export { type RequestOptions, type TestResponse, type TestServer, type TestServerOptions, startTestServer } from "./server.js";
export { type LoginAuth, type TokenExpectation, assertRejects, assertToken } from "./assertions.js";
export { pluginSha256 } from "./pin.js";
export { suite, test } from "./suite.js";
export { TestClock } from "./clock.js";
