// The roster import scenario's data: a school with a back-office administrator and the classes of its students
// (server side), a 學生及家長資料 workbook of any size written with exceljs's streaming writer (load side), and the
// roster's state as the database holds it (to tell all from nothing after a kill -9).
import type { Knex } from 'knex';
import { upsertSchool } from '../../src/domain/schools/schools.ts';
import type { RunningServer } from '../../src/server.ts';
import { PERSON_PASSWORD } from '../../test/helpers/account.ts';

export const BENCH_SCHOOL = '899999';
const TERM = { school_code: BENCH_SCHOOL, academic_year: 115, semester: 1 };
const PER_CLASS = 40;

/** 班級代碼 of the i-th student (0-based), and the seat. */
const place = (i: number) => ({ classCode: `C${Math.floor(i / PER_CLASS)}`, seat: (i % PER_CLASS) + 1 });

/** A valid national ID for a number (A1 + seven digits + the check digit): the same number, the same ID. */
export function benchNationalId(n: number): string {
  const digits = [1, ...String(n).padStart(7, '0').split('').map(Number)];
  const sum = 1 + 0 * 9 + digits.reduce((acc, d, i) => acc + d * (8 - i), 0); // A = 10: 1 + 0 × 9
  return `A${digits.join('')}${(10 - (sum % 10)) % 10}`;
}

/** Server side: the school, its semester, an administrator (PERSON_PASSWORD), and classes for `rows / 2` students. */
export async function rosterSetup(server: RunningServer, rows: number) {
  const db = server.storage.db;
  await upsertSchool(db, { code: BENCH_SCHOOL, name: '私立效能測試高職', level: 'vocational', kind: 'private' });
  const email = `bench-office-${Date.now()}@example.org`;
  const personId = await server.services.enrolment.createActive({
    person: {
      email,
      name: '效能測試管理者',
      passwordHash: await server.services.passwords.hash(PERSON_PASSWORD),
      emailVerified: true,
    },
    audit: { action: 'person.created' },
    identities: [{ schoolCode: BENCH_SCHOOL, role: 'school_admin', source: 'self' }],
  });
  const saved = await server.services.schoolOffice.semesters.save(
    BENCH_SCHOOL,
    { academicYear: '115', semester: '1', startsOn: '115/08/30', endsOn: '116/01/20' },
    personId,
  );
  if (!saved.ok) throw new Error('the bench semester was not saved');
  const classes = Math.ceil(rows / 2 / PER_CLASS);
  const all = Array.from({ length: classes }, (_, c) => ({ ...TERM, code: `C${c}`, name: `${c + 1}班`, grade: 10 }));
  for (let i = 0; i < all.length; i += 1000) await db('roster_classes').insert(all.slice(i, i + 1000));
  return { school: BENCH_SCHOOL, email };
}

/** Load side: half students, half their parents; `marker` goes into every name (a second file changes every row). */
export async function writeRosterFile(file: string, rows: number, marker: string): Promise<void> {
  // Imported here, not at the top: the server's child process imports this module too, and exceljs there would count
  // in the server's memory (the server itself loads it only in the worker that reads a workbook).
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    filename: file,
    useSharedStrings: false,
    useStyles: false,
  });
  const students = workbook.addWorksheet('學生');
  students.addRow(['學號', '姓名', '身分證統一編號', '班級代碼', '座號', '出生日期', '性別']).commit();
  const half = Math.floor(rows / 2);
  for (let i = 0; i < half; i++) {
    const { classCode, seat } = place(i);
    students
      .addRow([`S${i}`, `學生${marker}${i}`, benchNationalId(i), classCode, seat, '99/05/12', i % 2 ? '男' : '女'])
      .commit();
  }
  students.commit();
  const parents = workbook.addWorksheet('家長');
  parents.addRow(['學生學號', '家長姓名', '關係', '手機', '身分證統一編號']).commit();
  for (let i = 0; i < rows - half; i++)
    parents.addRow([`S${i % half}`, `家長${marker}${i}`, '母親', `09${String(i).padStart(8, '0')}`, '']).commit();
  parents.commit();
  await workbook.commit();
}

/** Server side: how many students and parents the semester holds, how many carry `marker`, and the credentials. */
export async function rosterState(db: Knex, school: string, marker: string) {
  const term = { ...TERM, school_code: school, status: 'active' };
  const count = async (q: Knex.QueryBuilder) => Number((await q.count({ n: '*' }))[0]?.n ?? 0);
  return {
    students: await count(db('roster_students').where(term)),
    parents: await count(db('roster_parents').where(term)),
    marked: await count(db('roster_students').where(term).whereLike('name', `%${marker}%`)),
    credentials: await count(db('roster_credentials').where({ school_code: school })),
  };
}
