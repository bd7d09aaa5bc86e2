import type { SystemStore } from "../../storage/types.js";
import { gcmOpen, gcmSeal } from "./aead.js";
import { type KeyTerm, Keyring } from "./keyring.js";
import type { SealRecord } from "./seal-record.js";

/**
 * The keyring as stored: term 1 inside the seal record, every later term in its own row written with
 * an atomic insert-if-absent, so two nodes rotating at once cannot both install "term n" (the loser
 * reloads and takes the next number). All of it encrypted under the root key.
 */
const termKey = (n: number): string => `core/seal/term/${n}`;
const termAad = (n: number): Buffer => Buffer.from(`warden/keyring/term/${n}`);

export async function loadKeyring(system: SystemStore, record: SealRecord, rootKey: Buffer): Promise<Keyring> {
  const terms: KeyTerm[] = [...Keyring.unwrap(record.keyring, rootKey).terms];
  for (let n = terms[terms.length - 1]!.term + 1; ; n++) {
    const v = await system.get(termKey(n));
    if (v === undefined) break;
    const t = JSON.parse(gcmOpen(rootKey, Buffer.from(v, "base64"), termAad(n)).toString("utf8")) as { key: string; installed_at: number };
    terms.push({ term: n, key: Buffer.from(t.key, "base64"), installedAt: t.installed_at });
  }
  return new Keyring(terms);
}

/** Installs the next term; false when another node installed that term number first. */
export async function installNextTerm(system: SystemStore, keyring: Keyring, rootKey: Buffer, now = Date.now()): Promise<boolean> {
  const next = keyring.rotated(now).active;
  const body = JSON.stringify({ key: next.key.toString("base64"), installed_at: next.installedAt });
  return system.putIfAbsent(termKey(next.term), gcmSeal(rootKey, Buffer.from(body, "utf8"), termAad(next.term)).toString("base64"));
}

