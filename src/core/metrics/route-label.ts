import type { BoundPath } from "../framework/bound-path.js";
import type { MountEntry } from "../mounts/mount-table.js";
import type { Metrics, RouteMetrics } from "./metrics.js";

/**
 * The duration metric's `route` label, from what matched (never the request path, whose captures are
 * unbounded): the mount path and the declared pattern ("auth/approle/login", "auth/token/lookup-self",
 * "identity/entity/id/:id"), or "sys/*" for the whole sys/ backend. A login path of an auth mount also
 * gets the mount's login counters. Computed once per bound path (one per mount and declared path).
 */
const byBound = new WeakMap<BoundPath, { metrics: Metrics; route: RouteMetrics }>();

export function routeMetrics(metrics: Metrics, entry: MountEntry, bound: BoundPath): RouteMetrics {
  const cached = byBound.get(bound);
  if (cached && cached.metrics === metrics) return cached.route;
  const mount = entry.record.path;
  const pattern = bound.rules.pattern.endsWith("/?") ? bound.rules.pattern.slice(0, -2) : bound.rules.pattern;
  const label = mount === "sys/" ? "sys/*" : mount + pattern;
  const isLogin = !entry.builtin && bound.rules.unauthenticated === true && mount.startsWith("auth/");
  const route = metrics.route(label, isLogin ? mount : undefined);
  byBound.set(bound, { metrics, route });
  return route;
}

/** The route of a request that matched no declared path (unknown mount or path, bad path). */
export function unmatchedRoute(metrics: Metrics): RouteMetrics {
  return metrics.unmatched;
}
