// OCI's error envelope: {"code","message"} plus the opc-request-id header (oci-auth.md §4).
export class OciError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = "OciError";
  }
}

export const ociErrors = {
  notAuthenticated: () =>
    new OciError(401, "NotAuthenticated", "The required information to complete authentication was not provided or was incorrect."),
  notAuthorizedOrNotFound: () =>
    new OciError(404, "NotAuthorizedOrNotFound", "Authorization failed or requested resource not found."),
  notFound: () => new OciError(404, "NotFound", "The requested resource was not found."),
  cannotParse: () => new OciError(400, "CannotParseRequest", "The request is incorrectly formatted."),
  invalidParameter: (what: string) => new OciError(400, "InvalidParameter", `Invalid ${what}.`),
  methodNotAllowed: () => new OciError(405, "MethodNotAllowed", "The method is not allowed on this resource."),
  tooLarge: () => new OciError(413, "RequestEntityTooLarge", "The request body is too large."),
  internal: () => new OciError(500, "InternalServerError", "An internal server error occurred."),
};
