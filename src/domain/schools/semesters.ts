// A school's semesters (issue 14, item 2; seed 000 §9 設定學期參數): the current academic year and semester with their
// start and end dates in the ROC calendar. Saving one makes it the school's current semester, which drives imports
// and publishing. Checked: real dates, start before end, inside the semester's part of the year, no overlap with the
// school's other semesters. Every change is audited.
import type { Knex } from 'knex';
import { recordAudit } from '../audit.ts';
import { formatRocDate, parseRocDate } from './calendar.ts';
import { halfWidth } from './half-width.ts';

export type SemesterInput = { academicYear: string; semester: string; startsOn: string; endsOn: string };
export type SemesterField = keyof SemesterInput;
/** Field → [i18n key, its values]. */
export type SemesterErrors = Partial<Record<SemesterField, [string, Record<string, string | number>?]>>;

export type Semester = {
  academicYear: number;
  semester: 1 | 2;
  /** ISO dates. */
  startsOn: string;
  endsOn: string;
  current: boolean;
};

const E = (key: string, values?: Record<string, string | number>): [string, Record<string, string | number>?] => [
  `school.semester.errors.${key}`,
  values,
];

/** Where a semester's dates may fall: the first from July to February, the second from January to August. */
function range(academicYear: number, semester: 1 | 2): { from: string; to: string } {
  const year = academicYear + 1911;
  if (semester === 1) {
    const leap = (year + 1) % 4 === 0 && ((year + 1) % 100 !== 0 || (year + 1) % 400 === 0);
    return { from: `${year}-07-01`, to: `${year + 1}-02-${leap ? 29 : 28}` };
  }
  return { from: `${year + 1}-01-01`, to: `${year + 1}-08-31` };
}

/** Dates come back from PostgreSQL as text (platform/storage/database.ts). */
const iso = (d: string) => String(d).slice(0, 10);

export class Semesters {
  readonly #db: Knex;

  constructor(db: Knex) {
    this.#db = db;
  }

  /** The school's semesters, latest first, the current one marked. */
  async list(schoolCode: string): Promise<Semester[]> {
    const school: { academic_year: number | null; semester: number | null } | undefined = await this.#db('schools')
      .where({ code: schoolCode })
      .first('academic_year', 'semester');
    const rows: { academic_year: number; semester: 1 | 2; starts_on: string; ends_on: string }[] = await this.#db(
      'school_semesters',
    )
      .where({ school_code: schoolCode })
      .orderBy([
        { column: 'academic_year', order: 'desc' },
        { column: 'semester', order: 'desc' },
      ]);
    return rows.map((r) => ({
      academicYear: r.academic_year,
      semester: r.semester,
      startsOn: iso(r.starts_on),
      endsOn: iso(r.ends_on),
      current: school?.academic_year === r.academic_year && school?.semester === r.semester,
    }));
  }

  /** The current semester, when the school has set one. */
  async current(schoolCode: string): Promise<Semester | undefined> {
    return (await this.list(schoolCode)).find((s) => s.current);
  }

  /** Checks and saves a semester and makes it the current one, all or nothing. */
  async save(
    schoolCode: string,
    typed: SemesterInput,
    actor: string,
  ): Promise<{ ok: true; semester: Semester } | { ok: false; errors: SemesterErrors }> {
    const errors: SemesterErrors = {};
    // Full-width digits and slashes (a Chinese input method's １１５, １１５／０８／３０) read as the ones meant.
    const input: SemesterInput = {
      academicYear: halfWidth(typed.academicYear),
      semester: halfWidth(typed.semester),
      startsOn: halfWidth(typed.startsOn),
      endsOn: halfWidth(typed.endsOn),
    };
    const year = /^\d{2,3}$/.test(input.academicYear.trim()) ? Number(input.academicYear) : Number.NaN;
    if (!input.academicYear.trim()) errors.academicYear = E('yearRequired');
    else if (!(year >= 50 && year <= 200)) errors.academicYear = E('yearInvalid');
    const semester = input.semester === '1' ? 1 : input.semester === '2' ? 2 : undefined;
    if (!semester) errors.semester = E('semesterRequired');
    const startsOn = parseRocDate(input.startsOn);
    const endsOn = parseRocDate(input.endsOn);
    if (!input.startsOn.trim()) errors.startsOn = E('dateRequired');
    else if (!startsOn) errors.startsOn = E('dateInvalid');
    if (!input.endsOn.trim()) errors.endsOn = E('dateRequired');
    else if (!endsOn) errors.endsOn = E('dateInvalid');
    if (startsOn && endsOn && startsOn >= endsOn) errors.endsOn = E('endBeforeStart');
    if (Object.keys(errors).length || !semester || !startsOn || !endsOn) return { ok: false, errors };

    const { from, to } = range(year, semester);
    if (startsOn < from || endsOn > to) {
      const which = startsOn < from || startsOn > to ? 'startsOn' : 'endsOn';
      errors[which] = E('outOfRange', { year, semester, from: formatRocDate(from), to: formatRocDate(to) });
      return { ok: false, errors };
    }

    return this.#db.transaction(async (trx) => {
      // One save of a school's semesters at a time, so that two overlapping ones sent at once cannot both pass the
      // check: the second waits for the first, then sees it.
      await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`school-semesters:${schoolCode}`]);
      // Another semester of the school whose dates meet these (the same semester may be saved again).
      const overlap: { academic_year: number; semester: number; starts_on: string; ends_on: string } | undefined =
        await trx('school_semesters')
          .where({ school_code: schoolCode })
          .whereNot((q) => q.where({ academic_year: year, semester }))
          .andWhere('starts_on', '<=', endsOn)
          .andWhere('ends_on', '>=', startsOn)
          .first();
      if (overlap) {
        return {
          ok: false as const,
          errors: {
            startsOn: E('overlap', {
              year: overlap.academic_year,
              semester: overlap.semester,
              from: formatRocDate(iso(overlap.starts_on)),
              to: formatRocDate(iso(overlap.ends_on)),
            }),
          },
        };
      }
      await trx('school_semesters')
        .insert({ school_code: schoolCode, academic_year: year, semester, starts_on: startsOn, ends_on: endsOn })
        .onConflict(['school_code', 'academic_year', 'semester'])
        .merge({ starts_on: startsOn, ends_on: endsOn, updated_at: trx.fn.now() });
      await trx('schools').where({ code: schoolCode }).update({ academic_year: year, semester });
      await recordAudit(trx, {
        actor,
        action: 'school.semester_saved',
        subject: schoolCode,
        detail: { academic_year: year, semester, starts_on: startsOn, ends_on: endsOn },
      });
      return { ok: true as const, semester: { academicYear: year, semester, startsOn, endsOn, current: true } };
    });
  }
}
