// Queries of the school-issued verification credentials (roster_credentials).
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { lockSchoolRoster } from '../schools/schools.ts';
import type { SelfKind as RosterRole } from './person-input.ts';

export type CredentialRow = {
  role: RosterRole;
  account: string;
  passwordHash: string;
  name: string;
  classCode?: string;
  seat?: number;
  studentNo?: string;
};

export type StoredCredential = {
  id: string;
  school_code: string;
  role: RosterRole;
  account: string;
  /** bcrypt, for credentials a school's system uploaded; none for published ones, whose password is sealed. */
  password_hash: string | null;
  password_sealed: string | null;
  roster_key: string | null;
  relationship: string | null;
  identity_id: string | null;
  name: string;
  class_code: string | null;
  seat: number | null;
  student_no: string | null;
  claimed_by_person_id: string | null;
  claimed_at: string | null;
};

/**
 * An upload naming accounts of credentials the back office published (04 同步資料): those are the roster's, printed on
 * slips already handed out, so an upload never replaces them. `rows` are the upload's indexes of those accounts.
 */
export class PublishedCredentials extends Error {
  readonly rows: { index: number; account: string }[];
  constructor(rows: { index: number; account: string }[]) {
    super(`published credentials: ${rows.map((r) => r.account).join(', ')}`);
    this.rows = rows;
  }
}

/**
 * Inserts or updates every row by account; a claimed credential stays claimed. Run it in one transaction: it takes the
 * school's roster lock (one upload, import or publish of a school at a time), and throws PublishedCredentials, writing
 * nothing, when a row names the account of a credential the back office published.
 */
export async function upsertCredentials(
  trx: Knex.Transaction,
  schoolCode: string,
  rows: CredentialRow[],
): Promise<{ inserted: number; updated: number }> {
  await lockSchoolRoster(trx, schoolCode);
  const published = new Set<string>();
  const names = rows.map((r) => r.account);
  for (let i = 0; i < names.length; i += 1000)
    for (const account of await trx('roster_credentials')
      .where({ school_code: schoolCode })
      .whereIn('account', names.slice(i, i + 1000))
      .whereNotNull('roster_key')
      .pluck('account'))
      published.add(account);
  if (published.size)
    throw new PublishedCredentials(
      rows.flatMap((r, index) => (published.has(r.account) ? [{ index, account: r.account }] : [])),
    );
  let inserted = 0;
  for (const r of rows) {
    const [row] = await trx('roster_credentials')
      .insert({
        id: crypto.randomUUID(),
        school_code: schoolCode,
        role: r.role,
        account: r.account,
        password_hash: r.passwordHash,
        password_sealed: null,
        name: r.name,
        class_code: r.classCode ?? null,
        seat: r.seat ?? null,
        student_no: r.studentNo ?? null,
      })
      .onConflict(['school_code', 'account'])
      .merge(['role', 'password_hash', 'password_sealed', 'name', 'class_code', 'seat', 'student_no', 'updated_at'])
      .returning(trx.raw('(xmax = 0) as inserted'));
    if (row.inserted) inserted++;
  }
  return { inserted, updated: rows.length - inserted };
}

export function listCredentials(db: Knex, schoolCode: string): Promise<StoredCredential[]> {
  return db('roster_credentials').where({ school_code: schoolCode }).orderBy('account');
}

export function findCredential(
  db: Knex,
  q: { schoolCode: string; role: string; account: string },
): Promise<StoredCredential | undefined> {
  return db('roster_credentials').where({ school_code: q.schoolCode, role: q.role, account: q.account }).first();
}

export function credentialById(db: Knex, id: string): Promise<StoredCredential | undefined> {
  return db('roster_credentials').where({ id }).first();
}

/** Marks the credential claimed by the person; false when someone claimed it first. */
export async function claimCredential(trx: Knex.Transaction, id: string, personId: string): Promise<boolean> {
  const n = await trx('roster_credentials')
    .where({ id })
    .whereNull('claimed_by_person_id')
    .update({ claimed_by_person_id: personId, claimed_at: trx.fn.now(), updated_at: trx.fn.now() });
  return n === 1;
}

/** The schools with credentials, for the picker. */
export function schoolsWithCredentials(db: Knex): Promise<{ code: string; name: string }[]> {
  return db('schools as s')
    .whereExists(db('roster_credentials as c').whereRaw('c.school_code = s.code').select(db.raw('1')))
    .select('s.code', 's.name')
    .orderBy(['s.name', 's.code']);
}
