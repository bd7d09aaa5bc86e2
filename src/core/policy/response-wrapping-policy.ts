import type { TokenRecord } from "../../storage/types.js";

/**
 * Vault's fixed `response-wrapping` policy: the only policy of a wrapping token, which may do nothing
 * but unwrap itself. Built in (never stored), readable, never written, deleted or assigned to a
 * token by a caller; not listed, as in Vault.
 */
export const RESPONSE_WRAPPING_POLICY = "response-wrapping";

export const RESPONSE_WRAPPING_POLICY_TEXT = `# A response-wrapping token may only unwrap the response it wraps
path "sys/wrapping/unwrap" {
  capabilities = ["update"]
}
`;

/** Vault's IsWrappingToken: exactly the one fixed policy. */
export function isWrappingToken(record: TokenRecord): boolean {
  return record.policies.length === 1 && record.policies[0] === RESPONSE_WRAPPING_POLICY;
}
