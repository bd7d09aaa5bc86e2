/**
 * Races `work` against a timer. JavaScript cannot stop a promise, so a plugin call past its deadline
 * keeps running in the background; what the deadline buys is that the request (and its database
 * connection, its client) is answered and released, and nothing waits on the plugin forever.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  if (!(ms > 0) || !Number.isFinite(ms)) return work;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    timer.unref();
    work.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** The default time a plugin handler (or renew callback) may take before its request gets a 500. */
export const DEFAULT_PLUGIN_DEADLINE_MS = 30_000;
