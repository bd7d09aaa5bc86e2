import { corePath } from "../framework/core-path.js";
import { type DocumentedMount, type DocumentedPath, openApiDocument } from "../framework/path-docs.js";
import type { MountTable } from "../mounts/mount-table.js";
import type { Acl } from "../policy/types.js";

/** A path with its captures filled with a sample name: what the ACL is asked about a pattern. */
const samplePath = (mount: DocumentedMount, def: DocumentedPath): string =>
  mount.path + def.pattern.replace(/\/\?$/, "/").split("/").map((seg) => (seg.startsWith(":") ? "name" : seg)).join("/");

/**
 * Which paths a caller sees (Vault scopes the document to the token): root everything; a token the
 * paths its ACL grants anything on; no token only the unauthenticated (login) paths.
 */
function visibleTo(acl: Acl | undefined): (mount: DocumentedMount, def: DocumentedPath) => boolean {
  if (acl?.root) return () => true;
  return (mount, def) => def.unauthenticated === true || (acl !== undefined && acl.capabilities(samplePath(mount, def)).some((c) => c !== "deny"));
}

/**
 * sys/internal/specs/openapi: unauthenticated as in Vault (not in its default policy; any token,
 * or none, is answered), the document scoped to the token sent.
 */
export function sysOpenApiPaths(mounts: MountTable) {
  return [
    corePath({
      pattern: "internal/specs/openapi",
      fields: {},
      unauthenticated: true,
      optionalToken: true,
      help: "Generate an OpenAPI 3 document of the mounted backends' paths, scoped to the caller's token.",
      description:
        "Built from every mount's declared paths, fields and operations (core and plugin mounts, at their mount path). " +
        "Without a token only the unauthenticated (login) paths are listed; with one, the paths its policies grant anything on; root sees all.",
      operations: {
        read: async (req) => {
          const documented: DocumentedMount[] = mounts.all().map((e) => ({ path: e.record.path, type: e.record.type, description: e.record.description, paths: e.backend.paths }));
          return { raw: { body: openApiDocument(documented, visibleTo(req.acl)) } };
        },
      },
    }),
  ];
}
