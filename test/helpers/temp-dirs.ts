import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A suite's temporary directories: each call of the returned function makes a new one (named
 * `prefix` + random), and all of them are removed when the suite ends (its `after` hook).
 *
 *     const freshDir = tempDirs(t, "warden-seal-");
 */
export function tempDirs(t: { after(hook: () => void): void }, prefix: string): () => string {
  const dirs: string[] = [];
  t.after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
}
