import { badRequest } from "../../sdk/errors.js";
import { type AnyCorePath, type CoreRequest, corePath } from "../framework/core-path.js";
import type { ResponseWrapping } from "./response-wrapping.js";

const tokenField = { token: { type: "string" } } as const;

/**
 * sys/wrapping/*. Only lookup is unauthenticated (as in Vault: it uses nothing); unwrap and rewrap
 * are authorised like any request, by the wrapping token itself (its policy allows unwrap) or by
 * the caller's token with the wrapping token in the body (the `default` policy allows wrap, lookup
 * and unwrap).
 */
export function wrappingPaths(wrapping: ResponseWrapping): AnyCorePath[] {
  const lookup = async (req: CoreRequest<typeof tokenField>) => ({ data: await wrapping.lookup(req.data.token) });
  return [
    corePath({
      pattern: "wrapping/wrap", help: "Wrap the request's data in a single-use wrapping token.",
      fields: {},
      takesArbitraryInput: true,
      operations: {
        update: async (req) => {
          if (!req.wrapTtl) throw badRequest("endpoint requires response wrapping to be used");
          return { data: { ...req.input } };
        },
      },
    }),
    corePath({
      pattern: "wrapping/unwrap", help: "Unwrap a wrapping token (once) and return what it wraps.",
      fields: tokenField,
      operations: {
        // The stored body is the answer itself (Vault sends it raw, with its own request_id).
        update: async (req) => ({ raw: { body: await wrapping.unwrap(req.data.token, req.caller) } }),
      },
    }),
    corePath({
      pattern: "wrapping/lookup", help: "Show a wrapping token's properties without unwrapping it.",
      fields: tokenField,
      unauthenticated: true,
      operations: { read: lookup, update: lookup },
    }),
    corePath({
      pattern: "wrapping/rewrap", help: "Exchange a wrapping token for a new one wrapping the same answer.",
      fields: tokenField,
      operations: {
        update: async (req) => {
          // The answer travels only in `rewrap`, which the pipeline always wraps; `data` is never sent.
          return { data: {}, rewrap: await wrapping.rewrap(req.data.token, req.caller) };
        },
      },
    }),
  ];
}
