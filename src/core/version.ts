import { readFileSync } from "node:fs";

/**
 * What this build is. The version is package.json's (the one place it is set); the revision and
 * build date come from dist/build-info.json, which scripts/build-info.mjs writes at `npm run build`
 * and `npm ci` (absent in a bare `tsc` build: then both are empty, and `warden version` says only
 * the version).
 */
export interface BuildInfo {
  version: string;
  /** The git commit built, or "". */
  revision: string;
  /** ISO 8601 time of the build, or "". */
  buildDate: string;
}

// dist/src/core/version.js -> the repository root and dist/.
const root = new URL("../../../", import.meta.url);
const dist = new URL("../../", import.meta.url);

export const WARDEN_VERSION: string = (JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as { version: string }).version;

let cached: BuildInfo | undefined;

export function buildInfo(): BuildInfo {
  if (cached) return cached;
  let revision = "";
  let buildDate = "";
  try {
    const raw = JSON.parse(readFileSync(new URL("build-info.json", dist), "utf8")) as { revision?: unknown; build_date?: unknown };
    if (typeof raw.revision === "string" && /^[0-9a-f]{7,40}$/.test(raw.revision)) revision = raw.revision;
    if (typeof raw.build_date === "string" && !Number.isNaN(Date.parse(raw.build_date))) buildDate = raw.build_date;
  } catch {
    // No build info: a development build.
  }
  cached = { version: WARDEN_VERSION, revision, buildDate };
  return cached;
}

/** Vault's version line: "Warden v0.1.0 (<revision>), built <date>", leaving out what is unknown. */
export function versionLine(info: BuildInfo = buildInfo()): string {
  return `Warden v${info.version}${info.revision ? ` (${info.revision})` : ""}${info.buildDate ? `, built ${info.buildDate}` : ""}`;
}
