import { randomInt } from "node:crypto";
import { type Clock, systemClock } from "../../../sdk/clock.js";
import { badRequest } from "../../../sdk/errors.js";
import { checkHttpUrl } from "../../../sdk/http-url.js";
import type { Logger } from "../../../sdk/plugin.js";
import { normaliseTemplate } from "./claims-template.js";
import { forgetSigningKey } from "./key-material.js";
import { type KeySettings, expiredKids, newKey, reKeyed, rotated, withoutExpired } from "./key-ring.js";
import type { OidcStore } from "./oidc-store.js";
import { type OidcAlgorithm, type RoleRecord, SUPPORTED_ALGORITHMS } from "./records.js";

const DAY = 86_400;
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export interface KeyInput {
  algorithm?: string;
  rotation_period?: number;
  verification_ttl?: number;
  allowed_client_ids?: string[];
}

export interface RoleInput {
  key?: string;
  template?: string;
  client_id?: string;
  ttl?: number;
  audience_as_array?: boolean;
  jwt_type_header?: boolean;
}

/** Vault's base62(26) client id. */
function clientId(): string {
  let s = "";
  for (let i = 0; i < 26; i++) s += BASE62[randomInt(BASE62.length)];
  return s;
}

function isAlgorithm(a: string): a is OidcAlgorithm {
  return (SUPPORTED_ALGORITHMS as readonly string[]).includes(a);
}

/**
 * Operator-facing half of the issuer: config, named keys (with rotation), roles, and the periodic
 * job. Token minting and the published documents are in issuer.ts.
 */
export class OidcAdmin {
  constructor(
    readonly store: OidcStore,
    private readonly log: Logger,
    /** When keys were made and are due to rotate or expire. */
    private readonly clock: Clock = systemClock,
  ) {}

  async writeConfig(issuer: string): Promise<void> {
    const trimmed = issuer.trim().replace(/\/+$/, "");
    if (trimmed !== "") {
      // The issuer must be a bare origin: the path identity/oidc is appended to it (as Vault does).
      try {
        checkHttpUrl(trimmed, "issuer", "origin");
      } catch {
        throw badRequest("invalid issuer, which must include only a scheme, host, and optional port (e.g. https://example.com:8200)");
      }
    }
    await this.store.putConfig({ issuer: trimmed });
  }

  async writeKey(name: string, input: KeyInput, supplied: (f: keyof KeyInput) => boolean): Promise<void> {
    const now = this.clock.now();
    let reKey: { retired: string; dropped: string[] } | undefined;
    const { record, previous } = await this.store.updateKey(name, async (current) => {
      reKey = undefined;
      const s: KeySettings = {
        algorithm: (current?.algorithm ?? "RS256") as OidcAlgorithm,
        rotationPeriod: current?.rotationPeriod ?? DAY,
        verificationTtl: current?.verificationTtl ?? DAY,
        allowedClientIds: current?.allowedClientIds ?? [],
      };
      if (supplied("rotation_period")) s.rotationPeriod = input.rotation_period!;
      if (s.rotationPeriod < 60) throw badRequest("rotation_period must be at least one minute");
      if (supplied("verification_ttl")) s.verificationTtl = input.verification_ttl!;
      if (s.verificationTtl > 10 * s.rotationPeriod) throw badRequest("verification_ttl cannot be longer than 10x rotation_period");
      if (current) {
        for (const role of await this.store.allRoles()) {
          if (role.key === name && role.ttl > s.verificationTtl) {
            throw badRequest(`unable to update key "${name}" because it is currently referenced by one or more roles with a token ttl greater than ${s.verificationTtl} seconds`);
          }
        }
      }
      if (supplied("allowed_client_ids")) s.allowedClientIds = input.allowed_client_ids!;
      if (supplied("algorithm")) {
        if (!isAlgorithm(input.algorithm!)) throw badRequest(`invalid algorithm "${input.algorithm!.slice(0, 40)}", must be one of: [${SUPPORTED_ALGORITHMS.join(" ")}]`);
        s.algorithm = input.algorithm;
      }
      if (!current) {
        const fresh = await newKey(name, s, now);
        return { change: { kind: "write", next: fresh.next }, created: fresh.created };
      }
      if (s.algorithm !== current.algorithm) {
        const re = await reKeyed(current, s, now);
        reKey = { retired: current.signingKid, dropped: re.dropped };
        return { change: { kind: "write", next: re.next }, created: re.created };
      }
      const { generation: _g, ...body } = current;
      // A shorter rotation period applies from now, as Vault recomputes NextRotation on update.
      const nextRotation = Math.min(current.nextRotation, now + s.rotationPeriod * 1000);
      return { change: { kind: "write", next: { ...body, ...s, nextRotation } } };
    });
    if (reKey && record !== previous) {
      await this.retire(reKey.retired);
      for (const kid of reKey.dropped) await this.dropMaterial(kid);
    }
  }

  async readKey(name: string): Promise<Record<string, unknown> | undefined> {
    const k = await this.store.key(name);
    if (!k) return undefined;
    return {
      algorithm: k.algorithm,
      allowed_client_ids: k.allowedClientIds,
      rotation_period: k.rotationPeriod,
      verification_ttl: k.verificationTtl,
    };
  }

  async deleteKey(name: string): Promise<void> {
    const users = (await this.store.allRoles()).filter((r) => r.key === name).map((r) => r.name);
    if (users.length > 0) throw badRequest(`unable to delete key "${name}" because it is currently referenced by these roles: ${users.join(", ")}`);
    const { previous } = await this.store.updateKey(name, async (current) => ({ change: current ? { kind: "delete" } : { kind: "none" } }));
    for (const e of previous?.ring ?? []) await this.dropMaterial(e.kid);
  }

  /** Manual rotation; `verificationTtl` (seconds) overrides how long the outgoing key stays published. */
  async rotateKey(name: string, verificationTtl?: number): Promise<void> {
    let retired: string | undefined;
    const { record } = await this.store.updateKey(name, async (current) => {
      if (!current) throw badRequest(`no named key found at "${name}"`);
      const r = await rotated(current, this.clock.now(), verificationTtl);
      retired = r.retired;
      return { change: { kind: "write", next: r.next }, created: r.created };
    });
    if (record && retired) await this.retire(retired);
    this.log.info("oidc key rotated", { key: name, reason: "manual" });
  }

  /**
   * The periodic job: rotate every key whose time has come and drop expired public keys. Run on
   * every node; the claim in updateKey makes each due rotation happen once. Returns what it did.
   */
  async periodic(now = this.clock.now()): Promise<{ rotated: number; pruned: number }> {
    let rotatedCount = 0;
    let pruned = 0;
    for (const key of await this.store.allKeys()) {
      if (key.nextRotation <= now) {
        let retired: string | undefined;
        const { record, previous } = await this.store.updateKey(key.name, async (current) => {
          // Another node may have rotated it since we listed it: decide again on what is stored now.
          if (!current || current.nextRotation > now) return { change: { kind: "none" } };
          const r = await rotated(current, now);
          retired = r.retired;
          return { change: { kind: "write", next: r.next }, created: r.created };
        });
        if (record && record !== previous && retired) {
          await this.retire(retired);
          rotatedCount++;
          this.log.info("oidc key rotated", { key: key.name, reason: "rotation_period" });
        }
      }
      const fresh = await this.store.key(key.name);
      if (fresh && expiredKids(fresh, now).length > 0) {
        let gone: string[] = [];
        const { record, previous } = await this.store.updateKey(key.name, async (current) => {
          gone = current ? expiredKids(current, now) : [];
          return gone.length === 0 ? { change: { kind: "none" } } : { change: { kind: "write", next: withoutExpired(current!, now) } };
        });
        if (record && record !== previous) {
          for (const kid of gone) await this.dropMaterial(kid);
          pruned += gone.length;
        }
      }
    }
    return { rotated: rotatedCount, pruned };
  }

  /** The outgoing signing key never signs again: only its public half is kept. */
  private async retire(kid: string): Promise<void> {
    await this.store.deletePrivateKey(kid);
    forgetSigningKey(kid);
  }

  private async dropMaterial(kid: string): Promise<void> {
    await this.store.deleteKeyMaterial(kid);
    forgetSigningKey(kid);
  }

  async writeRole(name: string, input: RoleInput, supplied: (f: keyof RoleInput) => boolean): Promise<void> {
    const current = await this.store.role(name);
    const role: RoleRecord = current
      ? { ...current }
      : { name, key: "", template: "", clientId: "", ttl: DAY, audienceAsArray: false, jwtTypeHeader: false };
    if (supplied("key")) role.key = input.key!;
    if (role.key === "") throw badRequest("the key parameter is required");
    if (supplied("template")) role.template = normaliseTemplate(input.template!);
    if (supplied("client_id") && input.client_id !== "") role.clientId = input.client_id!;
    if (role.clientId === "") role.clientId = clientId();
    if (supplied("ttl")) role.ttl = input.ttl!;
    if (supplied("audience_as_array")) role.audienceAsArray = input.audience_as_array!;
    if (supplied("jwt_type_header")) role.jwtTypeHeader = input.jwt_type_header!;
    const key = await this.store.key(role.key);
    if (!key) throw badRequest(`key "${role.key}" does not exist`);
    if (role.ttl > key.verificationTtl) throw badRequest("a role's token ttl cannot be longer than the verification_ttl of the key it references");
    await this.store.putRole(role);
  }

  async readRole(name: string): Promise<Record<string, unknown> | undefined> {
    const r = await this.store.role(name);
    if (!r) return undefined;
    return {
      key: r.key,
      template: r.template,
      client_id: r.clientId,
      ttl: r.ttl,
      audience_as_array: r.audienceAsArray,
      jwt_type_header: r.jwtTypeHeader,
    };
  }
}
