// Bench-only preload (node --import): this build with the barrier as a pass-through, the "before" of
// the barrier's cost (issue 13: lookup-self and AppRole login within 5 % of the same build without it;
// bench/lib/barrier.mjs, cpu-per-request.mjs --vs no-barrier). The core boots over the storage adapter
// itself instead of barrierStorage(adapter): every value goes to its own column in clear, as before the
// barrier existed, and nothing is encrypted, opened or memoised (the seal's upgrade step at unseal
// rewrites no row either). Everything else is this build's (the seal's init/unseal and its sealed
// gate included), so the difference measured is the barrier's alone. Only the bench passes this file:
// the server has no config key, flag or environment variable for it.
import { Core } from "../../dist/src/core/core.js";
import { requireUnbundled } from "./unbundled.mjs";

requireUnbundled("no-barrier-preload.mjs");

const boot = Core.boot;
const PATCHED = Symbol("no-barrier");
Core.boot = function bootWithoutBarrier(options) {
  // barrierStorage(raw, barrier) is Object.create(raw) with its own encrypting stores on top.
  const wrapped = options.storage;
  const raw = Object.getPrototypeOf(wrapped);
  if (!Object.hasOwn(wrapped, "tokens") || !("tokens" in raw) || typeof raw.rewriteAll !== "function") {
    throw new Error("no-barrier-preload: Core.boot was not given barrierStorage(raw, barrier); update this preload");
  }
  // The seal's upgrade (encrypt any clear value before the core boots, at every unseal) must leave the
  // clear values alone: its transaction still inserts what it inserts (the seal record at init) but
  // rewrites no row.
  if (!Object.hasOwn(raw, PATCHED)) {
    const rewriteAll = raw.rewriteAll;
    Object.defineProperty(raw, PATCHED, { value: true });
    raw.rewriteAll = (rewrite) => rewriteAll.call(raw, { ...rewrite, rows: {} });
  }
  // As the barrier does: the core's close leaves the adapter to the seal manager.
  const storage = Object.create(raw, { close: { value: async () => undefined }, ping: { value: () => raw.ping() } });
  return boot.call(this, { ...options, storage });
};
console.error("[bench] barrier pass-through: the core runs on the storage adapter without the barrier (bench only)");
