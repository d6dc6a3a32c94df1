// OneRoster 1.2 CSV (issue 14, item 3; also 1.1's users.role): a zip bundle with manifest.csv, orgs.csv, classes.csv,
// users.csv, enrollments.csv and demographics.csv (roles.csv in 1.2), mapped to the template's four sheets — homeroom
// classes to 班級, teachers and staff to 教師, students to 學生, parents and guardians to 家長 — so the Excel path's
// checks run on it and its errors name the CSV file, line and column.
//   the school: the org of type `school` whose `identifier` is the school's code
//   a class: `classType` homeroom, `classCode` (else the title), `grades` (07 → 7), the primary teacher's number
//   a person's number (教師編號, 學號): `identifier`, else `username`; the name: familyName + givenName (王 + 大明)
//   the national ID: `userIds` `{nationalId:A123456789}` (also `idno`), else an `identifier` that is one
//   a seat: `metadata.seat` on the student's enrollment, else the order of the class's enrollments
//   birth date and sex: demographics.csv; a parent: role parent or guardian, linked by `agentSourcedIds` either way,
//   mobile from `sms` (else `phone`), the relationship from `metadata.relationship` (父親…; else 其他監護人)
import { readFile } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { isValidNationalId, normaliseNationalId } from '../../people/national-id.ts';
import { halfWidth } from '../half-width.ts';
import { CLASSES_SHEET, CLASSES_TEACHERS, TEACHERS_SHEET } from './classes-teachers.ts';
import type { RowError } from './rows.ts';
import { PARENTS_SHEET, RELATIONSHIP_WORDS, STUDENTS_PARENTS, STUDENTS_SHEET } from './students-parents.ts';
import { READ_LIMITS, type SheetRows, type SheetSpec } from './workbook.ts';
import { entryStream, zipEntries } from './zip.ts';

const FILES = [
  'manifest.csv',
  'orgs.csv',
  'classes.csv',
  'users.csv',
  'enrollments.csv',
  'demographics.csv',
  'roles.csv',
];
/** A zip whose CSV files unpack to more than this is not a school's roster (or is a zip bomb). */
const MAX_UNPACKED = 80 * 1024 * 1024;
/** A CSV line longer than this (bytes) is no OneRoster record; a field the mapping reads is at most cellChars. */
const MAX_LINE = 64 * 1024;
/** The columns the mapping below reads: the others are dropped as they are parsed. */
const KEPT = new Set([
  'sourcedId',
  'status',
  'type',
  'identifier',
  'username',
  'userIds',
  'familyName',
  'givenName',
  'email',
  'sms',
  'phone',
  'agentSourcedIds',
  'role',
  'orgSourcedIds',
  'orgSourcedId',
  'userSourcedId',
  'classSourcedId',
  'schoolSourcedId',
  'classType',
  'classCode',
  'title',
  'grades',
  'primary',
  'birthDate',
  'sex',
  'metadata.seat',
  'metadata.title',
  'metadata.relationship',
]);

type Row = Record<string, string> & { _line: string };
export type OneRosterProblem =
  | 'not_oneroster'
  | 'oneroster_missing'
  | 'oneroster_school'
  | 'too_many_rows'
  /** A line with a field longer than any roster value (`sheet`: the CSV file, `detail`: the line). */
  | 'line_too_long'
  /** CSV files that unpack to more than MAX_UNPACKED. */
  | 'too_large';
type Refusal = { ok: false; problem: OneRosterProblem; detail?: string; sheet?: string };

/** Where each sheet's rows came from: a sheet's error names that CSV file. */
export const SOURCE_FILE: Record<string, string> = {
  [CLASSES_SHEET]: 'classes.csv',
  [TEACHERS_SHEET]: 'users.csv',
  [STUDENTS_SHEET]: 'users.csv',
  [PARENTS_SHEET]: 'users.csv',
};
/** The template's columns as OneRoster names them. */
const SOURCE_COLUMN: Record<string, string> = {
  班級代碼: 'classCode',
  班級名稱: 'title',
  年級: 'grades',
  導師教師編號: 'enrollments.csv (teacher, primary)',
  教師編號: 'identifier',
  學號: 'identifier',
  姓名: 'familyName, givenName',
  家長姓名: 'familyName, givenName',
  身分證統一編號: 'userIds',
  身分別: 'role',
  職稱: 'metadata.title',
  Email: 'email',
  座號: 'enrollments.csv metadata.seat',
  出生日期: 'demographics.csv birthDate',
  性別: 'demographics.csv sex',
  學生學號: 'agentSourcedIds',
  關係: 'metadata.relationship',
  手機: 'sms',
};

export const oneRosterError = (e: RowError): RowError => ({
  ...e,
  sheet: SOURCE_FILE[e.sheet] ?? e.sheet,
  column: SOURCE_COLUMN[e.column] ?? e.column,
});

/**
 * The bundle's CSV files as rows (the columns the mapping reads, and the line), read a part at a time and parsed as
 * they unpack: refused as soon as they unpack to more than MAX_UNPACKED, a file has more than `maxRows` rows, or a
 * line is longer than a roster's.
 */
async function tables(file: string, maxRows: number): Promise<Map<string, Row[]> | Refusal> {
  const zip = await readFile(file);
  const entries = zipEntries(zip);
  if (!entries) return { ok: false, problem: 'not_oneroster' };
  let unpacked = 0;
  const out = new Map<string, Row[]>();
  for (const entry of entries) {
    const name = entry.name.split('/').pop()!.toLowerCase();
    if (!FILES.includes(name)) continue;
    const rows: Row[] = [];
    // Why the file was refused while it was read (the streams' own errors say only that they were stopped).
    let refused: Refusal | undefined;
    const refuse = (refusal: Omit<Refusal, 'ok'>) => {
      refused ??= { ok: false, ...refusal };
      return new Error(refusal.problem);
    };
    try {
      await pipeline(
        entryStream(zip, entry),
        new Transform({
          transform(chunk: Buffer, _encoding, done) {
            unpacked += chunk.length;
            done(unpacked > MAX_UNPACKED ? refuse({ problem: 'too_large' }) : null, chunk);
          },
        }),
        parse({
          bom: true,
          columns: (header: string[]) => header.map((h) => (KEPT.has(h) ? h : false)),
          skip_empty_lines: true,
          trim: true,
          info: true,
          max_record_size: MAX_LINE,
        }),
        async (records: AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) => {
          for await (const { record, info } of records) {
            if (rows.length >= maxRows) throw refuse({ problem: 'too_many_rows', sheet: name });
            if (Object.values(record).some((v) => v.length > READ_LIMITS.cellChars))
              throw refuse({ problem: 'line_too_long', sheet: name, detail: String(info.lines) });
            rows.push({ ...record, _line: String(info.lines) });
          }
        },
      );
    } catch (err) {
      if (refused) return refused;
      if ((err as { code?: string }).code === 'CSV_MAX_RECORD_SIZE')
        return { ok: false, problem: 'line_too_long', sheet: name, detail: String((err as { lines?: number }).lines) };
      return { ok: false, problem: 'not_oneroster' };
    }
    out.set(name, rows);
  }
  return out;
}

const live = (r: Row) => (r.status ?? '').toLowerCase() !== 'tobedeleted';
const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
const metadata = (r: Row | undefined, key: string) => r?.[`metadata.${key}`] ?? '';

function nationalIdOf(u: Row): string {
  const ids = /\{([^}]*)\}/g;
  for (const m of (u.userIds ?? '').matchAll(ids)) {
    const [type, value] = m[1]!.split(':').map((x) => x.trim());
    if (type && value && /^(nationalid|national_id|idno)$/i.test(type)) return value;
  }
  const id = normaliseNationalId(u.identifier ?? '');
  return isValidNationalId(id) ? id : '';
}

const cell = (text: string) => ({ text: text.trim(), formula: false });
/** A sheet with the template's header row, then the rows numbered by their CSV line. */
const sheet = (spec: SheetSpec, rows: { line: number; values: string[] }[]): SheetRows => ({
  rows: [
    { number: 1, cells: spec.columns.map((c) => cell(c.header)) },
    ...rows.map((r) => ({ number: r.line, cells: r.values.map(cell) })),
  ],
});
const SEX: Record<string, string> = { male: '男', female: '女', m: '男', f: '女' };

/**
 * The bundle as the two files' sheets (班級, 教師; 學生, 家長) for the school, or why it cannot be read: not a zip of
 * OneRoster CSV files, too large, a line too long, too many rows, a file missing, no org for this school. Run in the
 * upload worker (isolated.ts: readOneRosterIsolated), never in the server's own thread.
 */
export async function readOneRoster(
  file: string,
  schoolCode: string,
  maxRows: number,
): Promise<{ ok: true; sheets: Map<string, SheetRows> } | Refusal> {
  const t = await tables(file, maxRows);
  if (!(t instanceof Map)) return t;
  for (const name of ['orgs.csv', 'classes.csv', 'users.csv', 'enrollments.csv'])
    if (!t.has(name)) return { ok: false, problem: 'oneroster_missing', detail: name };
  const org = t
    .get('orgs.csv')!
    .find((o) => live(o) && (o.type ?? '').toLowerCase() === 'school' && halfWidth(o.identifier ?? '') === schoolCode);
  if (!org) return { ok: false, problem: 'oneroster_school', detail: schoolCode };

  const users = new Map(
    t
      .get('users.csv')!
      .filter(live)
      .map((u) => [u.sourcedId, u]),
  );
  const roles = new Map<string, string>();
  for (const r of t.get('roles.csv') ?? [])
    if (live(r) && r.orgSourcedId === org.sourcedId && !roles.has(r.userSourcedId!))
      roles.set(r.userSourcedId!, r.role!.toLowerCase());
  for (const u of users.values())
    if (!roles.has(u.sourcedId!) && u.role && list(u.orgSourcedIds).includes(org.sourcedId!))
      roles.set(u.sourcedId!, u.role.toLowerCase());
  const roleOf = (u: Row) => roles.get(u.sourcedId!) ?? '';
  const numberOf = (u: Row) => u.identifier || u.username || '';
  const nameOf = (u: Row) => `${u.familyName ?? ''}${u.givenName ?? ''}`;

  const homerooms = t
    .get('classes.csv')!
    .filter((c) => live(c) && c.schoolSourcedId === org.sourcedId && (c.classType ?? '').toLowerCase() === 'homeroom');
  const classCode = new Map(homerooms.map((c) => [c.sourcedId, c.classCode || c.title || '']));
  const enrollments = t.get('enrollments.csv')!.filter((e) => live(e) && classCode.has(e.classSourcedId));
  const homeroomTeacher = new Map<string, string>();
  const studentClass = new Map<string, { code: string; seat: string }>();
  const seats = new Map<string, number>();
  for (const e of enrollments) {
    const user = users.get(e.userSourcedId);
    const role = (e.role ?? '').toLowerCase();
    if (!user) continue;
    if (role === 'teacher' && (e.primary ?? '').toLowerCase() === 'true')
      homeroomTeacher.set(e.classSourcedId!, numberOf(user));
    if (role === 'student' && !studentClass.has(user.sourcedId!)) {
      const n = (seats.get(e.classSourcedId!) ?? 0) + 1;
      seats.set(e.classSourcedId!, n);
      studentClass.set(user.sourcedId!, {
        code: classCode.get(e.classSourcedId)!,
        seat: metadata(e, 'seat') || String(n),
      });
    }
  }
  const demographics = new Map((t.get('demographics.csv') ?? []).map((d) => [d.sourcedId, d]));

  // The first grade, 07 as 7 (full-width ０７ too); the sheet's check reads the other values' full-width digits.
  const gradeOf = (c: Row) => {
    const grade = halfWidth(list(c.grades)[0] ?? '');
    return String(Number(grade) || grade);
  };
  const classes = homerooms.map((c) => ({
    line: Number(c._line),
    values: [classCode.get(c.sourcedId)!, c.title ?? '', gradeOf(c), homeroomTeacher.get(c.sourcedId!) ?? ''],
  }));
  const people = [...users.values()];
  const staff = people
    .filter((u) => ['teacher', 'administrator', 'aide', 'proctor'].includes(roleOf(u)))
    .map((u) => ({
      line: Number(u._line),
      values: [
        numberOf(u),
        nameOf(u),
        nationalIdOf(u),
        roleOf(u) === 'teacher' ? '教師' : '職員',
        metadata(u, 'title'),
        u.email ?? '',
      ],
    }));
  const students = people.filter((u) => roleOf(u) === 'student');
  const studentRows = students.map((u) => {
    const d = demographics.get(u.sourcedId);
    const place = studentClass.get(u.sourcedId!);
    return {
      line: Number(u._line),
      values: [
        numberOf(u),
        nameOf(u),
        nationalIdOf(u),
        place?.code ?? '',
        place?.seat ?? '',
        d?.birthDate ?? '',
        SEX[(d?.sex ?? '').toLowerCase()] ?? '',
      ],
    };
  });
  // A parent is linked to a student from either side.
  const parentRows: { line: number; values: string[] }[] = [];
  const linked = new Set<string>();
  const link = (parent: Row, student: Row | undefined) => {
    if (!student || roleOf(student) !== 'student' || linked.has(`${parent.sourcedId}|${student.sourcedId}`)) return;
    linked.add(`${parent.sourcedId}|${student.sourcedId}`);
    const relationship = metadata(parent, 'relationship');
    parentRows.push({
      line: Number(parent._line),
      values: [
        numberOf(student),
        nameOf(parent),
        Object.hasOwn(RELATIONSHIP_WORDS, relationship) ? relationship : '其他監護人',
        parent.sms || parent.phone || '',
        nationalIdOf(parent),
      ],
    });
  };
  for (const p of people.filter((u) => ['parent', 'guardian'].includes(roleOf(u))))
    for (const id of list(p.agentSourcedIds)) link(p, users.get(id));
  for (const s of students)
    for (const id of list(s.agentSourcedIds)) {
      const p = users.get(id);
      if (p && ['parent', 'guardian'].includes(roleOf(p))) link(p, s);
    }

  return {
    ok: true,
    sheets: new Map([
      [CLASSES_SHEET, sheet(CLASSES_TEACHERS[0]!, classes)],
      [TEACHERS_SHEET, sheet(CLASSES_TEACHERS[1]!, staff)],
      [STUDENTS_SHEET, sheet(STUDENTS_PARENTS[0]!, studentRows)],
      [PARENTS_SHEET, sheet(STUDENTS_PARENTS[1]!, parentRows)],
    ]),
  };
}
