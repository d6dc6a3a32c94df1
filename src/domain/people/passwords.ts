// Password hashing: bcrypt at the configured cost (the default), or argon2id with OWASP's parameters (19 MiB, two
// passes, one lane) when PASSWORD_HASH=argon2id. Either way a stored hash of the other kind, or of other parameters,
// still signs in and is rehashed at the next successful sign-in.
import argon2 from 'argon2';
import bcrypt from 'bcrypt';

/** bcrypt only reads the first 72 bytes; longer passwords are refused by the policy before they get here. */
export const MAX_PASSWORD_BYTES = 72;

export const PASSWORD_HASHES = ['bcrypt', 'argon2id'] as const;
export type PasswordHash = (typeof PASSWORD_HASHES)[number];

/** OWASP's argon2id configuration (Password Storage Cheat Sheet): m=19 MiB, t=2, p=1. */
export const ARGON2ID = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

const isArgon2 = (hash: string) => hash.startsWith('$argon2');

export function hashPassword(password: string, cost: number, scheme: PasswordHash = 'bcrypt'): Promise<string> {
  return scheme === 'argon2id' ? argon2.hash(password, ARGON2ID) : bcrypt.hash(password, cost);
}

export class Passwords {
  readonly cost: number;
  readonly scheme: PasswordHash;
  #decoy: Promise<string> | undefined;

  constructor(cost: number, scheme: PasswordHash = 'bcrypt') {
    this.cost = cost;
    this.scheme = scheme;
  }

  hash(password: string): Promise<string> {
    return hashPassword(password, this.cost, this.scheme);
  }

  /**
   * Whether `password` is the one hashed (bcrypt or argon2id, whichever made the hash). bcrypt would compare only the
   * first 72 bytes, so a longer one (which no stored password can be: the policy refuses them) never matches, after
   * the same work as any other.
   */
  async verify(password: string, hash: string): Promise<boolean> {
    const matches = isArgon2(hash)
      ? await argon2.verify(hash, password).catch(() => false)
      : await bcrypt.compare(password, hash);
    return matches && Buffer.byteLength(password) <= MAX_PASSWORD_BYTES;
  }

  /** A hash of the other kind, or made with other parameters, is replaced at the next sign-in. */
  needsRehash(hash: string): boolean {
    if (this.scheme === 'argon2id') return !hash.startsWith('$argon2id$') || argon2.needsRehash(hash, ARGON2ID);
    return isArgon2(hash) || bcrypt.getRounds(hash) !== this.cost;
  }

  /** Compares against a hash nothing matches: a miss costs as much time as a wrong password. */
  async verifyDecoy(password: string): Promise<false> {
    this.#decoy ??= this.hash('decoy password that never matches');
    await this.verify(password, await this.#decoy);
    return false;
  }
}
