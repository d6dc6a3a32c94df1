// A roster row whose national ID already has an account is the account's owner only when the row names the same
// person: the same name (as people write it: spaces, full-width letters and variation selectors aside) and, for a
// student, the same birth date when the account has one. Otherwise the national ID was mistyped (or is someone
// else's), and publishing would give the row's identity to a stranger: an import lists the row as a problem, with the
// file's other problems — whatever the file (a workbook, the JSON roster API, a OneRoster bundle) — and says nothing of
// the account; publishing leaves such a row waiting (publishing.ts). A registration still waiting for its email
// holds no national ID (anyone may type anyone's), as publishing has it. Nor is an account that names the row's person
// trusted for it on its own word (registration stores a typed national ID unchecked): only one a school source
// confirmed (people/confirmed-holder.ts; schoolConfirmed) is given the row's identity; for any other, publishing
// prints a slip, the import's preview names the row (no problem of the file), and the person who registers with the
// slip and the national ID its row names takes the ID off that account (releaseUnconfirmedHolder).
import type { Knex } from 'knex';
import type { Keyring } from '../../../platform/keyring.ts';
import { recordAudit } from '../../audit.ts';
import { type ProvenContacts, provesSchoolContact, vouchedBySchool } from '../../people/confirmed-holder.ts';
import { isValidNationalId } from '../../people/national-id.ts';
import { nationalIdIndex } from '../../people/national-id-store.ts';
import { normalisePersonName } from '../../people/person-name.ts';
import type { RowError } from './rows.ts';

/** What a row says of the person its national ID names; `birthdate` (ISO) for a student's row. */
export type IdClaim = { sheet: string; row: number; nationalId: string; name: string; birthdate?: string };

/** What an account holding a national ID says of its person. */
export type Holder = { name: string; birthdate: string | null };

/** Spaces (a full-width one too), middle dots of any kind and variation selectors: not what tells two names apart. */
const NOT_TELLING = /[\s\u00B7\u2027\u30FB\uFF65\u2022]|\p{Variation_Selector}/gu;

/**
 * A name as two writings of it are compared: as a name is kept (normalisePersonName: NFC, spaces), then full-width
 * letters and digits as their ASCII (NFKC), without spaces or middle dots, in lower case — 王 小明, 王　小明 and 王小明
 * are one name, as are ＷＡＮＧ Ｘｉａｏ and Wang Xiao.
 */
export function nameKey(name: string): string {
  return normalisePersonName(name).normalize('NFKC').replace(NOT_TELLING, '').toLowerCase();
}

export const samePersonName = (a: string, b: string): boolean => nameKey(a) === nameKey(b);

/** Whether the row names the account's person: the same name, and the same birth date where both are known. */
export function namesHolder(holder: Holder, claim: { name: string; birthdate?: string | null }): boolean {
  if (!samePersonName(holder.name, claim.name)) return false;
  return !(holder.birthdate && claim.birthdate && holder.birthdate.slice(0, 10) !== claim.birthdate.slice(0, 10));
}

const CHUNK = 1000;

/** An account that holds a national ID, as the roster's rows are compared with it. */
export type HolderAccount = Holder &
  ProvenContacts & { id: string; status: string; email: string | null; locale: string | null };

/**
 * The accounts holding these national IDs (by blind index): never a registration still waiting for its email; were
 * there more than one, the active one, then the oldest (as publishing chooses).
 */
export async function holdersOf(
  db: Knex | Knex.Transaction,
  indexes: readonly string[],
): Promise<Map<string, HolderAccount>> {
  const unique = [...new Set(indexes)];
  const holders = new Map<string, HolderAccount>();
  for (let i = 0; i < unique.length; i += CHUNK) {
    const rows: (HolderAccount & { national_id_index: string })[] = await db('persons')
      .whereIn('national_id_index', unique.slice(i, i + CHUNK))
      .whereNot({ status: 'pending' })
      .orderByRaw("national_id_index, (status = 'active') desc, created_at, id")
      .select(
        'id',
        'status',
        'national_id_index',
        'email',
        'email_verified',
        'mobile',
        'mobile_verified',
        'locale',
        'name',
        'birthdate',
      );
    for (const { national_id_index, ...r } of rows)
      if (!holders.has(national_id_index)) holders.set(national_id_index, r);
  }
  return holders;
}

/** What a roster row says of its person besides the national ID: the name, and a contact the school gives. */
export type RowContact = { name: string; mobile?: string | null; email?: string | null };

/**
 * The accounts among `holders` that a school source confirmed (confirmed-holder.ts): those the roster may give a row's
 * identity (and a parent's child) for the national ID they hold. Any other holds the ID on its own word only — anyone
 * may register with another person's national ID and name — so its row gets a slip instead, for the person the school
 * hands it to (publishing.ts). `rowConfirms` says whether a row's own data confirms its holder (the name and a contact
 * the account proved).
 */
export async function schoolConfirmed(
  db: Knex | Knex.Transaction,
  holders: Iterable<HolderAccount>,
): Promise<(holder: HolderAccount, row: RowContact) => boolean> {
  const vouched = await vouchedBySchool(
    db,
    [...holders].map((h) => h.id),
  );
  return (holder, row) =>
    vouched.has(holder.id) || (samePersonName(holder.name, row.name) && provesSchoolContact(holder, row));
}

/** The national ID's column in every sheet that has one. */
const ID_COLUMN = '身分證統一編號';

/**
 * The rows whose national ID has an account that is not the row's person, as problems of the error table (the national
 * ID's column): `nationalIdOtherName` — or, for a student's row, `nationalIdOtherPerson` (the name or the birth date: the
 * answer does not say which, nor anything else of the account). Rows whose national ID is already a problem are left
 * to it.
 */
export async function accountProblems(
  db: Knex,
  keyring: Keyring,
  claims: readonly IdClaim[],
  known: readonly RowError[] = [],
): Promise<RowError[]> {
  const idProblem = new Set(known.filter((e) => e.column === ID_COLUMN).map((e) => `${e.sheet}\u0000${e.row}`));
  const checked = claims.flatMap((c) => {
    if (!c.name || !isValidNationalId(c.nationalId) || idProblem.has(`${c.sheet}\u0000${c.row}`)) return [];
    const index = nationalIdIndex(keyring, c.nationalId);
    return index ? [{ ...c, index }] : [];
  });
  if (!checked.length) return [];
  const holders = await holdersOf(
    db,
    checked.map((c) => c.index),
  );
  return checked.flatMap((c): RowError[] => {
    const holder = holders.get(c.index);
    if (!holder || namesHolder(holder, c)) return [];
    const message = c.birthdate === undefined ? 'nationalIdOtherName' : 'nationalIdOtherPerson';
    return [{ row: c.row, sheet: c.sheet, column: ID_COLUMN, message: `school.import.errors.${message}` }];
  });
}

/** The roster table and key columns of a published credential's row (`roster_credentials.roster_key`). */
export function rosterRowOf(key: string): { table: string; where: Record<string, string> } | undefined {
  const [kind, number, mobile] = key.split(':');
  if (!number) return undefined;
  if (kind === 'staff') return { table: 'roster_staff', where: { staff_no: number } };
  if (kind === 'student') return { table: 'roster_students', where: { student_no: number } };
  if (kind === 'parent' && mobile) return { table: 'roster_parents', where: { student_no: number, mobile } };
  return undefined;
}

/**
 * A school's slip is redeemed by registering with the national ID its roster row names, which an account holds that
 * no school source confirmed (publishing printed the slip instead of giving that account the identity): the school's
 * word outweighs a typed one. The account's national ID is taken off it (one account per national ID), in the
 * registration's transaction, audited (person.national_id_released: the school and why, never the national ID); the
 * account stays as it is otherwise. Nothing happens when the slip is used or no roster row of the school names this
 * national ID, or when the holder is confirmed after all (then the ID is taken, as before). Whether it released one.
 */
export async function releaseUnconfirmedHolder(
  trx: Knex.Transaction,
  keyring: Keyring,
  q: { credentialId: string; nationalId: string },
): Promise<boolean> {
  const index = nationalIdIndex(keyring, q.nationalId);
  if (!index) return false;
  const credential: { school_code: string; roster_key: string | null } | undefined = await trx('roster_credentials')
    .where({ id: q.credentialId })
    .whereNull('claimed_by_person_id')
    .first('school_code', 'roster_key');
  const row = credential?.roster_key ? rosterRowOf(credential.roster_key) : undefined;
  if (!credential || !row) return false;
  const named: RowContact | undefined = await trx(row.table)
    .where({ school_code: credential.school_code, ...row.where, national_id_index: index, status: 'active' })
    .orderBy([
      { column: 'academic_year', order: 'desc' },
      { column: 'semester', order: 'desc' },
    ])
    .first('*');
  if (!named) return false;
  const holder = (await holdersOf(trx, [index])).get(index);
  if (!holder) return false;
  // Under the account's row lock: an identity given to it meanwhile (a school confirmed it) keeps the ID its own.
  await trx('persons').where({ id: holder.id }).forUpdate().first('id');
  if ((await schoolConfirmed(trx, [holder]))(holder, named)) return false;
  await trx('persons')
    .where({ id: holder.id, national_id_index: index })
    .update({ national_id_sealed: null, national_id_index: null, updated_at: trx.fn.now() });
  await recordAudit(trx, {
    actor: 'roster-credential',
    action: 'person.national_id_released',
    subject: holder.id,
    detail: { school: credential.school_code, reason: 'school_slip', role: credential.roster_key!.split(':')[0] },
  });
  return true;
}
