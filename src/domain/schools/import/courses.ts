// 匯入配課資料 (issue 14, item 3; seed 000 §9): a workbook with the sheet 配課 — which teacher teaches which subject to
// which class, and how many periods a week — checked row by row against the semester's imported classes and teachers:
// required values, codes, a whole number of periods, the same class and subject twice; the template's example row is
// refused as such (rows.ts exampleRow). Nothing is kept until the whole file is clean.
import { exampleRow, fileProblem, type RowError, rowProblems, rowValues, type SheetCheck, sortErrors } from './rows.ts';
import type { SheetRows, SheetSpec } from './workbook.ts';

export const COURSES_SHEET = '配課';

export const COURSES: readonly SheetSpec[] = [
  {
    name: COURSES_SHEET,
    columns: [
      { header: '班級代碼', field: 'class_code', example: '701' },
      { header: '科目代碼', field: 'subject_code', example: 'MATH' },
      { header: '科目名稱', field: 'subject_name', example: '數學', asTyped: true },
      { header: '教師編號', field: 'staff_no', example: 'T0001' },
      { header: '每週節數', field: 'hours', example: '4' },
    ],
  },
];

export type RosterCourse = {
  classCode: string;
  subjectCode: string;
  subjectName: string;
  staffNo: string;
  hours: number;
};

/** This semester's imported classes and active teachers. */
export type CoursesContext = { classes: ReadonlySet<string>; staff: ReadonlySet<string> };

const SUBJECT_CODE = /^[A-Za-z0-9_-]{1,20}$/;

export function checkCourses(sheets: Map<string, SheetRows>, context: CoursesContext): SheetCheck<RosterCourse[]> {
  const problem = fileProblem(sheets, COURSES, [COURSES_SHEET]);
  if (problem) return problem;
  const errors: RowError[] = [];
  const courses: RosterCourse[] = [];
  const seen = new Map<string, number>();
  for (const { number, cells } of sheets.get(COURSES_SHEET)!.rows.slice(1)) {
    const fail = rowProblems(errors, COURSES[0]!, number, cells);
    const values = rowValues(cells, COURSES[0]!);
    const [classCode = '', subjectCode = '', subjectName = '', staffNo = '', hoursText = ''] = values;
    const example = exampleRow(cells, COURSES[0]!, values);
    if (example) {
      fail(example, 'exampleRow');
      continue;
    }
    if (!classCode) fail('班級代碼', 'required');
    else if (!context.classes.has(classCode)) fail('班級代碼', 'noSuchClass', { code: classCode });
    if (!subjectCode) fail('科目代碼', 'required');
    else if (!SUBJECT_CODE.test(subjectCode)) fail('科目代碼', 'subjectCode');
    else if (classCode) {
      const key = `${classCode}\u0000${subjectCode}`;
      if (seen.has(key)) fail('科目代碼', 'sameCourse', { row: String(seen.get(key)), code: classCode });
      else seen.set(key, number);
    }
    const name = subjectName.normalize('NFC').replace(/\s+/g, ' ');
    if (!name) fail('科目名稱', 'required');
    else if ([...name].length > 30) fail('科目名稱', 'tooLong');
    if (!staffNo) fail('教師編號', 'required');
    else if (!context.staff.has(staffNo)) fail('教師編號', 'noSuchStaff', { no: staffNo });
    const hours = /^\d{1,2}$/.test(hoursText) ? Number(hoursText) : Number.NaN;
    if (!hoursText) fail('每週節數', 'required');
    else if (!(hours >= 1 && hours <= 40)) fail('每週節數', 'hours');
    courses.push({ classCode, subjectCode, subjectName: name, staffNo, hours });
  }
  if (errors.length) return { ok: false, errors: sortErrors(errors, [COURSES_SHEET]) };
  return { ok: true, value: courses };
}
