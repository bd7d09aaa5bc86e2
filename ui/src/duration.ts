/**
 * A mount's TTL as an operator reads it: 0 means "use the system's" (as Vault's `auth list -detailed`
 * shows "system"), anything else a Go-style duration ("1h", "1h30m", "45s") like the CLI prints.
 */
export function ttlText(seconds: number | undefined): string {
  if (!seconds || seconds <= 0) return "system default";
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h ? `${h}h` : ""}${m ? `${m}m` : ""}${s ? `${s}s` : ""}`;
}
