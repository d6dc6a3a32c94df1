// Password hashing with bcrypt; hashes made at an older cost are upgraded on the next successful sign-in.
import bcrypt from 'bcrypt';

/** bcrypt only reads the first 72 bytes; longer passwords are refused by validation before this. */
export const MAX_PASSWORD_BYTES = 72;

export function hashPassword(password: string, cost: number): Promise<string> {
  return bcrypt.hash(password, cost);
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return bcrypt.compare(password, hash);
}

export function needsRehash(hash: string, cost: number): boolean {
  return bcrypt.getRounds(hash) !== cost;
}

/** A hash to compare against when no account matches, so a miss costs as much time as a wrong password. */
let decoy: Promise<string> | undefined;
export function decoyHash(cost: number): Promise<string> {
  decoy ??= bcrypt.hash('decoy password that never matches', cost);
  return decoy;
}
