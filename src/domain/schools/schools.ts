// Schools and their classes.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';
import { termOn } from './calendar.ts';
import { CLASS_CODE, className } from './classes.ts';

export const SCHOOL_LEVELS = ['elementary', 'junior', 'senior', 'vocational', 'special'] as const;
export const SCHOOL_KINDS = ['municipal', 'private'] as const;

export const NewSchool = z.object({
  code: z.string().regex(/^\d{6}$/, 'a school code has 6 digits'),
  name: z.string().trim().min(1).max(100),
  level: z.enum(SCHOOL_LEVELS),
  kind: z.enum(SCHOOL_KINDS).default('municipal'),
});
export type NewSchool = z.input<typeof NewSchool>;

export type School = {
  code: string;
  name: string;
  level: string;
  kind: string;
  academic_year: number | null;
  semester: number | null;
};

/**
 * The school's roster lock, until the transaction ends: one import, publish, parent's mobile correction or upload of
 * verification credentials (PUT /api/schools/:code/roster-credentials) of a school at a time.
 */
export async function lockSchoolRoster(trx: Knex.Transaction, schoolCode: string): Promise<void> {
  await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`school-roster:${schoolCode}`]);
}

export function findSchool(db: Knex, code: string): Promise<School | undefined> {
  return db('schools').where({ code }).first();
}

/** Inserts a school, or updates its name, level and kind. */
export async function upsertSchool(db: Knex, input: NewSchool): Promise<School> {
  const school = NewSchool.parse(input);
  const [row] = await db('schools').insert(school).onConflict('code').merge(['name', 'level', 'kind']).returning('*');
  return row as School;
}

/** The class with this code in the school's current term (the school's own setting, else today's term). */
export async function ensureClass(db: Knex, school: School, code: string, now = new Date()): Promise<string> {
  if (!CLASS_CODE.test(code)) throw new Error(`invalid class code: ${code}`);
  const term =
    school.academic_year && school.semester
      ? { academicYear: school.academic_year, semester: school.semester }
      : termOn(now);
  const key = { school_code: school.code, academic_year: term.academicYear, semester: term.semester, code };
  await db('classes')
    .insert({ id: crypto.randomUUID(), ...key, name: className(code) })
    .onConflict(['school_code', 'academic_year', 'semester', 'code'])
    .ignore();
  const row = await db('classes').where(key).first();
  return row.id as string;
}
