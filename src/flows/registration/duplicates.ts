// Whether an email or national ID already belongs to someone, as field messages for step 1.
import type { Knex } from 'knex';
import { findPersonIdByNationalId } from '../../domain/people/national-id-store.ts';
import type { Keyring } from '../../platform/keyring.ts';
import type { FieldErrors } from './form.ts';

export async function findDuplicates(db: Knex, keyring: Keyring, q: { email: string; nationalId: string }): Promise<FieldErrors> {
  const errors: FieldErrors = {};
  const email = q.email.toLowerCase();
  // An email that is someone's custom username would make sign-in by that name ambiguous: taken too.
  const holder = await db('persons').select('status').whereRaw('lower(email) = ?', [email]).orWhereRaw('lower(username) = ?', [email]).first();
  if (holder) errors.email = holder.status === 'pending' ? 'registration.errors.emailPending' : 'registration.errors.emailTaken';
  if (await findPersonIdByNationalId(db, keyring, q.nationalId)) errors.nationalId = 'registration.errors.nationalIdTaken';
  return errors;
}
