/**
 * Polls `check` until it returns a value other than undefined/false, and returns that value; throws
 * after `ms`, naming what it waited for and the last error `check` threw. The way a test waits for
 * something to happen (never a fixed sleep).
 */
export async function waitFor<T>(what: string, ms: number, check: () => Promise<T | undefined | false>, every = 50): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, every));
  }
}
