import { WardenError, badRequest } from "../../sdk/errors.js";
import type { TokenRecord } from "../../storage/types.js";
import type { CoreResult } from "../framework/core-path.js";
import type { MountEntry } from "../mounts/mount-table.js";
import { RESPONSE_WRAPPING_POLICY, isWrappingToken } from "../policy/response-wrapping-policy.js";
import type { LogicalRequest, LogicalResponse } from "../request-pipeline.js";
import { type WrapInfo, responseBody } from "../framework/response-envelope.js";
import { type Caller, type TokenService, bareOrphanSpec } from "../tokens/token-service.js";
import { openResponse, sealResponse } from "./sealed-response.js";
import type { WrappedResponse, WrappedResponses } from "./wrapped-responses.js";

/** Vault's consts.ErrInvalidWrappingToken, a 400. */
export const INVALID_WRAPPING_TOKEN = "wrapping token is not valid or does not exist";

const invalidToken = (): WardenError => badRequest(INVALID_WRAPPING_TOKEN);

/** Vault answers a token operand it cannot even read with 403 and this prefix. */
const unreadable = (why: string): WardenError => new WardenError(403, `error validating wrapping token: ${why}`);

/** The paths whose token operand must be a live wrapping token before anything else happens. */
const OPERAND_PATHS = new Set(["sys/wrapping/unwrap", "sys/wrapping/lookup", "sys/wrapping/rewrap"]);

/** What a rewrap hands the wrapper: the stored answer, wrapped again as it was. */
export type Rewrap = NonNullable<CoreResult["rewrap"]>;

export interface ResponseWrappingDeps {
  tokens: TokenService;
  responses: WrappedResponses;
  /** Accessor of the token store mount (auth/token/): wrapping tokens are token-store tokens. */
  tokenMountAccessor(): string;
}

/**
 * Vault's response wrapping. Any successful answer can be wrapped: it is stored behind a new
 * single-use, orphan token with the fixed `response-wrapping` policy and the requested TTL, and the
 * caller receives only `wrap_info`. sys/wrapping/* unwraps, looks up, rewraps and wraps arbitrary data.
 */
export class ResponseWrapping {
  constructor(private readonly deps: ResponseWrappingDeps) {}

  /** sys/wrapping/{unwrap,lookup,rewrap}: their token operand is checked before authentication. */
  checksOperand(path: string): boolean {
    return OPERAND_PATHS.has(path);
  }

  /**
   * Runs before authentication on sys/wrapping/{unwrap,lookup,rewrap}, as Vault's
   * validateWrappingToken does: the token operand (the body's `token`, else the request's token)
   * must be a live wrapping token, else 400 (403 when it cannot even be read). A lookup is
   * unauthenticated, so its operand is handed to the handler in the data.
   */
  async admit(req: LogicalRequest): Promise<LogicalRequest> {
    if (!this.checksOperand(req.path)) return req;
    const body = req.data.token;
    if (body !== undefined && body !== null) {
      if (typeof body !== "string") throw unreadable("could not decode token in request body");
      if (body === "") throw unreadable("empty token in request body");
    }
    const token = typeof body === "string" ? body : req.token;
    if (!token) throw unreadable("token is empty");
    const record = await this.deps.tokens.find(token);
    if (!record || !isWrappingToken(record)) throw invalidToken();
    if (req.path === "sys/wrapping/lookup" && typeof body !== "string") return { ...req, data: { ...req.data, token } };
    return req;
  }

  /**
   * Wraps a finished answer when the request asked for it (X-Vault-Wrap-TTL) or the handler did (a
   * rewrap); with both, the shorter TTL wins. Errors and empty answers are never wrapped.
   */
  async wrap(req: LogicalRequest, entry: MountEntry, result: CoreResult, res: LogicalResponse, caller: Caller | undefined): Promise<LogicalResponse> {
    const ttl = shorter(req.wrapTtl, result.rewrap?.ttl);
    if (ttl === undefined || res.status !== 200 || res.errors) {
      // A rewrap's answer must never go out unwrapped.
      if (result.rewrap) throw new WardenError(500, "internal error");
      return res;
    }
    const now = Date.now();
    // An orphan: the caller's token may be revoked long before the answer is unwrapped.
    const minted = await this.deps.tokens.mint(
      bareOrphanSpec({
        policies: [RESPONSE_WRAPPING_POLICY],
        path: req.path,
        mountAccessor: this.deps.tokenMountAccessor(),
        displayName: caller?.record.displayName ?? "",
        numUses: 1,
        ttl,
        explicitMaxTtl: ttl,
      }),
      now,
    );
    const body = result.rewrap?.response ?? JSON.stringify(responseBody(res, req.id));
    const stored: WrappedResponse = {
      response: sealResponse(body, minted.token, minted.record.idHash),
      creationTtl: ttl,
      creationTime: new Date(now).toISOString(),
      creationPath: result.rewrap?.creationPath ?? req.path,
    };
    try {
      await this.deps.responses.put(minted.record.idHash, stored, minted.record.expiresAt);
    } catch (e) {
      // A token must never outlive a failed store: it would promise an answer that is not there.
      await this.deps.tokens.revokeOrphan(minted.record).catch(() => undefined);
      throw e;
    }
    const wrapInfo: WrapInfo = {
      token: minted.token,
      accessor: minted.record.accessor,
      ttl,
      creation_time: stored.creationTime,
      creation_path: stored.creationPath,
    };
    const wrapped = wrappedAccessor(entry, res);
    if (wrapped) wrapInfo.wrapped_accessor = wrapped;
    return { status: 200, wrapInfo };
  }

  /** sys/wrapping/unwrap: the stored answer, exactly once. */
  async unwrap(operand: string | undefined, caller: Caller | undefined): Promise<Record<string, unknown>> {
    const taken = await this.take(operand, caller);
    return JSON.parse(taken.response) as Record<string, unknown>;
  }

  /** sys/wrapping/rewrap: the stored answer moves to a new token with the same TTL and creation path. */
  async rewrap(operand: string | undefined, caller: Caller | undefined): Promise<Rewrap> {
    const taken = await this.take(operand, caller);
    return { response: taken.response, ttl: taken.entry.creationTtl, creationPath: taken.entry.creationPath };
  }

  /** sys/wrapping/lookup: what the token wraps, without using it. */
  async lookup(operand: string | undefined): Promise<Record<string, unknown>> {
    const record = operand ? await this.liveWrappingToken(operand) : undefined;
    const entry = record && (await this.deps.responses.peek(record.idHash));
    if (!entry) throw invalidToken();
    return { creation_ttl: entry.creationTtl, creation_time: entry.creationTime, creation_path: entry.creationPath };
  }

  /**
   * Takes the stored answer: the claim of the stored entry is the one atomic statement that makes
   * a wrapping token single-use. First party (the wrapping token authenticated this request): the
   * pipeline already took the token's only use and revokes it after the answer. Third party (the
   * token in the body): the token is checked live, and revoked once its answer is taken.
   */
  private async take(operand: string | undefined, caller: Caller | undefined): Promise<{ entry: WrappedResponse; response: string }> {
    const firstParty = !operand || operand === caller?.token;
    const token = firstParty ? caller?.token : operand;
    let record: TokenRecord | undefined;
    if (firstParty) record = caller && isWrappingToken(caller.record) ? caller.record : undefined;
    else record = await this.liveWrappingToken(operand);
    const entry = token && record && (await this.deps.responses.take(record.idHash));
    if (!token || !record || !entry) throw invalidToken();
    if (!firstParty) await this.deps.tokens.revokeOrphan(record);
    const response = openResponse(entry.response, token, record.idHash);
    // Only a corrupted store gets here: the token matched its own entry.
    if (response === undefined) throw new WardenError(500, "internal error");
    return { entry, response };
  }

  private async liveWrappingToken(token: string): Promise<TokenRecord | undefined> {
    const record = await this.deps.tokens.find(token);
    return record && isWrappingToken(record) ? record : undefined;
  }
}

/** The shorter of two optional TTLs (Vault: request and response may both ask for wrapping). */
function shorter(a: number | undefined, b: number | undefined): number | undefined {
  if (!a) return b || undefined;
  if (!b) return a;
  return Math.min(a, b);
}

/**
 * What an orchestrator may track without unwrapping: the accessor of a wrapped token, or of a
 * wrapped AppRole secret id (Vault singles out the approle mount type for that).
 */
function wrappedAccessor(entry: MountEntry, res: LogicalResponse): string | undefined {
  const tokenAccessor = res.auth?.record.accessor;
  if (tokenAccessor) return tokenAccessor;
  const secretIdAccessor = res.data?.secret_id_accessor;
  if (!res.auth && entry.record.type === "approle" && typeof secretIdAccessor === "string") return secretIdAccessor;
  return undefined;
}
