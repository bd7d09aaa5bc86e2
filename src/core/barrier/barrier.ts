import { Keyring, UnknownTermError } from "../seal/keyring.js";

/**
 * What the barrier storage needs from the seal: the live keyring, and a way to reload it when a value
 * names a term written by another node's sys/rotate.
 */
export class Barrier {
  constructor(
    private keyring: Keyring,
    private readonly reload: () => Promise<Keyring>,
  ) {}

  get current(): Keyring {
    return this.keyring;
  }

  replace(keyring: Keyring): void {
    this.keyring = keyring;
  }

  encrypt(plain: string, aad: string): string {
    return this.keyring.encrypt(plain, aad);
  }

  async decrypt(stored: string, aad: string): Promise<string> {
    try {
      return this.keyring.decrypt(stored, aad);
    } catch (e) {
      if (!(e instanceof UnknownTermError)) throw e;
      this.keyring = await this.reload();
      return this.keyring.decrypt(stored, aad);
    }
  }

  encryptJson(value: unknown, aad: string): string {
    return this.encrypt(JSON.stringify(value), aad);
  }

  /**
   * decryptJson without waiting when the keyring has the value's term (always, unless another node
   * rotated since): the hot token read then opens in the same tick as the row arrives.
   */
  decryptJsonNow<T>(stored: string, aad: string): T | Promise<T> {
    return this.openJsonNow(stored, aad, openText);
  }

  encryptBytes(plain: string, aad: string): Buffer {
    return this.keyring.encryptBytes(plain, aad);
  }

  /** decryptJsonNow of a value sealed by encryptBytes. */
  decryptBytesJsonNow<T>(stored: Uint8Array, aad: string): T | Promise<T> {
    return this.openJsonNow(stored, aad, openBytes);
  }

  /** Opens with the live keyring in this tick; a term it does not know reloads the keyring first. */
  private openJsonNow<S, T>(stored: S, aad: string, open: (k: Keyring, stored: S, aad: string) => string): T | Promise<T> {
    let plain: string;
    try {
      plain = open(this.keyring, stored, aad);
    } catch (e) {
      if (!(e instanceof UnknownTermError)) throw e;
      return this.reload().then((k) => {
        this.keyring = k;
        return JSON.parse(open(k, stored, aad)) as T;
      });
    }
    return JSON.parse(plain) as T;
  }

  async decryptJson<T>(stored: string, aad: string): Promise<T> {
    return JSON.parse(await this.decrypt(stored, aad)) as T;
  }
}

const openText = (k: Keyring, stored: string, aad: string): string => k.decrypt(stored, aad);
const openBytes = (k: Keyring, stored: Uint8Array, aad: string): string => k.decryptBytes(stored, aad);
