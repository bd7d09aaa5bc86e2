import type { Clock } from "../../sdk/clock.js";
import type { KvStore } from "../../storage/types.js";
import { type AnyCorePath, corePath } from "../framework/core-path.js";
import { type BuildInfo, buildInfo } from "../version.js";

/** Where each version that ever ran on this storage is recorded (behind the barrier, like all kv). */
const NAMESPACE = "core/versions";

interface VersionRecord {
  build_date: string;
  /** RFC 3339 to the second, as Vault writes it. */
  timestamp_installed: string;
}

/**
 * Records the running version the first time a node of it unseals this storage: one atomic
 * insert-if-absent, so nodes of one version booting together record it once, with the first time.
 */
export async function recordRunningVersion(kv: KvStore, clock: Clock, info: BuildInfo = buildInfo()): Promise<void> {
  // Read first: a restart of a known version writes nothing (so waits for no WAL sync).
  if ((await kv.get(NAMESPACE, info.version)) !== undefined) return;
  const record: VersionRecord = { build_date: info.buildDate, timestamp_installed: new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, "Z") };
  await kv.putIfAbsent(NAMESPACE, info.version, record);
}

/**
 * sys/version-history (Vault's): every version that ran here, oldest first by the time it was
 * first seen, with the one before it. Answered to a list (LIST or ?list=true, as Vault) and to a
 * plain GET.
 */
export function sysVersionPaths(kv: KvStore): AnyCorePath[] {
  const history = async () => {
    const records: Array<[string, VersionRecord]> = [];
    for (const key of await kv.listKeys(NAMESPACE, "")) {
      const r = (await kv.get(NAMESPACE, key)) as VersionRecord | undefined;
      if (r) records.push([key, r]);
    }
    records.sort(([ka, a], [kb, b]) => a.timestamp_installed.localeCompare(b.timestamp_installed) || ka.localeCompare(kb));
    const keyInfo: Record<string, unknown> = {};
    records.forEach(([version, r], i) => {
      keyInfo[version] = { build_date: r.build_date, previous_version: i === 0 ? null : records[i - 1]![0], timestamp_installed: r.timestamp_installed };
    });
    return { data: { keys: records.map(([v]) => v), key_info: keyInfo } };
  };
  return [
    corePath({
      pattern: "version-history/?",
      help: "The versions of warden that have run on this storage, the time each was first seen and the one before it.",
      fields: {},
      operations: { list: history, read: history },
    }),
  ];
}
