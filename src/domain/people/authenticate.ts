// Checks a login name and password. The answer never tells whether the account exists.
import type { Knex } from 'knex';
import { decoyHash, hashPassword, needsRehash, verifyPassword } from './passwords.ts';
import { findPersonByLogin, type Person, updatePasswordHash } from './persons.ts';

/** On failure `personId` says whose account it was (for the audit log only, never for the person at the keyboard). */
export type SignInResult = { ok: true; person: Person } | { ok: false; reason: 'bad_credentials' | 'inactive'; personId?: string };

export async function checkPassword(db: Knex, bcryptCost: number, login: string, password: string): Promise<SignInResult> {
  const person = await findPersonByLogin(db, login);
  const hash = person?.password_hash ?? (await decoyHash(bcryptCost));
  const matches = await verifyPassword(password, hash);
  if (!person || !person.password_hash || !matches) return { ok: false, reason: 'bad_credentials', personId: person?.id };
  if (person.status !== 'active') return { ok: false, reason: 'inactive', personId: person.id };
  if (needsRehash(person.password_hash, bcryptCost)) {
    await updatePasswordHash(db, person.id, await hashPassword(password, bcryptCost));
  }
  return { ok: true, person };
}
