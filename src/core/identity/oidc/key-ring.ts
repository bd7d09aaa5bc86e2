import { generateKeyPair } from "./key-material.js";
import type { NamedKeyRecord, OidcAlgorithm, PrivateKeyRecord, PublicKeyRecord } from "./records.js";

/**
 * Pure key-ring transitions, as Vault rotates: the pre-generated next key becomes the signing key,
 * the outgoing signing key stays published until now + verification_ttl, and a fresh next key is
 * generated and published at once, so verifiers see every key at least one rotation before it signs.
 */
type Pair = { pub: PublicKeyRecord; priv: PrivateKeyRecord };
type KeyBody = Omit<NamedKeyRecord, "generation">;

export interface KeySettings {
  algorithm: OidcAlgorithm;
  rotationPeriod: number;
  verificationTtl: number;
  allowedClientIds: string[];
}

export async function newKey(name: string, s: KeySettings, now: number): Promise<{ next: KeyBody; created: Pair[] }> {
  const [signing, following] = await Promise.all([generateKeyPair(s.algorithm), generateKeyPair(s.algorithm)]);
  return {
    next: {
      name,
      ...s,
      signingKid: signing.pub.kid,
      nextKid: following.pub.kid,
      nextRotation: now + s.rotationPeriod * 1000,
      ring: [
        { kid: signing.pub.kid, expireAt: 0 },
        { kid: following.pub.kid, expireAt: 0 },
      ],
    },
    created: [signing, following],
  };
}

/** `verificationTtl` overrides the key's own for the outgoing key only (Vault's rotate parameter). */
export async function rotated(key: NamedKeyRecord, now: number, verificationTtl = key.verificationTtl): Promise<{ next: KeyBody; created: Pair[]; retired: string }> {
  const following = await generateKeyPair(key.algorithm);
  const expireAt = now + verificationTtl * 1000;
  const ring = key.ring
    .map((e) => (e.kid === key.signingKid ? { kid: e.kid, expireAt } : e))
    .concat({ kid: following.pub.kid, expireAt: 0 });
  const { generation: _g, ...body } = key;
  return {
    next: { ...body, signingKid: key.nextKid, nextKid: following.pub.kid, nextRotation: now + key.rotationPeriod * 1000, ring },
    created: [following],
    retired: key.signingKid,
  };
}

/**
 * A changed algorithm cannot wait a rotation period: new signing and next keys of the new type, the
 * old signing key kept for verification, the old (never used) next key dropped.
 */
export async function reKeyed(key: NamedKeyRecord, s: KeySettings, now: number): Promise<{ next: KeyBody; created: Pair[]; dropped: string[] }> {
  const fresh = await newKey(key.name, s, now);
  const expireAt = now + key.verificationTtl * 1000;
  const kept = key.ring.filter((e) => e.kid !== key.nextKid).map((e) => (e.kid === key.signingKid ? { kid: e.kid, expireAt } : e));
  return { next: { ...fresh.next, ring: [...kept, ...fresh.next.ring] }, created: fresh.created, dropped: [key.nextKid] };
}

export function expiredKids(key: NamedKeyRecord, now: number): string[] {
  return key.ring.filter((e) => e.expireAt > 0 && e.expireAt <= now).map((e) => e.kid);
}

export function withoutExpired(key: NamedKeyRecord, now: number): KeyBody {
  const { generation: _g, ...body } = key;
  return { ...body, ring: key.ring.filter((e) => e.expireAt === 0 || e.expireAt > now) };
}

/** Keys a verifier should accept right now: current, next, and rotated ones not yet expired. */
export function publishedKids(key: NamedKeyRecord, now: number): string[] {
  return key.ring.filter((e) => e.expireAt === 0 || e.expireAt > now).map((e) => e.kid);
}
