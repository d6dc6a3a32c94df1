// Whether an account that holds a national ID is confirmed to be that person's by more than its holder's own word.
// Registration (/register) stores a typed national ID unchecked: anyone may register with another person's national
// ID and name. So whatever gives an account a school's identity or a child because of the national ID it holds (the
// roster's publishing, the school-affairs guardian push, a binding approval) trusts the account only when a school
// source confirmed it: the person holds an identity a school source gave (`sis`, `bureau`; `roster` when the slip's
// roster row named the account's national ID) or an approved binding made (`binding`), whatever its status now; or the
// school's own data names the person — their name and a contact they proved (their verified mobile number; for staff,
// their verified email address).
import type { Knex } from 'knex';

/** The identity sources a school (or the bureau, or a school's reviewer) vouches for; never `self`. */
export const SCHOOL_SOURCES = ['sis', 'roster', 'bureau', 'binding'] as const;

const CHUNK = 1000;

/**
 * A `roster` identity vouches for the national ID its account holds only when it came with a slip of the school's
 * roster whose row names that national ID (a slip with one goes only to its holder: enrolment/school-verified.ts). A
 * slip the school's system uploaded (no roster row), a parent's row without a national ID, or one redeemed before
 * that check by an account holding another national ID says nothing of whose the account's national ID is.
 */
const ROSTER_NAMES_HOLDER = `exists (
  select 1 from roster_credentials c join persons p on p.id = identities.person_id
  where c.identity_id = identities.id and c.claimed_by_person_id = identities.person_id
    and p.national_id_index is not null and c.roster_key is not null
    and (exists (select 1 from roster_students r where r.school_code = c.school_code
           and c.roster_key = 'student:' || r.student_no and r.national_id_index = p.national_id_index)
      or exists (select 1 from roster_staff r where r.school_code = c.school_code
           and c.roster_key = 'staff:' || r.staff_no and r.national_id_index = p.national_id_index)
      or exists (select 1 from roster_parents r where r.school_code = c.school_code
           and c.roster_key = 'parent:' || r.student_no || ':' || r.mobile and r.national_id_index = p.national_id_index)))`;

/**
 * The ones of these accounts that hold an identity a school source gave (any status, ended or not): `sis`, `bureau`,
 * `binding`, or `roster` from a slip whose roster row names the account's national ID (ROSTER_NAMES_HOLDER).
 */
export async function vouchedBySchool(db: Knex | Knex.Transaction, personIds: readonly string[]): Promise<Set<string>> {
  const unique = [...new Set(personIds)];
  const vouched = new Set<string>();
  const others = SCHOOL_SOURCES.filter((s) => s !== 'roster');
  for (let i = 0; i < unique.length; i += CHUNK)
    for (const id of await db('identities')
      .whereIn('person_id', unique.slice(i, i + CHUNK))
      .where((q) =>
        q.whereIn('source', others).orWhere((r) => r.where('source', 'roster').whereRaw(ROSTER_NAMES_HOLDER)),
      )
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
