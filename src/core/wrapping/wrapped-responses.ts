import type { KvStore } from "../../storage/types.js";
import type { SealedResponse } from "./sealed-response.js";

/** Vault's cubbyhole/response and cubbyhole/wrapinfo of one wrapping token, as one stored entry. */
export interface WrappedResponse {
  /** The JSON body the caller would have received unwrapped, sealed under the wrapping token. */
  response: SealedResponse;
  /** Seconds: what lookup reports and what a rewrap keeps. */
  creationTtl: number;
  /** RFC3339. */
  creationTime: string;
  /** The request path that was wrapped (a rewrap keeps the original one). */
  creationPath: string;
}

const NAMESPACE = "sys/wrapping";

/**
 * Wrapped responses, keyed by the wrapping token's hash (never the token), stored as single-use
 * counted entries expiring with the token: taking one is one atomic statement, so under any
 * concurrency, on any number of nodes, exactly one unwrap gets it. The periodic tidy deletes expired
 * entries. The answer itself is sealed under a key derived from the token (sealed-response.ts).
 */
export class WrappedResponses {
  constructor(private readonly kv: KvStore) {}

  put(tokenHash: string, entry: WrappedResponse, expiresAt: number): Promise<void> {
    return this.kv.putCounted(NAMESPACE, tokenHash, entry, 1, expiresAt);
  }

  /** Claims the entry (one atomic statement), then erases it; undefined when gone, used or expired. */
  async take(tokenHash: string, now = Date.now()): Promise<WrappedResponse | undefined> {
    const taken = await this.kv.takeCounted(NAMESPACE, tokenHash, now);
    if (!taken) return undefined;
    // The claim decided who gets it; the delete erases the secret now rather than at the next tidy
    // (and, on SQLite, resolves only once the claim is durable: it commits with it).
    await this.kv.deleteCounted(NAMESPACE, tokenHash);
    return taken.value as WrappedResponse;
  }

  async peek(tokenHash: string, now = Date.now()): Promise<WrappedResponse | undefined> {
    return (await this.kv.peekCounted(NAMESPACE, tokenHash, now))?.value as WrappedResponse | undefined;
  }

  /** Drops an entry whose token could not be made or was revoked before anyone unwrapped it. */
  async discard(tokenHash: string): Promise<void> {
    await this.kv.deleteCounted(NAMESPACE, tokenHash);
  }
}
