import { setTimeout as sleep } from "node:timers/promises";
import { type Clock, systemClock } from "../../../sdk/clock.js";
import { WardenError } from "../../../sdk/errors.js";
import type { KvStore } from "../../../storage/types.js";
import {
  CONFIG_PATH,
  type NamedKeyRecord,
  OIDC_NAMESPACE,
  type OidcConfig,
  type PrivateKeyRecord,
  type PublicKeyRecord,
  type RoleRecord,
  keyPath,
  privatePath,
  publicPath,
  rolePath,
} from "./records.js";

/**
 * A claim on (key name, generation) lives this long. It only has to outlast the gap between reading a
 * key and writing it back (milliseconds); if a node dies in that gap the key unlocks after this.
 */
const WRITE_CLAIM_MS = 60_000;
const MAX_ATTEMPTS = 8;

interface Tombstone {
  deleted: true;
  generation: number;
}

export type KeyChange = { kind: "write"; next: Omit<NamedKeyRecord, "generation"> } | { kind: "delete" } | { kind: "none" };

/**
 * Storage for the issuer. KvStore has no compare-and-swap, so writes to a named key are serialised
 * with claimOnce on "<name>@<generation read>": of all the nodes that read one generation, exactly one
 * wins the claim and writes generation+1; the others re-read and decide again. That is what makes a
 * periodic rotation run on every node rotate a key once.
 */
export class OidcStore {
  constructor(
    private readonly kv: KvStore,
    private readonly clock: Clock = systemClock,
  ) {}

  async config(): Promise<OidcConfig> {
    return ((await this.kv.get(OIDC_NAMESPACE, CONFIG_PATH)) as OidcConfig | undefined) ?? { issuer: "" };
  }

  async putConfig(c: OidcConfig): Promise<void> {
    await this.kv.put(OIDC_NAMESPACE, CONFIG_PATH, c);
  }

  async key(name: string): Promise<NamedKeyRecord | undefined> {
    const raw = await this.rawKey(name);
    return raw && !("deleted" in raw) ? raw : undefined;
  }

  /**
   * A deleted key leaves a tombstone holding its generation, so re-creating the name continues the
   * generation sequence instead of colliding with the still-live claim of an earlier incarnation.
   */
  private async rawKey(name: string): Promise<NamedKeyRecord | Tombstone | undefined> {
    return (await this.kv.get(OIDC_NAMESPACE, keyPath(name))) as NamedKeyRecord | Tombstone | undefined;
  }

  /** Names of live keys (tombstones are skipped by allKeys). */
  async keyNames(): Promise<string[]> {
    return (await this.allKeys()).map((k) => k.name);
  }

  async allKeys(): Promise<NamedKeyRecord[]> {
    const out: NamedKeyRecord[] = [];
    for (const name of (await this.kv.listKeys(OIDC_NAMESPACE, "key/")).map((k) => k.slice(4))) {
      const k = await this.key(name);
      if (k) out.push(k);
    }
    return out;
  }

  /**
   * Applies `decide` to the current record atomically with respect to every other writer of this key
   * (on any node). `decide` may be called several times and must be side-effect free, except that it
   * may return key pairs to store; those of a losing attempt are deleted again. Returns the record
   * written (or the current one when nothing changed; undefined when deleted or absent).
   */
  async updateKey(
    name: string,
    decide: (current: NamedKeyRecord | undefined) => Promise<{ change: KeyChange; created?: Array<{ pub: PublicKeyRecord; priv: PrivateKeyRecord }> }>,
  ): Promise<{ record: NamedKeyRecord | undefined; previous: NamedKeyRecord | undefined }> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const raw = await this.rawKey(name);
      const current = raw && !("deleted" in raw) ? raw : undefined;
      const { change, created = [] } = await decide(current);
      if (change.kind === "none") {
        await this.dropPairs(created);
        return { record: current, previous: current };
      }
      // Key material goes in first, so a record never names a kid whose keys are not stored yet.
      for (const p of created) await this.putPair(p);
      const generation = raw?.generation ?? 0;
      const now = this.clock.now();
      if (await this.kv.claimOnce(OIDC_NAMESPACE, `lock/${name}@${generation}`, now + WRITE_CLAIM_MS, now)) {
        if (change.kind === "delete") {
          const tombstone: Tombstone = { deleted: true, generation: generation + 1 };
          await this.kv.put(OIDC_NAMESPACE, keyPath(name), tombstone);
          return { record: undefined, previous: current };
        }
        const record: NamedKeyRecord = { ...change.next, generation: generation + 1 };
        await this.kv.put(OIDC_NAMESPACE, keyPath(name), record);
        return { record, previous: current };
      }
      await this.dropPairs(created);
      await sleep(5 + Math.floor(Math.random() * 20 * (attempt + 1)));
    }
    throw new WardenError(503, `key "${name}" is being changed concurrently; retry`);
  }

  async putPair(p: { pub: PublicKeyRecord; priv: PrivateKeyRecord }): Promise<void> {
    await this.kv.put(OIDC_NAMESPACE, privatePath(p.priv.kid), p.priv);
    await this.kv.put(OIDC_NAMESPACE, publicPath(p.pub.kid), p.pub);
  }

  private async dropPairs(pairs: Array<{ pub: PublicKeyRecord }>): Promise<void> {
    for (const p of pairs) await this.deleteKeyMaterial(p.pub.kid);
  }

  async publicKey(kid: string): Promise<PublicKeyRecord | undefined> {
    return (await this.kv.get(OIDC_NAMESPACE, publicPath(kid))) as PublicKeyRecord | undefined;
  }

  async privateKey(kid: string): Promise<PrivateKeyRecord | undefined> {
    return (await this.kv.get(OIDC_NAMESPACE, privatePath(kid))) as PrivateKeyRecord | undefined;
  }

  async deletePrivateKey(kid: string): Promise<void> {
    await this.kv.delete(OIDC_NAMESPACE, privatePath(kid));
  }

  async deleteKeyMaterial(kid: string): Promise<void> {
    await this.kv.delete(OIDC_NAMESPACE, privatePath(kid));
    await this.kv.delete(OIDC_NAMESPACE, publicPath(kid));
  }

  async role(name: string): Promise<RoleRecord | undefined> {
    return (await this.kv.get(OIDC_NAMESPACE, rolePath(name))) as RoleRecord | undefined;
  }

  async putRole(r: RoleRecord): Promise<void> {
    await this.kv.put(OIDC_NAMESPACE, rolePath(r.name), r);
  }

  async deleteRole(name: string): Promise<void> {
    await this.kv.delete(OIDC_NAMESPACE, rolePath(name));
  }

  async roleNames(): Promise<string[]> {
    return (await this.kv.listKeys(OIDC_NAMESPACE, "role/")).map((k) => k.slice(5));
  }

  async allRoles(): Promise<RoleRecord[]> {
    const out: RoleRecord[] = [];
    for (const name of await this.roleNames()) {
      const r = await this.role(name);
      if (r) out.push(r);
    }
    return out;
  }
}
