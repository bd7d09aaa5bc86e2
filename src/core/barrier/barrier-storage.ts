/**
 * The barrier: a Storage that encrypts every value before it reaches the adapter and decrypts what it
 * reads, with the record's identity (store, key, id) as associated data, so a value copied to another
 * row fails to decrypt. It sits in front of the adapters rather than inside them, so both dialects get
 * the same promise from one place and the SQL (atomic counters, lookups by hash) is unchanged.
 *
 * Which columns stay clear, and why, is listed in docs/security.md; the field names below say which
 * values go into each record's one encrypted blob. A token is one blob (one decryption per lookup).
 */
import { delegate } from "../../storage/notifying.js";
import type {
  EntityAliasRecord,
  EntityRecord,
  GroupRecord,
  IdentityStore,
  KvStore,
  MountRecord,
  MountStore,
  PolicyRecord,
  PolicyStore,
  Storage,
  StoredAuth,
  SystemStore,
  TokenRecord,
  TokenStore,
} from "../../storage/types.js";
import { frozenTokenRecord } from "../../storage/types.js";
import type { Barrier } from "./barrier.js";

/** The key a record's encrypted blob is kept under, in a JSON column the adapter already has. */
export const SEALED_FIELD = "$barrier";

/** Storage keys the seal itself keeps in clear (its record holds only wrapped keys), never barrier'd. */
export const SEAL_SYSTEM_KEYS = /^(core\/seal|ha\/)/;

export const sealedOf = (v: unknown): string | undefined =>
  v !== null && typeof v === "object" && typeof (v as Record<string, unknown>)[SEALED_FIELD] === "string" ? ((v as Record<string, unknown>)[SEALED_FIELD] as string) : undefined;

function fail(what: string): never {
  throw new Error(`barrier: ${what} is not encrypted (a clear value the upgrade has not migrated)`);
}

export const aad = {
  system: (key: string) => `system\0${key}`,
  policy: (name: string) => `policy\0${name}`,
  kv: (ns: string, key: string) => `kv\0${ns}\0${key}`,
  counted: (ns: string, key: string) => `kvc\0${ns}\0${key}`,
  mount: (path: string) => `mount\0${path}`,
  token: (idHash: string) => `token\0${idHash}`,
  entity: (id: string) => `entity\0${id}`,
  alias: (id: string) => `alias\0${id}`,
  group: (id: string) => `group\0${id}`,
};

/** The token fields kept in its blob; the rest are ids, hashes and numbers SQL compares. */
interface TokenSecrets {
  policies: string[];
  meta: Record<string, string>;
  displayName: string;
  boundCidrs: string[];
  role: string;
  auth: StoredAuth | null;
}

/** The same keys in the same order with the same values (a login's meta and its auth's metadata). */
function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i] || a[ka[i]!] !== b[kb[i]!]) return false;
  return true;
}

/**
 * A token's blob, as written: a JSON array [policies, meta, displayName, boundCidrs, role, auth], auth
 * null or [alias, metadata, internal], its metadata 0 when it is the same as meta (a login copies its
 * metadata into both). Every login writes one: without the field names and the second copy of the
 * metadata an AppRole token's sealed value is 236 characters instead of 352, and a row's bytes are WAL
 * written and synced per login (padding a clear row by 250 bytes cost +6 to +11 % of a login's CPU).
 * One JSON.stringify of the whole array: its parts one by one cost ~1 µs more. Blobs written before
 * as an object ({policies, meta, ...}) open as they did.
 */
function tokenPlaintext(t: TokenRecord): string {
  const a = t.auth;
  return JSON.stringify([t.policies, t.meta, t.displayName, t.boundCidrs, t.role, a && [a.alias, sameRecord(a.metadata, t.meta) ? 0 : a.metadata, a.internal]]);
}

type TokenBlob = [string[], Record<string, string>, string, string[], string, [string, Record<string, string> | 0, Record<string, unknown>] | null];

function tokenSecrets(opened: TokenBlob | TokenSecrets): TokenSecrets {
  if (!Array.isArray(opened)) return opened;
  const [policies, meta, displayName, boundCidrs, role, a] = opened;
  // The auth's own copy of the metadata (the token's meta may be frozen with the record).
  const auth = a === null ? null : { alias: a[0], metadata: a[1] === 0 ? { ...meta } : a[1], internal: a[2] };
  return { policies, meta, displayName, boundCidrs, role, auth };
}

/**
 * A token as stored: its blob as bytes (Keyring.encryptBytes) in the row's own binary column
 * (`sealed`, schema version 7), the clear columns it replaces empty and auth NULL. In the auth column's
 * JSON as before ({"internal":{"$barrier":"wb1:<base64>"}}) the row was ~150 bytes longer, WAL-written
 * and synced on every login. Rows written that way still open (openToken).
 */
export function sealToken(b: Barrier, t: TokenRecord): TokenRecord {
  const sealed = b.encryptBytes(tokenPlaintext(t), aad.token(t.idHash));
  // Every stored column spelled out (the type makes a new one a compile error here): `{ ...t, sealed }`
  // adds a member the record's shape lacks, and V8 took ~1.1 µs a login for that where this takes ~0.02.
  // Only columns go to the adapter (insert, rewriteAll); get's read-only members are not stored.
  const row: Required<Omit<TokenRecord, "entityDisabled" | "ancestorExpiresAt">> = {
    idHash: t.idHash,
    accessor: t.accessor,
    parentHash: t.parentHash,
    policies: [],
    path: t.path,
    mountAccessor: t.mountAccessor,
    meta: {},
    displayName: "",
    numUses: t.numUses,
    createdAt: t.createdAt,
    ttl: t.ttl,
    expiresAt: t.expiresAt,
    explicitMaxTtl: t.explicitMaxTtl,
    maxTtl: t.maxTtl,
    period: t.period,
    renewable: t.renewable,
    lastRenewalAt: t.lastRenewalAt,
    entityId: t.entityId,
    boundCidrs: [],
    role: "",
    loginRole: t.loginRole,
    auth: null,
    sealed,
  };
  return row;
}

/** Whether a raw token row is sealed (either form). */
export const tokenIsSealed = (t: TokenRecord): boolean => (t.sealed !== undefined && t.sealed !== null) || sealedOf(t.auth?.internal) !== undefined;

/** The raw row's blob opened: bytes of its own column, or the text in its auth of rows written before version 7. */
function openBlob(b: Barrier, t: TokenRecord): TokenBlob | TokenSecrets | Promise<TokenBlob | TokenSecrets> {
  const a = aad.token(t.idHash);
  if (t.sealed !== undefined && t.sealed !== null) return b.decryptBytesJsonNow<TokenBlob>(t.sealed, a);
  return b.decryptJsonNow<TokenBlob | TokenSecrets>(sealedOf(t.auth?.internal) ?? fail("a token"), a);
}

/** A token read opened: in the same tick when the keyring has the blob's term (see decryptJsonNow). */
function openToken(b: Barrier, t: TokenRecord | undefined): TokenRecord | undefined | Promise<TokenRecord | undefined> {
  if (!t) return t;
  const s = openBlob(b, t);
  return s instanceof Promise ? s.then((opened) => withSecrets(t, opened)) : withSecrets(t, s);
}

/** `t` (the adapter's fresh copy) with its secrets, without the sealed bytes (a copy then: no delete). */
function withSecrets(record: TokenRecord, opened: TokenBlob | TokenSecrets): TokenRecord {
  const s = tokenSecrets(opened);
  let t = record;
  if (t.sealed !== undefined) {
    const { sealed: _sealed, ...rest } = t;
    t = rest;
  }
  t.policies = s.policies;
  t.meta = s.meta;
  t.displayName = s.displayName;
  t.boundCidrs = s.boundCidrs;
  t.role = s.role;
  t.auth = s.auth;
  return t;
}

export function sealMount(b: Barrier, m: MountRecord): MountRecord {
  const blob = b.encryptJson({ description: m.description, config: m.config, options: m.options }, aad.mount(m.path));
  return { ...m, description: "", config: {}, options: { [SEALED_FIELD]: blob } };
}

async function openMount(b: Barrier, m: MountRecord): Promise<MountRecord> {
  const s = await b.decryptJson<Pick<MountRecord, "description" | "config" | "options">>(sealedOf(m.options) ?? fail("a mount"), aad.mount(m.path));
  return { ...m, ...s };
}

export function sealEntity(b: Barrier, e: EntityRecord): EntityRecord {
  return { ...e, policies: [], metadata: { [SEALED_FIELD]: b.encryptJson({ policies: e.policies, metadata: e.metadata }, aad.entity(e.id)) } };
}

async function openEntity(b: Barrier, e: EntityRecord | undefined): Promise<EntityRecord | undefined> {
  if (!e) return e;
  const s = await b.decryptJson<Pick<EntityRecord, "policies" | "metadata">>(sealedOf(e.metadata) ?? fail("an entity"), aad.entity(e.id));
  return { ...e, ...s };
}

export function sealAlias(b: Barrier, a: EntityAliasRecord): EntityAliasRecord {
  return { ...a, metadata: { [SEALED_FIELD]: b.encryptJson(a.metadata, aad.alias(a.id)) } };
}

async function openAlias(b: Barrier, a: EntityAliasRecord | undefined): Promise<EntityAliasRecord | undefined> {
  if (!a) return a;
  return { ...a, metadata: await b.decryptJson(sealedOf(a.metadata) ?? fail("an entity alias"), aad.alias(a.id)) };
}

export function sealGroup(b: Barrier, g: GroupRecord): GroupRecord {
  return { ...g, policies: [], metadata: { [SEALED_FIELD]: b.encryptJson({ policies: g.policies, metadata: g.metadata }, aad.group(g.id)) } };
}

async function openGroup(b: Barrier, g: GroupRecord | undefined): Promise<GroupRecord | undefined> {
  if (!g) return g;
  const s = await b.decryptJson<Pick<GroupRecord, "policies" | "metadata">>(sealedOf(g.metadata) ?? fail("a group"), aad.group(g.id));
  return { ...g, ...s };
}

const all = <T>(items: T[], open: (t: T) => Promise<T | undefined>): Promise<T[]> => Promise.all(items.map(async (i) => (await open(i))!));

/**
 * The adapter's peek, opened: its record is the same object while the row is unchanged, so its opened
 * copy (frozen, as the adapter's) is kept by it and opened once per change of the row, not per read.
 */
function peekOpened(b: Barrier, peek: (h: string) => TokenRecord | undefined | Promise<TokenRecord | undefined>): (h: string) => TokenRecord | undefined | Promise<TokenRecord | undefined> {
  const opened = new WeakMap<TokenRecord, TokenRecord>();
  const open = (sealed: TokenRecord | undefined): TokenRecord | undefined | Promise<TokenRecord | undefined> => {
    if (sealed === undefined) return undefined;
    const known = opened.get(sealed);
    if (known !== undefined) return known;
    const keep = (s: TokenBlob | TokenSecrets): TokenRecord => {
      const record = frozenTokenRecord(withSecrets(sealed.sealed === undefined ? { ...sealed } : sealed, s));
      opened.set(sealed, record);
      return record;
    };
    const s = openBlob(b, sealed);
    return s instanceof Promise ? s.then(keep) : keep(s);
  };
  return (h) => {
    const sealed = peek(h);
    return sealed instanceof Promise ? sealed.then(open) : open(sealed);
  };
}

function tokenStore(b: Barrier, s: TokenStore): TokenStore {
  return delegate(s, {
    insert: (t) => s.insert(sealToken(b, t)),
    insertCapped: (t, cap) => s.insertCapped(sealToken(b, t), cap),
    get: (h) => s.get(h).then((t) => openToken(b, t)),
    ...(s.peek ? { peek: peekOpened(b, s.peek.bind(s)) } : {}),
    getByAccessor: (a) => s.getByAccessor(a).then((t) => openToken(b, t)),
  });
}

function mountStore(b: Barrier, s: MountStore): MountStore {
  return delegate(s, {
    list: async () => Promise.all((await s.list()).map((m) => openMount(b, m))),
    insert: (m) => s.insert(sealMount(b, m)),
    update: (m) => s.update(sealMount(b, m)),
  });
}

function policyStore(b: Barrier, s: PolicyStore): PolicyStore {
  const open = async (p: PolicyRecord | undefined): Promise<PolicyRecord | undefined> => (p ? { ...p, text: await b.decrypt(p.text, aad.policy(p.name)) } : p);
  return delegate(s, {
    list: async () => all(await s.list(), open),
    get: async (n) => open(await s.get(n)),
    put: (p) => s.put({ ...p, text: b.encrypt(p.text, aad.policy(p.name)) }),
  });
}

function kvStore(b: Barrier, s: KvStore): KvStore {
  // Opened in the same tick as the row arrives when the keyring has the value's term (decryptJsonNow):
  // a login's secret id is read through here, and each extra await was a few microtask hops more.
  const open = (v: unknown, a: string): unknown => (typeof v === "string" ? b.decryptJsonNow(v, a) : fail("a stored value"));
  const withValue = <R extends { value: unknown }>(r: R, a: string): R | Promise<R> => {
    const value = open(r.value, a);
    return value instanceof Promise ? value.then((v) => ({ ...r, value: v })) : { ...r, value };
  };
  return delegate(s, {
    get: (ns, key) => s.get(ns, key).then((v) => (v === undefined ? v : open(v, aad.kv(ns, key)))),
    put: (ns, key, value) => s.put(ns, key, b.encryptJson(value, aad.kv(ns, key))),
    putIfAbsent: (ns, key, value) => s.putIfAbsent(ns, key, b.encryptJson(value, aad.kv(ns, key))),
    putCounted: (ns, key, value, uses, exp) => s.putCounted(ns, key, b.encryptJson(value, aad.counted(ns, key)), uses, exp),
    takeCounted: (ns, key, now) => s.takeCounted(ns, key, now).then((r) => r && withValue(r, aad.counted(ns, key))),
    getWithCounter: (ns, key, counterKey, now) => s.getWithCounter(ns, key, counterKey, now).then((r) => (r.value === undefined ? r : withValue(r, aad.kv(ns, key)))),
    peekCounted: (ns, key, now) => s.peekCounted(ns, key, now).then((r) => r && withValue(r, aad.counted(ns, key))),
  });
}

function systemStore(b: Barrier, s: SystemStore): SystemStore {
  return delegate(s, {
    get: async (key) => {
      const v = await s.get(key);
      return v === undefined ? v : b.decrypt(v, aad.system(key));
    },
    put: (key, value) => s.put(key, b.encrypt(value, aad.system(key))),
    putIfAbsent: (key, value) => s.putIfAbsent(key, b.encrypt(value, aad.system(key))),
  });
}

function identityStore(b: Barrier, s: IdentityStore): IdentityStore {
  const e = (x: EntityRecord | undefined) => openEntity(b, x);
  const a = (x: EntityAliasRecord | undefined) => openAlias(b, x);
  const g = (x: GroupRecord | undefined) => openGroup(b, x);
  return delegate(s, {
    getEntity: async (id) => e(await s.getEntity(id)),
    getEntityByName: async (n) => e(await s.getEntityByName(n)),
    listEntities: async () => all(await s.listEntities(), e),
    insertEntity: (x) => s.insertEntity(sealEntity(b, x)),
    updateEntity: (x) => s.updateEntity(sealEntity(b, x)),
    getAlias: async (id) => a(await s.getAlias(id)),
    findAlias: async (m, n) => a(await s.findAlias(m, n)),
    listAliases: async () => all(await s.listAliases(), a),
    aliasesOf: async (id) => all(await s.aliasesOf(id), a),
    insertAlias: (x) => s.insertAlias(sealAlias(b, x)),
    updateAlias: (x) => s.updateAlias(sealAlias(b, x)),
    resolveAlias: async (entity, alias) => {
      const r = await s.resolveAlias(sealEntity(b, entity), sealAlias(b, alias));
      return { ...r, entity: (await e(r.entity))! };
    },
    getGroup: async (id) => g(await s.getGroup(id)),
    getGroupByName: async (n) => g(await s.getGroupByName(n)),
    listGroups: async () => all(await s.listGroups(), g),
    groupsOf: async (id) => all(await s.groupsOf(id), g),
    insertGroup: (x) => s.insertGroup(sealGroup(b, x)),
    updateGroup: (x) => s.updateGroup(sealGroup(b, x)),
  });
}

/**
 * `raw` behind the barrier. Members the barrier does not know (added to Storage later) pass through
 * unchanged via the prototype; closing it leaves `raw` open (sealing keeps the database connection).
 */
export function barrierStorage(raw: Storage, b: Barrier): Storage {
  const s = Object.create(raw) as Storage;
  Object.defineProperties(s, {
    tokens: { value: tokenStore(b, raw.tokens) },
    mounts: { value: mountStore(b, raw.mounts) },
    policies: { value: policyStore(b, raw.policies) },
    kv: { value: kvStore(b, raw.kv) },
    system: { value: systemStore(b, raw.system) },
    identity: { value: identityStore(b, raw.identity) },
    close: { value: async () => undefined },
    ping: { value: () => raw.ping() },
  });
  return s;
}
