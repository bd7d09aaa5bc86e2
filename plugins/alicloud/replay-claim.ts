/**
 * The replay claim of a signed GetCallerIdentity request: one atomic claim per signature, before any
 * outbound call, held for twice the timestamp window (a signature can be presented from 15 minutes
 * before its Timestamp to 15 minutes after).
 *
 * The key is the signed Timestamp, then a digest of the access key id and nonce (the database never
 * holds either in clear): a replay carries the same Timestamp (it is signed), and keys that start with
 * the time land on the last pages of the claims index, which a group commit writes once for all the
 * logins it carries. A key of the digest alone (warden before this change) put every login on a random
 * index page: per login under load, 3 more WAL/checkpoint page writes and 1 more page read (strace).
 *
 * Claims of the earlier shape live up to 30 minutes. So a mount that may hold them (one that already
 * had roles when it first ran this code) also claims the earlier key for 30 minutes from then
 * (TIME_KEYED_SINCE, written once per mount): a signature claimed before the upgrade is still refused,
 * and a node still on the earlier version during a rolling upgrade still sees the claims made here.
 */
import { hash } from "node:crypto";
import type { StorageView } from "warden/sdk";
import { TIMESTAMP_WINDOW_SECONDS, type ValidatedStsRequest } from "./sts-request.js";

const CLAIM_TTL_SECONDS = 2 * TIMESTAMP_WINDOW_SECONDS;
/** Epoch ms from which this mount's claims are keyed by time first; 0 when they always were. */
export const TIME_KEYED_SINCE = "replay/time-keyed-since";
/** Every answer but a refusal waits for the token written after the claim, so it may commit with it. */
const BEFORE_LOGIN = { beforeLogin: true } as const;

/** At mount setup, once per mount: when its claims started being keyed by time. */
export async function markTimeKeyedClaims(storage: StorageView, now: number): Promise<void> {
  if ((await storage.get(TIME_KEYED_SINCE)) !== undefined) return;
  // No role yet: no login ever succeeded on this mount, so it holds no claim of the earlier shape.
  const hadRoles = (await storage.list("role/")).length > 0;
  await storage.putIfAbsent(TIME_KEYED_SINCE, hadRoles ? now : 0);
}

/** True when this signature had not been claimed (and now is); false for a replay. */
export async function claimSignature(storage: StorageView, signed: ValidatedStsRequest, now: number): Promise<boolean> {
  const digest = hash("sha256", `${signed.accessKeyId}\n${signed.nonce}`, "hex");
  if (!(await storage.claimOnce(`nonce/${signed.params.Timestamp}/${digest}`, CLAIM_TTL_SECONDS, BEFORE_LOGIN))) return false;
  const since = await storage.get<number>(TIME_KEYED_SINCE);
  // Without the mark (setup could not write it) claims of the earlier shape may exist.
  if (typeof since === "number" && now >= since + CLAIM_TTL_SECONDS * 1000) return true;
  return storage.claimOnce(`nonce/${digest}`, CLAIM_TTL_SECONDS, BEFORE_LOGIN);
}
