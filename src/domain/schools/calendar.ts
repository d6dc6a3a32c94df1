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
