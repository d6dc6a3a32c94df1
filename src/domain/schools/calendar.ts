// The school calendar: ROC academic years (民國學年度) and semesters.

export type Term = { academicYear: number; semester: 1 | 2 };

/** August–January is the first semester of the academic year that began in August; February–July the second. */
export function termOn(date: Date): Term {
  const year = date.getFullYear();
  const month = date.getMonth() + 1;
  if (month >= 8) return { academicYear: year - 1911, semester: 1 };
  if (month === 1) return { academicYear: year - 1912, semester: 1 };
  return { academicYear: year - 1912, semester: 2 };
}

export function rocYear(date: Date): number {
  return date.getFullYear() - 1911;
}

/** year-month-day as an ISO date when it is a real calendar date (not 2013-02-30, 2026-13-45). */
function calendarDate(year: number, month: number, day: number): string | undefined {
  if (year < 1000 || year > 9999) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return date.toISOString().slice(0, 10);
}

/**
 * A date as schools write it, in the ROC calendar (`104/08/31`, also `104-08-31` or `104.8.31`), as an ISO date
 * (`2015-08-31`); none when it is no real date.
 */
export function parseRocDate(text: string): string | undefined {
  const match = /^\s*(\d{2,3})[/.-](\d{1,2})[/.-](\d{1,2})\s*$/.exec(text);
  if (!match) return undefined;
  return calendarDate(Number(match[1]) + 1911, Number(match[2]), Number(match[3]));
}

/** An ISO date (`2015-08-31`) that is a real calendar date, as given; none otherwise (JavaScript's Date.parse takes
 *  2013-02-30 for March 2nd, and PostgreSQL then refuses it). */
export function parseIsoDate(text: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  return match ? calendarDate(Number(match[1]), Number(match[2]), Number(match[3])) : undefined;
}

/**
 * A date as a person types it: `2013-09-02`, `2013/9/2`, or in the ROC calendar as the seeds and schools write it
 * (`102/09/02`, `102.9.2`); the ISO date, none when it is no real date.
 */
export function parseTypedDate(text: string): string | undefined {
  const western = /^\s*(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})\s*$/.exec(text);
  if (western) return calendarDate(Number(western[1]), Number(western[2]), Number(western[3]));
  return parseRocDate(text);
}

/** An ISO date (`2015-08-31`) as schools write it: `104/08/31`. */
export function formatRocDate(iso: string): string {
  const [year, month, day] = iso.split('-');
  return `${Number(year) - 1911}/${month}/${day}`;
}
