// The one way an account is created: the person (pending until the mailed link confirms the email, or active), an
// identity if one comes with it, the activation link and its mail, and the audit entries, in the caller's transaction.
// A duplicate email or national ID, found first or lost in a race, is an answer, not an error.
import type { Knex } from 'knex';
import type { Locale } from '../../platform/i18n/index.ts';
import type { Keyring } from '../../platform/keyring.ts';
import { recordAudit } from '../audit.ts';
import { addIdentity, type NewIdentity } from '../identities/add-identity.ts';
import { findPersonIdByNationalId } from '../people/national-id-store.ts';
import { emailHolderStatus, insertPerson, type NewPerson } from '../people/persons.ts';
import { sendActivation } from './activation.ts';
import type { FieldErrors } from './person-input.ts';

export type NewAccount = {
  person: NewPerson;
  identity?: Omit<NewIdentity, 'personId' | 'actor'>;
  /** A pending account gets its activation link by mail, in this language. */
  activation?: { issuer: string; locale: Locale };
  /** Who made it (`self` for the person), and what to say of it in the audit log. */
  actor?: string;
  audit: { action: 'person.registered' | 'person.created'; detail?: Record<string, unknown> };
};

export { isUniqueViolation } from '../../platform/storage/pg-errors.ts';

/** Whether an email or national ID already belongs to someone, as field messages. */
export async function findDuplicates(
  db: Knex,
  keyring: Keyring,
  q: { email: string; nationalId?: string },
): Promise<FieldErrors> {
  const errors: FieldErrors = {};
  // An email that is someone's custom username would make sign-in by that name ambiguous: taken too.
  const holder = await emailHolderStatus(db, q.email);
  if (holder)
    errors.email = holder === 'pending' ? 'registration.errors.emailPending' : 'registration.errors.emailTaken';
  if (q.nationalId && (await findPersonIdByNationalId(db, keyring, q.nationalId)))
    errors.nationalId = 'registration.errors.nationalIdTaken';
  return errors;
}

/** Creates the account in `trx`; returns the person's and the identity's ids. */
export async function createAccount(
  trx: Knex.Transaction,
  account: NewAccount,
): Promise<{ personId: string; identityId?: string }> {
  const person = await insertPerson(trx, account.person);
  const actor = account.actor ?? person.id;
  await recordAudit(trx, { actor, action: account.audit.action, subject: person.id, detail: account.audit.detail });
  const identityId = account.identity
    ? await addIdentity(trx, { ...account.identity, personId: person.id, actor })
    : undefined;
  if (account.activation && person.email) {
    await sendActivation(trx, account.activation.issuer, {
      personId: person.id,
      email: person.email,
      locale: account.activation.locale,
    });
  }
  return { personId: person.id, identityId };
}
