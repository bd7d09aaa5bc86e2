/** warden/sdk/testing: what plugin authors use in their tests. */
export { MemoryStorage } from "./memory-storage.js";
