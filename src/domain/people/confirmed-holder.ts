// Whether an account that holds a national ID is confirmed to be that person's by more than its holder's own word.
// Registration (/register) stores a typed national ID unchecked: anyone may register with another person's national
// ID and name. So whatever gives an account a school's identity or a child because of the national ID it holds (the
// roster's publishing, the school-affairs guardian push, a binding approval) trusts the account only when a school
// source confirmed it: the person holds an identity a school source gave (`sis`, `roster`, `bureau`) or an approved
// binding made (`binding`), whatever its status now; or the school's own data names the person — their name and a
// contact they proved (their verified mobile number; for staff, their verified email address).
import type { Knex } from 'knex';

/** The identity sources a school (or the bureau, or a school's reviewer) vouches for; never `self`. */
export const SCHOOL_SOURCES = ['sis', 'roster', 'bureau', 'binding'] as const;

const CHUNK = 1000;

/** The ones of these accounts that hold an identity a school source gave (any status, ended or not). */
export async function vouchedBySchool(db: Knex | Knex.Transaction, personIds: readonly string[]): Promise<Set<string>> {
  const unique = [...new Set(personIds)];
  const vouched = new Set<string>();
  for (let i = 0; i < unique.length; i += CHUNK)
    for (const id of await db('identities')
      .whereIn('person_id', unique.slice(i, i + CHUNK))
      .whereIn('source', SCHOOL_SOURCES)
      .distinct()
      .pluck('person_id'))
      vouched.add(id);
  return vouched;
}

/** What an account says of its contacts, as the school's data is compared with it. */
export type ProvenContacts = {
  mobile: string | null;
  mobile_verified: boolean;
  email: string | null;
  email_verified: boolean;
};

/**
 * Whether the school's data names a contact the account proved: the mobile number the roster gives (a parent's row),
 * or the email address (a staff row). The name is compared by the caller, as it compares names.
 */
export function provesSchoolContact(
  account: ProvenContacts,
  school: { mobile?: string | null; email?: string | null },
): boolean {
  const digits = (s: string) => s.replace(/\D/g, '');
  if (school.mobile && account.mobile && account.mobile_verified && digits(account.mobile) === digits(school.mobile))
    return true;
  return !!(
    school.email &&
    account.email &&
    account.email_verified &&
    account.email.toLowerCase() === school.email.trim().toLowerCase()
  );
}
