// A roster row whose national ID already has an account is the account's owner only when the row names the same
// person: the same name (as people write it: spaces, full-width letters and variation selectors aside) and, for a
// student, the same birth date when the account has one. Otherwise the national ID was mistyped (or is someone
// else's), and publishing would give the row's identity to a stranger: an import lists the row as a problem, with the
// file's other problems — whatever the file (a workbook, the JSON roster API, a OneRoster bundle) — and says nothing of
// the account; publishing leaves such a row waiting (publishing.ts). A registration still waiting for its email
// holds no national ID (anyone may type anyone's), as publishing has it.
import type { Knex } from 'knex';
import type { Keyring } from '../../../platform/keyring.ts';
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

/**
 * The accounts holding these national IDs (by blind index): never a registration still waiting for its email; were
 * there more than one, the active one, then the oldest (as publishing chooses).
 */
export async function holdersOf(
  db: Knex | Knex.Transaction,
  indexes: readonly string[],
): Promise<Map<string, Holder & { id: string; status: string; email: string | null; locale: string | null }>> {
  const unique = [...new Set(indexes)];
  const holders = new Map<
    string,
    Holder & { id: string; status: string; email: string | null; locale: string | null }
  >();
  for (let i = 0; i < unique.length; i += CHUNK) {
    const rows: {
      id: string;
      status: string;
      national_id_index: string;
      email: string | null;
      locale: string | null;
      name: string;
      birthdate: string | null;
    }[] = await db('persons')
      .whereIn('national_id_index', unique.slice(i, i + CHUNK))
      .whereNot({ status: 'pending' })
      .orderByRaw("national_id_index, (status = 'active') desc, created_at, id")
      .select('id', 'status', 'national_id_index', 'email', 'locale', 'name', 'birthdate');
    for (const r of rows)
      if (!holders.has(r.national_id_index))
        holders.set(r.national_id_index, {
          id: r.id,
          status: r.status,
          email: r.email,
          locale: r.locale,
          name: r.name,
          birthdate: r.birthdate,
        });
  }
  return holders;
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
