import { AssertionError } from "node:assert";
import { WardenError } from "../errors.js";

/** The `auth` block of a login response, as warden (and Vault) answer it. */
export interface LoginAuth {
  client_token: string;
  accessor: string;
  policies: string[];
  token_policies: string[];
  identity_policies?: string[];
  metadata: Record<string, string> | null;
  lease_duration: number;
  renewable: boolean;
  entity_id: string;
  token_type: string;
  orphan: boolean;
  num_uses: number;
}

/** What a test expects of a token; every field given is checked, the others are not. */
export interface TokenExpectation {
  /** token_policies, in any order ("default" included when the role adds it). */
  policies?: string[];
  /** Every entry must be in the token's metadata (other entries may exist). */
  metadata?: Record<string, string>;
  /** lease_duration in seconds. */
  ttl?: number;
  renewable?: boolean;
  numUses?: number;
}

const fail = (message: string, actual: unknown, expected: unknown): never => {
  throw new AssertionError({ message, actual, expected, operator: "assertToken" });
};

/** Asserts a login's auth block (and that it carries a token at all). Framework-neutral: throws AssertionError. */
export function assertToken(auth: LoginAuth | null | undefined, expect: TokenExpectation): void {
  if (!auth || typeof auth.client_token !== "string" || auth.client_token === "") return fail("no token in the auth block", auth, "a client_token");
  if (expect.policies) {
    const got = [...auth.token_policies].sort();
    const want = [...expect.policies].sort();
    if (JSON.stringify(got) !== JSON.stringify(want)) fail("token_policies differ", got, want);
  }
  for (const [k, v] of Object.entries(expect.metadata ?? {})) {
    if (auth.metadata?.[k] !== v) fail(`metadata.${k} differs`, auth.metadata?.[k], v);
  }
  if (expect.ttl !== undefined && auth.lease_duration !== expect.ttl) fail("lease_duration differs", auth.lease_duration, expect.ttl);
  if (expect.renewable !== undefined && auth.renewable !== expect.renewable) fail("renewable differs", auth.renewable, expect.renewable);
  if (expect.numUses !== undefined && auth.num_uses !== expect.numUses) fail("num_uses differs", auth.num_uses, expect.numUses);
}

/**
 * Asserts that `p` rejects with a WardenError of `status` and, when given, a message equal to a string
 * or matching a RegExp; answers the error. Anything else that is thrown is rethrown as it is.
 * Framework-neutral: throws AssertionError.
 */
export async function assertRejects(p: Promise<unknown>, status: number, expected?: string | RegExp): Promise<WardenError> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof WardenError)) throw e;
    if (e.status !== status) fail(`expected status ${status}, got ${e.status}: ${e.message}`, e.status, status);
    if (typeof expected === "string" && e.message !== expected) fail("unexpected error message", e.message, expected);
    if (expected instanceof RegExp && !expected.test(e.message)) fail(`error message does not match ${expected}`, e.message, String(expected));
    return e;
  }
  return fail("expected a rejection", "resolved", status);
}
