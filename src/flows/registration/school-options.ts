// The school picker: every school, grouped by level in the usual order, by name within a level.
import type { Knex } from 'knex';
import { SCHOOL_LEVELS } from '../../domain/schools/schools.ts';

export type SchoolGroup = { level: string; schools: { code: string; name: string }[] };

export async function schoolGroups(db: Knex): Promise<SchoolGroup[]> {
  const rows: { code: string; name: string; level: string }[] = await db('schools').select('code', 'name', 'level').orderBy(['name', 'code']);
  const levels = [...SCHOOL_LEVELS, ...new Set(rows.map((r) => r.level).filter((l) => !(SCHOOL_LEVELS as readonly string[]).includes(l)))];
  return levels
    .map((level) => ({ level, schools: rows.filter((r) => r.level === level).map(({ code, name }) => ({ code, name })) }))
    .filter((g) => g.schools.length > 0);
}

export async function schoolExists(db: Knex, code: string): Promise<boolean> {
  return /^\d{6}$/.test(code) && !!(await db('schools').where({ code }).first('code'));
}
