// Bench-only preload (node --import): counts the promises the process creates, through V8's promise
// hooks. On SIGUSR2 it writes "<seq> <count>" to $BENCH_PROMISE_DIR/<pid>, so a driver can read the
// count before and after N requests and divide (bench/cpu-per-request.mjs --count-promises). With the
// hooks on, V8 also creates a throwaway promise for each `await`, so the count is of promises and
// await hops together; the hooks slow the process, so a run that counts measures no CPU.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promiseHooks } from "node:v8";

let created = 0;
let seq = 0;
promiseHooks.onInit(() => {
  created++;
});
process.on("SIGUSR2", () => {
  seq++;
  writeFileSync(join(process.env.BENCH_PROMISE_DIR, String(process.pid)), `${seq} ${created}`);
});
