// Schools as the flows use them: the picker's groups, names, and whether a school or class exists.
import type { Knex } from 'knex';
import { findSchool, SCHOOL_LEVELS, type School } from './schools.ts';

export type SchoolGroup = { level: string; schools: { code: string; name: string }[] };

const CODE = /^\d{6}$/;

export class Schools {
  readonly #db: Knex;

  constructor(db: Knex) {
    this.#db = db;
  }

  find(code: string): Promise<School | undefined> {
    return CODE.test(code) ? findSchool(this.#db, code) : Promise.resolve(undefined);
  }

  async exists(code: string): Promise<boolean> {
    return !!(await this.find(code));
  }

  /** The school's name, or its code when there is no such school. */
  async name(code: string): Promise<string> {
    return (await this.find(code))?.name ?? code;
  }

  async classExists(schoolCode: string, classCode: string): Promise<boolean> {
    return !!(await this.#db('classes').where({ school_code: schoolCode, code: classCode }).first('id'));
  }

  /** Every school, grouped by level in the usual order, by name within a level. */
  async groups(): Promise<SchoolGroup[]> {
    const rows: { code: string; name: string; level: string }[] = await this.#db('schools')
      .select('code', 'name', 'level')
      .orderBy(['name', 'code']);
    const known = SCHOOL_LEVELS as readonly string[];
    const levels = [...SCHOOL_LEVELS, ...new Set(rows.map((r) => r.level).filter((l) => !known.includes(l)))];
    return levels
      .map((level) => ({
        level,
        schools: rows.filter((r) => r.level === level).map(({ code, name }) => ({ code, name })),
      }))
      .filter((g) => g.schools.length > 0);
  }
}
