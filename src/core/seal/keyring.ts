import { randomBytes } from "node:crypto";
import { type GcmKey, gcmKey, gcmOpen, gcmSeal } from "./aead.js";

/**
 * The barrier's keyring: numbered terms of AES-256-GCM keys. New values are written with the active
 * (highest) term; every older term stays to read what it wrote. The keyring itself is stored encrypted
 * under the root key, which only the seal can give back.
 *
 * A stored value is the text `wb1:` + base64(term u32 BE | iv | ciphertext | tag); the text prefix
 * lets the upgrade tell an encrypted value from one written before the barrier existed.
 */
export const BARRIER_PREFIX = "wb1:";
const KEYRING_AAD = Buffer.from("warden/keyring");
/** The term number (u32 big-endian) in front of every stored value's iv. */
const TERM_BYTES = 4;
/** Opened values kept per keyring (oldest dropped first), each at most OPENED_MEMO_MAX_CHARS stored: ~35 MB at worst, a few MB for token blobs. */
const OPENED_MEMO_MAX = 5_000;
const OPENED_MEMO_MAX_CHARS = 4096;
/** A memo slot: the stored text's last 24 characters (its tag's base64 and the padding). */
const MEMO_SLOT_CHARS = 24;
/** decryptBytes' memo slot: the value's GCM tag. */
const GCM_TAG_BYTES = 16;

export interface KeyTerm {
  term: number;
  key: Buffer;
  /** Epoch ms. */
  installedAt: number;
}

/** Raised when a value names a term this keyring does not hold (another node rotated: reload). */
export class UnknownTermError extends Error {
  constructor(readonly term: number) {
    super(`barrier: unknown key term ${term}`);
  }
}

export class Keyring {
  /** Values encrypted by this node since the keyring was loaded (sys/key-status). */
  encryptions = 0;
  private readonly byTerm = new Map<number, Buffer>();
  /**
   * Each term's key kept ready to seal and open (gcmKey: with the native binding, one OpenSSL context
   * set up once), made on the term's first use: a keyring made only to name the next term (rotated)
   * makes none. Dropped by wipe.
   */
  readonly #ready = new Map<number, GcmKey>();
  #wiped = false;

  constructor(readonly terms: readonly KeyTerm[]) {
    if (terms.length === 0) throw new Error("keyring: no term");
    for (const t of terms) this.byTerm.set(t.term, t.key);
  }

  #keyOf(term: number, key: Buffer): GcmKey {
    let k = this.#ready.get(term);
    if (k === undefined) {
      if (this.#wiped) throw new Error("keyring: wiped");
      k = gcmKey(key);
      this.#ready.set(term, k);
    }
    return k;
  }

  static fresh(now = Date.now()): Keyring {
    return new Keyring([{ term: 1, key: randomBytes(32), installedAt: now }]);
  }

  get active(): KeyTerm {
    return this.terms[this.terms.length - 1]!;
  }

  /** A keyring with one more term, which becomes the active one. */
  rotated(now = Date.now()): Keyring {
    return new Keyring([...this.terms, { term: this.active.term + 1, key: randomBytes(32), installedAt: now }]);
  }

  encrypt(plaintext: string, aad: string): string {
    const t = this.active;
    this.encryptions++;
    const blob = this.#keyOf(t.term, t.key).sealText(plaintext, aad, TERM_BYTES);
    blob.writeUInt32BE(t.term, 0);
    return BARRIER_PREFIX + blob.toString("base64");
  }

  /**
   * A value sealed as bytes (a token's blob, in its own binary column): term u32 BE | iv | ciphertext |
   * tag, the same bytes `encrypt` writes in base64 after its text prefix, without either (a column of
   * its own needs no prefix to tell it from a clear value, and base64 made a token row ~90 bytes longer).
   */
  encryptBytes(plaintext: string, aad: string): Buffer {
    const t = this.active;
    this.encryptions++;
    const blob = this.#keyOf(t.term, t.key).sealText(plaintext, aad, TERM_BYTES);
    blob.writeUInt32BE(t.term, 0);
    return blob;
  }

  /**
   * Bytes from encryptBytes, opened; memoised as decrypt (same bound, same rule: the whole value and the
   * AAD must match the entry, keyed by its tag). The caller's buffer is left as it was.
   */
  decryptBytes(stored: Uint8Array, aad: string): string {
    if (stored.length < TERM_BYTES) throw new Error("barrier: value too short");
    const bytes = Buffer.from(stored.buffer, stored.byteOffset, stored.length);
    const slot = bytes.toString("latin1", Math.max(0, bytes.length - GCM_TAG_BYTES));
    const hit = this.#openedBytes.get(slot);
    if (hit !== undefined && hit.aad === aad && hit.stored.equals(bytes)) return hit.plain;
    const term = bytes.readUInt32BE(0);
    const key = this.byTerm.get(term);
    if (!key) throw new UnknownTermError(term);
    // Opened in a copy: the native open decrypts in place, and the caller's buffer is a record's.
    const copy = Buffer.allocUnsafe(bytes.length);
    bytes.copy(copy);
    let plain: string;
    try {
      plain = this.#keyOf(term, key).openText(copy, TERM_BYTES, aad);
    } catch {
      throw new Error("barrier: a stored value failed authentication (tampered, or copied from another key)");
    }
    if (bytes.length > OPENED_MEMO_MAX_CHARS) return plain;
    if (this.#openedBytes.size >= OPENED_MEMO_MAX) this.#openedBytes.delete(this.#openedBytes.keys().next().value!);
    // The memo keeps its own copy of the sealed bytes (the caller may reuse its buffer).
    bytes.copy(copy);
    this.#openedBytes.set(slot, { stored: copy, aad, plain });
    return plain;
  }

  readonly #openedBytes = new Map<string, { stored: Buffer; aad: string; plain: string }>();

  /**
   * Values this keyring has opened, by the exact stored text and the associated data: the same
   * ciphertext under the same AAD and key always opens to the same plaintext, so a hot record read again
   * (a token's blob on every request it authenticates) costs a map lookup instead of an AES-GCM open
   * (~4 µs plus the decipher's set-up). A changed byte is another entry and another AAD no match, so
   * either is opened, and refused, as before. Bounded; dropped with the keyring (rotation, sys/seal's wipe).
   *
   * Keyed by the stored text's last characters (the base64 of its GCM tag, 128 bits that differ for
   * every value sealed): each read brings a new copy of the text, and hashing all of it (a few hundred
   * characters) was most of a hit's cost. The whole text and the AAD must match the entry too, else
   * the value is opened (and refused) as any other; two texts ending alike only share a slot.
   */
  readonly #opened = new Map<string, { stored: string; aad: string; plain: string }>();

  decrypt(stored: string, aad: string): string {
    const slot = stored.length > MEMO_SLOT_CHARS ? stored.slice(-MEMO_SLOT_CHARS) : stored;
    const hit = this.#opened.get(slot);
    if (hit !== undefined && hit.stored === stored && hit.aad === aad) return hit.plain;
    const plain = this.open(stored, aad);
    // Small records only (a token's blob is a few hundred characters): the memo stays a few MB.
    if (stored.length > OPENED_MEMO_MAX_CHARS) return plain;
    if (this.#opened.size >= OPENED_MEMO_MAX) this.#opened.delete(this.#opened.keys().next().value!);
    this.#opened.set(slot, { stored, aad, plain });
    return plain;
  }

  /** One AES-GCM open of a stored value, no memo. */
  open(stored: string, aad: string): string {
    if (!stored.startsWith(BARRIER_PREFIX)) throw new Error("barrier: value is not encrypted");
    const blob = Buffer.from(stored.slice(BARRIER_PREFIX.length), "base64");
    if (blob.length < TERM_BYTES) throw new Error("barrier: value too short");
    const term = blob.readUInt32BE(0);
    const key = this.byTerm.get(term);
    if (!key) throw new UnknownTermError(term);
    try {
      return this.#keyOf(term, key).openText(blob, TERM_BYTES, aad);
    } catch {
      // Never the value or the key: only where it failed.
      throw new Error("barrier: a stored value failed authentication (tampered, or copied from another key)");
    }
  }

  /** The keyring as stored: encrypted under the root key. */
  wrap(rootKey: Buffer): string {
    const plain = JSON.stringify(this.terms.map((t) => ({ term: t.term, key: t.key.toString("base64"), installed_at: t.installedAt })));
    return gcmSeal(rootKey, Buffer.from(plain, "utf8"), KEYRING_AAD).toString("base64");
  }

  /** Throws when the root key is not the one the keyring was wrapped with. */
  static unwrap(stored: string, rootKey: Buffer): Keyring {
    const plain = gcmOpen(rootKey, Buffer.from(stored, "base64"), KEYRING_AAD).toString("utf8");
    const terms = (JSON.parse(plain) as Array<{ term: number; key: string; installed_at: number }>).map((t) => ({
      term: t.term,
      key: Buffer.from(t.key, "base64"),
      installedAt: t.installed_at,
    }));
    return new Keyring(terms.sort((a, b) => a.term - b.term));
  }

  /** Overwrites the key bytes and frees their ready contexts (sys/seal drops keys from memory). */
  wipe(): void {
    this.#opened.clear();
    this.#openedBytes.clear();
    for (const k of this.#ready.values()) k.drop();
    this.#ready.clear();
    this.#wiped = true;
    for (const t of this.terms) t.key.fill(0);
  }
}
