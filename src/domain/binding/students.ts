// Finding the student a parent names (seed 002 step 2): a person with an active student identity at a school of the
// chosen level, by national ID, and — so that this is no lookup service — their birth date or student number too.
import type { Knex } from 'knex';
import type { Keyring } from '../../platform/keyring.ts';
import { maskName } from '../people/masks.ts';
import { nationalIdIndex } from '../people/national-id-store.ts';
import type { SCHOOL_LEVELS } from '../schools/schools.ts';

export type SchoolLevel = (typeof SCHOOL_LEVELS)[number];

export type StudentQuery = {
  nationalId: string;
  level: SchoolLevel;
  /** YYYY-MM-DD */
  birthdate?: string;
  studentNo?: string;
  /** The student a school's binding code names: proof enough, in place of the birth date or student number. */
  identityId?: string;
};

/** One school where the student is enrolled: what the parent sees (the name masked) and picks. */
export type StudentMatch = {
  identityId: string;
  personId: string;
  maskedName: string;
  school: { code: string; name: string };
};

const isoDate = (d: Date | string | null) =>
  d === null ? undefined : typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10);

export async function findStudents(db: Knex, keyring: Keyring, q: StudentQuery): Promise<StudentMatch[]> {
  const index = nationalIdIndex(keyring, q.nationalId);
  if (!index || (!q.birthdate && !q.studentNo && !q.identityId)) return [];
  const rows: {
    identity_id: string;
    person_id: string;
    name: string;
    birthdate: Date | string | null;
    attributes: Record<string, unknown> | string | null;
    school_code: string;
    school_name: string;
  }[] = await db('persons as p')
    .join('identities as i', 'i.person_id', 'p.id')
    .join('schools as s', 's.code', 'i.school_code')
    .select(
      'i.id as identity_id',
      'p.id as person_id',
      'p.name',
      db.raw("to_char(p.birthdate, 'YYYY-MM-DD') as birthdate"),
      'i.attributes',
      's.code as school_code',
      's.name as school_name',
    )
    .where({ 'p.national_id_index': index, 'p.status': 'active', 'i.role': 'student', 'i.status': 'active' })
    .where('s.level', q.level)
    .modify((b) => {
      if (q.identityId) b.where('i.id', q.identityId);
    })
    .orderBy('s.name');
  return rows
    .filter((r) => {
      const attrs = typeof r.attributes === 'string' ? JSON.parse(r.attributes) : (r.attributes ?? {});
      const byDate = q.birthdate !== undefined && isoDate(r.birthdate) === q.birthdate;
      const byNumber =
        q.studentNo !== undefined &&
        typeof attrs.student_no === 'string' &&
        attrs.student_no.toUpperCase() === q.studentNo.toUpperCase();
      return byDate || byNumber || q.identityId === r.identity_id;
    })
    .map((r) => ({
      identityId: r.identity_id,
      personId: r.person_id,
      maskedName: maskName(r.name),
      school: { code: r.school_code, name: r.school_name },
    }));
}

/** The student behind an identity, if it is still an active student identity (a draft may be hours old). */
export async function studentByIdentity(
  db: Knex,
  identityId: string,
): Promise<{ personId: string; name: string; nationalIdIndex: string | null; schoolCode: string } | undefined> {
  const row = await db('identities as i')
    .join('persons as p', 'p.id', 'i.person_id')
    .select('p.id as personId', 'p.name', 'p.national_id_index as nationalIdIndex', 'i.school_code as schoolCode')
    .where({ 'i.id': identityId, 'i.role': 'student', 'i.status': 'active', 'p.status': 'active' })
    .first();
  return row;
}
