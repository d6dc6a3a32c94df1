// 匯入學生及家長資料 (issue 14, item 3; seed 000 §9): a workbook with the sheets 學生 and 家長, checked row by row —
// required values, a real national ID (checksum), a real birth date (an Excel date, or 民國 092/05/12 as schools type
// it), a class of this semester's imported classes, one seat per class, fixed values from their lists, duplicates
// within the file, a student who is also on the staff roster, and each parent row pointing to a student of the file.
// The template's example rows are refused as such (rows.ts exampleRow). Nothing is kept until the whole file is clean.
import { isRelationship, RELATIONSHIPS, type Relationship } from '../../binding/relationships.ts';
import { isValidNationalId, normaliseNationalId } from '../../people/national-id.ts';
import { normaliseMobile } from '../../people/persons.ts';
import { parseIsoDate, parseRocDate } from '../calendar.ts';
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

export const STUDENTS_SHEET = '學生';
export const PARENTS_SHEET = '家長';
export const GENDERS = { 男: 'male', 女: 'female' } as const;
/** 家長 sheet's words for the relationships, in the order of the binding pages. */
export const RELATIONSHIP_WORDS: Record<string, Relationship> = {
  父親: 'father',
  母親: 'mother',
  祖父: 'grandfather',
  祖母: 'grandmother',
  外祖父: 'maternal_grandfather',
  外祖母: 'maternal_grandmother',
  其他監護人: 'other',
};
if (!Object.values(RELATIONSHIP_WORDS).every(isRelationship) || RELATIONSHIPS.length !== 7)
  throw new Error('the 家長 sheet must name every relationship');

export const STUDENTS_PARENTS: readonly SheetSpec[] = [
  {
    name: STUDENTS_SHEET,
    columns: [
      { header: '學號', field: 'student_no', example: '1130001' },
      { header: '姓名', field: 'name', example: '王小華', asTyped: true },
      // No one's: it fails the checksum (the example row is refused, never imported).
      {
        header: '身分證統一編號',
        field: 'national_id',
        example: EXAMPLE_NATIONAL_IDS.student,
        width: 18,
        exampleOnly: true,
      },
      { header: '班級代碼', field: 'class_code', example: '701' },
      { header: '座號', field: 'seat', example: '1' },
      { header: '出生日期', field: 'birthdate', example: '102/05/12', width: 14 },
      { header: '性別', field: 'gender', example: '女', list: Object.keys(GENDERS), words: GENDERS },
    ],
  },
  {
    name: PARENTS_SHEET,
    columns: [
      { header: '學生學號', field: 'student_no', example: '1130001' },
      { header: '家長姓名', field: 'name', example: '王大明', asTyped: true },
      {
        header: '關係',
        field: 'relationship',
        example: '父親',
        list: Object.keys(RELATIONSHIP_WORDS),
        words: RELATIONSHIP_WORDS,
      },
      { header: '手機', field: 'mobile', example: '0912345678', width: 16 },
      { header: '身分證統一編號', field: 'national_id', example: '', width: 18 },
    ],
  },
];

export type RosterStudent = {
  /** The row it came from (as Excel numbers it). */
  row: number;
  studentNo: string;
  name: string;
  nationalId: string;
  classCode: string;
  seat: number;
  /** ISO date. */
  birthdate: string;
  gender?: 'male' | 'female';
};
export type RosterParent = {
  /** The row it came from (as Excel numbers it). */
  row: number;
  studentNo: string;
  name: string;
  relationship: Relationship;
  mobile: string;
  nationalId?: string;
};

/** What the database already holds for the semester that the file must agree with. */
export type StudentsContext = {
  /** This semester's imported classes. */
  classes: ReadonlySet<string>;
  /** The staff number of a national ID on this semester's staff roster, to catch a student who is on it. */
  staffNo: (nationalId: string) => string | undefined;
};

const STUDENT_NO = /^[A-Za-z0-9_-]{1,20}$/;
const EARLIEST_BIRTH = '1900-01-01';

/** A birth date: an Excel date (read as ISO), or 民國 year/month/day as text; none when it is no real past date. */
export function birthDate(text: string, today = new Date().toISOString().slice(0, 10)): string | undefined {
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(text) ? parseIsoDate(text) : parseRocDate(text);
  if (!iso) return undefined;
  return iso >= EARLIEST_BIRTH && iso <= today ? iso : undefined;
}

const personName = (text: string) => text.normalize('NFC').replace(/\s+/g, ' ');

/**
 * The check row by row, as the reader streams them (a 50,000-row file is never held as cells): students first, then
 * parents — a parent row that arrives before the 學生 sheet has ended waits for it. The header rows and the empty
 * sheet are judged at the end.
 */
export class StudentsParentsCheck {
  readonly #context: StudentsContext;
  readonly #headers = new Map<string, SheetRows['rows'][number]>();
  readonly #ended = new Set<string>();
  readonly #waiting: SheetRows['rows'] = [];
  readonly #errors: RowError[] = [];
  readonly #students: RosterStudent[] = [];
  readonly #parents: RosterParent[] = [];
  readonly #seenNo = new Map<string, number>();
  readonly #seenIds = new Map<string, number>();
  readonly #seats = new Map<string, number>();
  readonly #seenParent = new Map<string, number>();

  constructor(context: StudentsContext) {
    this.#context = context;
  }

  /** One row of a sheet, in the order of the file (the first row of a sheet is its header row). */
  row = (sheet: string, row: SheetRows['rows'][number]): void => {
    if (sheet !== STUDENTS_SHEET && sheet !== PARENTS_SHEET) return;
    if (!this.#headers.has(sheet)) this.#headers.set(sheet, row);
    else if (sheet === STUDENTS_SHEET) this.#student(row);
    else if (this.#ended.has(STUDENTS_SHEET)) this.#parent(row);
    else this.#waiting.push(row);
  };

  endSheet = (sheet: string): void => {
    this.#ended.add(sheet);
  };

  result(): SheetCheck<{ students: RosterStudent[]; parents: RosterParent[] }> {
    const sheets = new Map<string, SheetRows>(
      STUDENTS_PARENTS.map((spec) => {
        const header = this.#headers.get(spec.name);
        return [spec.name, { rows: header ? [header] : [] }];
      }),
    );
    const problem = fileProblem(sheets, STUDENTS_PARENTS, []);
    if (problem) return problem;
    if (!this.#students.length && !this.#errors.some((e) => e.sheet === STUDENTS_SHEET))
      return { ok: false, problem: 'empty', sheet: STUDENTS_SHEET };
    for (const row of this.#waiting.splice(0)) this.#parent(row);
    if (this.#errors.length)
      return {
        ok: false,
        errors: sortErrors(this.#errors, [STUDENTS_SHEET, PARENTS_SHEET]),
        value: { students: this.#students, parents: this.#parents },
      };
    return { ok: true, value: { students: this.#students, parents: this.#parents } };
  }

  #student({ number, cells }: SheetRows['rows'][number]) {
    const fail = rowProblems(this.#errors, STUDENTS_PARENTS[0]!, number, cells);
    const values = rowValues(cells, STUDENTS_PARENTS[0]!);
    const [no = '', name = '', id = '', classCell = '', seatCell = '', birth = '', gender = ''] = values;
    const example = exampleRow(cells, STUDENTS_PARENTS[0]!, values);
    if (example) return fail(example, 'exampleRow');
    if (!no) fail('學號', 'required');
    else if (!STUDENT_NO.test(no)) fail('學號', 'studentNo');
    else if (this.#seenNo.has(no)) fail('學號', 'duplicate', { row: String(this.#seenNo.get(no)) });
    else this.#seenNo.set(no, number);
    const fullName = personName(name);
    if (!fullName) fail('姓名', 'required');
    else if ([...fullName].length > 50) fail('姓名', 'tooLong');
    else if (nameProblem(fullName)) fail('姓名', 'nameChars');
    const nationalId = normaliseNationalId(id);
    if (!nationalId) fail('身分證統一編號', 'required');
    else if (!isValidNationalId(nationalId)) fail('身分證統一編號', 'nationalId');
    else if (this.#seenIds.has(nationalId))
      fail('身分證統一編號', 'duplicate', { row: String(this.#seenIds.get(nationalId)) });
    else {
      this.#seenIds.set(nationalId, number);
      const staffNo = this.#context.staffNo(nationalId);
      if (staffNo) fail('身分證統一編號', 'alsoStaff', { no: staffNo });
    }
    if (!classCell) fail('班級代碼', 'required');
    else if (!this.#context.classes.has(classCell)) fail('班級代碼', 'noSuchClass', { code: classCell });
    const seat = /^\d{1,3}$/.test(seatCell) ? Number(seatCell) : Number.NaN;
    if (!seatCell) fail('座號', 'required');
    else if (!(seat >= 1 && seat <= 150)) fail('座號', 'seat');
    else if (classCell) {
      const key = `${classCell}\u0000${seat}`;
      if (this.#seats.has(key)) fail('座號', 'seatTaken', { row: String(this.#seats.get(key)), code: classCell });
      else this.#seats.set(key, number);
    }
    const born = birthDate(birth);
    if (!birth) fail('出生日期', 'required');
    else if (!born) fail('出生日期', 'birthDate');
    const genderValue = GENDERS[gender as keyof typeof GENDERS];
    if (gender && !genderValue) fail('性別', 'notInList', { list: Object.keys(GENDERS).join('、') });
    this.#students.push({
      row: number,
      studentNo: no,
      name: fullName,
      nationalId,
      classCode: classCell,
      seat,
      birthdate: born ?? '',
      gender: genderValue,
    });
  }

  #parent({ number, cells }: SheetRows['rows'][number]) {
    const fail = rowProblems(this.#errors, STUDENTS_PARENTS[1]!, number, cells);
    const values = rowValues(cells, STUDENTS_PARENTS[1]!);
    const [no = '', name = '', relation = '', phone = '', id = ''] = values;
    const example = exampleRow(cells, STUDENTS_PARENTS[1]!, values);
    if (example) return fail(example, 'exampleRow');
    if (!no) fail('學生學號', 'required');
    else if (!this.#seenNo.has(no)) fail('學生學號', 'noSuchStudent', { no });
    const fullName = personName(name);
    if (!fullName) fail('家長姓名', 'required');
    else if ([...fullName].length > 50) fail('家長姓名', 'tooLong');
    else if (nameProblem(fullName)) fail('家長姓名', 'nameChars');
    const relationship = RELATIONSHIP_WORDS[relation];
    if (!relation) fail('關係', 'required');
    else if (!relationship) fail('關係', 'notInList', { list: Object.keys(RELATIONSHIP_WORDS).join('、') });
    const mobile = normaliseMobile(phone);
    if (!phone) fail('手機', 'required');
    else if (!mobile) fail('手機', 'mobile');
    else if (no) {
      const key = `${no}\u0000${mobile}`;
      if (this.#seenParent.has(key)) fail('手機', 'sameParent', { row: String(this.#seenParent.get(key)) });
      else this.#seenParent.set(key, number);
    }
    const nationalId = normaliseNationalId(id);
    if (nationalId && !isValidNationalId(nationalId)) fail('身分證統一編號', 'nationalId');
    this.#parents.push({
      row: number,
      studentNo: no,
      name: fullName,
      relationship: relationship ?? 'other',
      mobile: mobile ?? '',
      nationalId: nationalId || undefined,
    });
  }
}

/** The whole file at once: its sheets fed to the row-by-row check. */
export function checkStudentsParents(
  sheets: Map<string, SheetRows>,
  context: StudentsContext,
): SheetCheck<{ students: RosterStudent[]; parents: RosterParent[] }> {
  const check = new StudentsParentsCheck(context);
  for (const name of [STUDENTS_SHEET, PARENTS_SHEET]) {
    for (const row of sheets.get(name)?.rows ?? []) check.row(name, row);
    check.endSheet(name);
  }
  return check.result();
}
