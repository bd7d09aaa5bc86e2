import { createRequire } from "node:module";
import { isIP } from "node:net";
import type Ipaddr from "ipaddr.js";
import { badRequest } from "./errors.js";

// Required, not imported: an ES import of this CommonJS package makes Node scan its source for export
// names first (cjs-module-lexer), ~7 ms of every server start. And required at the first CIDR handled,
// not when this module loads (every start, through warden/sdk): loading it cost ~5 ms more.
let loaded: typeof Ipaddr | undefined;
const lib = (): typeof Ipaddr => (loaded ??= createRequire(import.meta.url)("ipaddr.js") as typeof Ipaddr);

/**
 * CIDR handling with the pitfalls of ipaddr.js closed: addresses are validated with node:net first
 * (no octal or short IPv4 forms), IPv4-mapped IPv6 is unmapped on both sides, and matching across
 * kinds is a plain "no".
 */
export type Cidr = [Ipaddr.IPv4 | Ipaddr.IPv6, number];

/** Parses an operator-supplied CIDR or bare address and returns its canonical text ("10.0.0.0/8"). */
export function canonicalCidr(input: string): string {
  const s = input.trim();
  const slash = s.indexOf("/");
  const addrText = slash === -1 ? s : s.slice(0, slash);
  const prefixText = slash === -1 ? undefined : s.slice(slash + 1);
  const kind = isIP(addrText);
  if (kind === 0) throw badRequest(`invalid CIDR or address "${truncate(s)}"`);
  const ipaddr = lib();
  let addr: Ipaddr.IPv4 | Ipaddr.IPv6 = ipaddr.parse(addrText);
  const max = kind === 4 ? 32 : 128;
  let prefix = max;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText)) throw badRequest(`invalid CIDR prefix in "${truncate(s)}"`);
    prefix = Number.parseInt(prefixText, 10);
    if (prefix > max) throw badRequest(`invalid CIDR prefix in "${truncate(s)}"`);
  }
  if (addr instanceof ipaddr.IPv6 && addr.isIPv4MappedAddress() && prefix >= 96) {
    addr = addr.toIPv4Address();
    prefix -= 96;
  }
  const network =
    addr instanceof ipaddr.IPv4
      ? ipaddr.IPv4.networkAddressFromCIDR(`${addr.toString()}/${prefix}`)
      : ipaddr.IPv6.networkAddressFromCIDR(`${addr.toString()}/${prefix}`);
  return `${network.toString()}/${prefix}`;
}

export function canonicalCidrs(inputs: readonly string[]): string[] {
  return [...new Set(inputs.map(canonicalCidr))];
}

/** True when the canonical CIDR `inner` lies entirely inside one of the canonical `outer` CIDRs. */
export function cidrWithin(inner: string, outer: readonly string[]): boolean {
  const [net, prefixText] = inner.split("/");
  const prefix = Number(prefixText);
  return outer.some((o) => prefix >= Number(o.split("/")[1]) && addressInCidrs(net, [o]));
}

function truncate(s: string): string {
  return s.length > 60 ? `${s.slice(0, 60)}...` : s;
}

/** Normalises a socket or forwarded address: strips brackets, unmaps ::ffff:, refuses zone ids. */
export function normalizeAddress(input: string | undefined): string | undefined {
  if (!input) return undefined;
  let s = input.trim();
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  if (s.includes("%") || isIP(s) === 0) return undefined;
  return lib().process(s).toString();
}

const parsedCache = new Map<string, Cidr>();

function parsedCidr(canonical: string): Cidr {
  let parsed = parsedCache.get(canonical);
  if (!parsed) {
    parsed = lib().parseCIDR(canonical);
    if (parsedCache.size > 10_000) parsedCache.clear();
    parsedCache.set(canonical, parsed);
  }
  return parsed;
}

/** True when `address` (normalised) lies in one of the canonical CIDRs. Unknown address: false. */
export function addressInCidrs(address: string | undefined, cidrs: readonly string[]): boolean {
  const normalized = normalizeAddress(address);
  if (normalized === undefined) return false;
  const addr = lib().parse(normalized);
  for (const c of cidrs) {
    try {
      const range = parsedCidr(c);
      if (addr.kind() === range[0].kind() && addr.match(range)) return true;
    } catch {
      // a range of the other kind, or one stored before validation got stricter: no match
    }
  }
  return false;
}
