// 匯入班級及教師資料 (issue 14, item 3; seed 000 §9): a workbook with the sheets 班級 and 教師, checked row by row —
// required values, a real national ID (checksum), fixed values from their lists, duplicates within the file, a class's
// homeroom teacher named in the 教師 sheet — each problem with its row number, column and a message in plain words.
// The template's example row is refused as such (rows.ts exampleRow). Nothing is kept until the whole file is clean.
import { isValidNationalId, normaliseNationalId } from '../../people/national-id.ts';
import { CLASS_CODE } from '../classes.ts';
import { nameProblem } from './names.ts';
import {
  EXAMPLE_NATIONAL_IDS,
  exampleRow,
  fileProblem,
  type RowError,
  rowProblems,
  rowValues,
  type SheetCheck,
  sortErrors,
} from './rows.ts';
import type { SheetRows, SheetSpec } from './workbook.ts';

export const CLASSES_SHEET = '班級';
export const TEACHERS_SHEET = '教師';
export const STAFF_KINDS = { 教師: 'teacher', 職員: 'staff' } as const;
const GRADES = Array.from({ length: 12 }, (_, i) => String(i + 1));

export const CLASSES_TEACHERS: readonly SheetSpec[] = [
  {
    name: CLASSES_SHEET,
    columns: [
      { header: '班級代碼', field: 'code', example: '701' },
      { header: '班級名稱', field: 'name', example: '7年1班', width: 14, asTyped: true },
      { header: '年級', field: 'grade', example: '7', list: GRADES },
      { header: '導師教師編號', field: 'homeroom_staff_no', example: 'T0001', width: 16 },
    ],
  },
  {
    name: TEACHERS_SHEET,
    columns: [
      { header: '教師編號', field: 'staff_no', example: 'T0001' },
      { header: '姓名', field: 'name', example: '王小明', asTyped: true },
      // No one's: it fails the checksum (the example row is refused, never imported).
      {
        header: '身分證統一編號',
        field: 'national_id',
        example: EXAMPLE_NATIONAL_IDS.staff,
        width: 18,
        exampleOnly: true,
      },
      { header: '身分別', field: 'kind', example: '教師', list: Object.keys(STAFF_KINDS), words: STAFF_KINDS },
      { header: '職稱', field: 'title', example: '導師', asTyped: true },
      { header: 'Email', field: 'email', example: 'teacher@example.edu.tw', width: 28 },
    ],
  },
];

export type RosterClass = { code: string; name: string; grade: number; homeroom?: string };
export type RosterStaff = {
  /** The row it came from (as Excel numbers it). */
  row: number;
  staffNo: string;
  name: string;
  nationalId: string;
  kind: 'teacher' | 'staff';
  title?: string;
  email?: string;
};

const STAFF_NO = /^[A-Za-z0-9_-]{1,20}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function checkClassesTeachers(
  sheets: Map<string, SheetRows>,
): SheetCheck<{ classes: RosterClass[]; staff: RosterStaff[] }> {
  const problem = fileProblem(sheets, CLASSES_TEACHERS, [TEACHERS_SHEET, CLASSES_SHEET]);
  if (problem) return problem;
  const classRows = sheets.get(CLASSES_SHEET)!.rows.slice(1);
  const staffRows = sheets.get(TEACHERS_SHEET)!.rows.slice(1);

  const errors: RowError[] = [];
  const staff: RosterStaff[] = [];
  const seenStaff = new Map<string, number>();
  const seenIds = new Map<string, number>();
  for (const { number, cells } of staffRows) {
    const values = rowValues(cells, CLASSES_TEACHERS[1]!);
    const [staffNo = '', name = '', id = '', kindText = '', titleText = '', email = ''] = values;
    const fail = rowProblems(errors, CLASSES_TEACHERS[1]!, number, cells);
    const example = exampleRow(cells, CLASSES_TEACHERS[1]!, values);
    if (example) {
      fail(example, 'exampleRow');
      continue;
    }
    if (!staffNo) fail('教師編號', 'required');
    else if (!STAFF_NO.test(staffNo)) fail('教師編號', 'staffNo');
    else if (seenStaff.has(staffNo)) fail('教師編號', 'duplicate', { row: String(seenStaff.get(staffNo)) });
    else seenStaff.set(staffNo, number);
    const personName = name.normalize('NFC').replace(/\s+/g, ' ');
    if (!personName) fail('姓名', 'required');
    else if ([...personName].length > 50) fail('姓名', 'tooLong');
    else if (nameProblem(personName)) fail('姓名', 'nameChars');
    const nationalId = normaliseNationalId(id);
    if (!nationalId) fail('身分證統一編號', 'required');
    else if (!isValidNationalId(nationalId)) fail('身分證統一編號', 'nationalId');
    else if (seenIds.has(nationalId)) fail('身分證統一編號', 'duplicate', { row: String(seenIds.get(nationalId)) });
    else seenIds.set(nationalId, number);
    const staffKind = STAFF_KINDS[kindText as keyof typeof STAFF_KINDS];
    if (!kindText) fail('身分別', 'required');
    else if (!staffKind) fail('身分別', 'notInList', { list: Object.keys(STAFF_KINDS).join('、') });
    if ([...titleText].length > 30) fail('職稱', 'tooLong');
    const emailText = email.toLowerCase();
    if (emailText && (!EMAIL.test(emailText) || emailText.length > 254)) fail('Email', 'email');
    staff.push({
      row: number,
      staffNo,
      name: personName,
      nationalId,
      kind: staffKind ?? 'teacher',
      title: titleText || undefined,
      email: emailText || undefined,
    });
  }

  const classes: RosterClass[] = [];
  const seenClasses = new Map<string, number>();
  for (const { number, cells } of classRows) {
    const values = rowValues(cells, CLASSES_TEACHERS[0]!);
    const [classCode = '', className = '', gradeText = '', homeroomNo = ''] = values;
    const fail = rowProblems(errors, CLASSES_TEACHERS[0]!, number, cells);
    const example = exampleRow(cells, CLASSES_TEACHERS[0]!, values);
    if (example) {
      fail(example, 'exampleRow');
      continue;
    }
    if (!classCode) fail('班級代碼', 'required');
    else if (!CLASS_CODE.test(classCode)) fail('班級代碼', 'classCode');
    else if (seenClasses.has(classCode)) fail('班級代碼', 'duplicate', { row: String(seenClasses.get(classCode)) });
    else seenClasses.set(classCode, number);
    if (!className) fail('班級名稱', 'required');
    else if ([...className].length > 30) fail('班級名稱', 'tooLong');
    if (!gradeText) fail('年級', 'required');
    else if (!GRADES.includes(gradeText)) fail('年級', 'notInList', { list: '1–12' });
    if (homeroomNo && !seenStaff.has(homeroomNo)) fail('導師教師編號', 'noSuchTeacher', { no: homeroomNo });
    classes.push({ code: classCode, name: className, grade: Number(gradeText), homeroom: homeroomNo || undefined });
  }
  if (errors.length)
    return { ok: false, errors: sortErrors(errors, [CLASSES_SHEET, TEACHERS_SHEET]), value: { classes, staff } };
  return { ok: true, value: { classes, staff } };
}
