// Purpose-bound keys derived from the one master secret, and authenticated encryption with them.
import crypto from 'node:crypto';

export type Purpose =
  | 'key-storage'
  | 'national-id'
  | 'national-id-index'
  | 'dpop-nonce'
  | 'pairwise'
  | 'embedded-db'
  | 'one-use'
  | 'verification-code'
  | 'throttle'
  | 'challenge'
  | 'challenge-question'
  | 'binding-code'
  | 'upstream-secret'
  | 'totp-secret'
  | 'roster-password'
  | 'roster-row'
  | 'secret-check';

export class Keyring {
  readonly #master: Buffer;
  /** Derived once per purpose: sealing, opening and blind indexes run on every request that touches an ID number. */
  readonly #derived = new Map<Purpose, Buffer>();

  constructor(master: Buffer) {
    if (master.length < 32) throw new Error('master secret must be at least 32 bytes');
    this.#master = master;
  }

  /** A copy, so a caller that changes it cannot change the keyring's. */
  key(purpose: Purpose): Buffer {
    return Buffer.from(this.#key(purpose));
  }

  #key(purpose: Purpose): Buffer {
    let key = this.#derived.get(purpose);
    if (!key) {
      key = Buffer.from(crypto.hkdfSync('sha256', this.#master, Buffer.alloc(0), `campus-sso/${purpose}`, 32));
      this.#derived.set(purpose, key);
    }
    return key;
  }

  /** AES-256-GCM; the output is `v1.<iv>.<tag>.<ciphertext>` in base64url. */
  seal(purpose: Purpose, plaintext: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.#key(purpose), iv);
    cipher.setAAD(Buffer.from(purpose));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv, cipher.getAuthTag(), data]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  open(purpose: Purpose, sealed: string): string {
    const [version, iv, tag, data] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('sealed value has an unknown format');
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.#key(purpose), Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(purpose));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** Keyed, deterministic digest for lookups of values that are stored sealed. */
  blindIndex(purpose: Purpose, value: string): string {
    return crypto.createHmac('sha256', this.#key(purpose)).update(value).digest('base64url');
  }
}
