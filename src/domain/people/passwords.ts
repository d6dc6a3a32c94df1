// Password hashing with bcrypt at the configured cost (built once); hashes made at another cost are upgraded at the
// next successful sign-in.
import bcrypt from 'bcrypt';

/** bcrypt only reads the first 72 bytes; longer passwords are refused by the policy before they get here. */
export const MAX_PASSWORD_BYTES = 72;

export function hashPassword(password: string, cost: number): Promise<string> {
  return bcrypt.hash(password, cost);
}

export class Passwords {
  readonly cost: number;
  #decoy: Promise<string> | undefined;

  constructor(cost: number) {
    this.cost = cost;
  }

  hash(password: string): Promise<string> {
    return hashPassword(password, this.cost);
  }

  /**
   * Whether `password` is the one hashed. bcrypt would compare only the first 72 bytes, so a longer one (which no
   * stored password can be: the policy refuses them) never matches, after the same work as any other.
   */
  async verify(password: string, hash: string): Promise<boolean> {
    const matches = await bcrypt.compare(password, hash);
    return matches && Buffer.byteLength(password) <= MAX_PASSWORD_BYTES;
  }

  needsRehash(hash: string): boolean {
    return bcrypt.getRounds(hash) !== this.cost;
  }

  /** Compares against a hash nothing matches: a miss costs as much time as a wrong password. */
  async verifyDecoy(password: string): Promise<false> {
    this.#decoy ??= this.hash('decoy password that never matches');
    await this.verify(password, await this.#decoy);
    return false;
  }
}
