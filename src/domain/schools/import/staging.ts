// The school's roster, as imports leave it (issue 14, item 3). Each import file fills some parts of the roster
// (班級及教師: classes and staff; 學生及家長: students and parents; 配課: courses; a OneRoster bundle the first four).
// A clean file is first kept aside in the database — as the rows the roster will hold, national IDs already sealed —
// (one use, 30 minutes) and shown as a preview the database counts — new, changed, unchanged, leaving — then written
// by the database in one transaction for the school's current semester: a file of 50,000 rows never passes through
// the server's memory again. Whoever is in the roster but not in the file is marked as leaving. Audited with the
// counts only. A row whose national ID has an account that is not the row's person is a problem of the check, whatever
// the file (accounts.ts). A row whose national ID has an account of the row's name that no school source confirmed is
// no problem of the file: the preview names it (`unconfirmed`), as publishing will give it a slip, not that account.
import type { Knex } from 'knex';
import type { Keyring } from '../../../platform/keyring.ts';
import { digest, randomToken } from '../../../platform/one-use.ts';
import { recordAudit } from '../../audit.ts';
import { nationalIdIndex, sealNationalId } from '../../people/national-id-store.ts';
import { lockSchoolRoster } from '../schools.ts';
import { accountProblems, holdersOf, type IdClaim, namesHolder, schoolConfirmed } from './accounts.ts';
import {
  CLASSES_SHEET,
  CLASSES_TEACHERS,
  checkClassesTeachers,
  type RosterClass,
  type RosterStaff,
  TEACHERS_SHEET,
} from './classes-teachers.ts';
import { COURSES, checkCourses } from './courses.ts';
import { oneRosterError, SOURCE_FILE } from './oneroster.ts';
import { failure, type RowError, rowValues, type SheetCheck, sortErrors } from './rows.ts';
import {
  checkStudentsParents,
  PARENTS_SHEET,
  type RosterParent,
  type RosterStudent,
  STUDENTS_PARENTS,
  STUDENTS_SHEET,
  type StudentsContext,
  StudentsParentsCheck,
} from './students-parents.ts';
import type { RowSink, SheetRows, SheetSpec } from './workbook.ts';

/**
 * The roster's tables: their key within a semester, the columns whose change makes a row "changed", and the other
 * columns a file fills (a sealed national ID changes with every seal: its blind index is compared instead).
 */
export const PARTS = {
  classes: {
    table: 'roster_classes',
    key: ['code'],
    compare: ['name', 'grade', 'homeroom_staff_no'],
    stored: [],
  },
  staff: {
    table: 'roster_staff',
    key: ['staff_no'],
    compare: ['name', 'national_id_index', 'kind', 'title', 'email'],
    stored: ['national_id_sealed'],
  },
  students: {
    table: 'roster_students',
    key: ['student_no'],
    compare: ['name', 'national_id_index', 'class_code', 'seat', 'birthdate', 'gender'],
    stored: ['national_id_sealed'],
  },
  parents: {
    table: 'roster_parents',
    key: ['student_no', 'mobile'],
    compare: ['name', 'relationship', 'national_id_index'],
    stored: ['national_id_sealed'],
  },
  courses: {
    table: 'roster_courses',
    key: ['class_code', 'subject_code'],
    compare: ['subject_name', 'staff_no', 'hours'],
    stored: [],
  },
} as const satisfies Record<
  string,
  { table: string; key: readonly string[]; compare: readonly string[]; stored: readonly string[] }
>;
export type PartName = keyof typeof PARTS;

export const IMPORT_FILES = {
  'classes-teachers': {
    sheets: CLASSES_TEACHERS,
    parts: ['classes', 'staff'],
    template: '班級及教師資料範本.xlsx',
    maxRows: 20_000,
  },
  // More than the largest school has: a city's biggest has some 6,000 students and twice as many parents.
  'students-parents': {
    sheets: STUDENTS_PARENTS,
    parts: ['students', 'parents'],
    template: '學生及家長資料範本.xlsx',
    maxRows: 60_000,
  },
  courses: { sheets: COURSES, parts: ['courses'], template: '配課資料範本.xlsx', maxRows: 20_000 },
} as const satisfies Record<
  string,
  { sheets: readonly SheetSpec[]; parts: readonly PartName[]; template: string; maxRows: number }
>;
export type ImportFile = keyof typeof IMPORT_FILES;
export const isImportFile = (v: unknown): v is ImportFile => typeof v === 'string' && Object.hasOwn(IMPORT_FILES, v);
/** What an import can come from: one of the Excel files, or a OneRoster bundle (both files' parts at once). */
export type ImportSource = ImportFile | 'oneroster';
const ONEROSTER_PARTS = ['classes', 'staff', 'students', 'parents'] as const;
export const partsOf = (source: ImportSource): readonly PartName[] =>
  source === 'oneroster' ? ONEROSTER_PARTS : IMPORT_FILES[source].parts;

type Row = Record<string, string | number | null>;

const SHEET_ORDER = [CLASSES_SHEET, TEACHERS_SHEET, STUDENTS_SHEET, PARENTS_SHEET];

/** What the rows of each file say of the people their national IDs name. */
const staffClaims = (v: { staff: RosterStaff[] }): IdClaim[] =>
  v.staff.map((s) => ({ sheet: TEACHERS_SHEET, row: s.row, nationalId: s.nationalId, name: s.name }));
const studentsClaims = (v: { students: RosterStudent[]; parents: RosterParent[] }): IdClaim[] => [
  ...v.students.map((s) => ({
    sheet: STUDENTS_SHEET,
    row: s.row,
    nationalId: s.nationalId,
    name: s.name,
    birthdate: s.birthdate,
  })),
  ...v.parents.flatMap((p) =>
    p.nationalId ? [{ sheet: PARENTS_SHEET, row: p.row, nationalId: p.nationalId, name: p.name }] : [],
  ),
];

/** A checked file: the rows of each part as the roster tables hold them (national IDs sealed). */
export type CheckedImport = Term & { filename: string; file: ImportSource; parts: Partial<Record<PartName, Row[]>> };

export type Counts = { new: number; changed: number; unchanged: number; leaving: number };
export type Preview = Partial<Record<PartName, Counts>>;
export type Term = { schoolCode: string; academicYear: number; semester: number };
/**
 * A row of a staged file whose national ID an account holds (under the row's name) that no school source confirmed:
 * publishing gives it a slip, not that account. As the file names it; never anything of the account's.
 */
export type UnconfirmedRow = { role: string; number: string; name: string };

const CHUNK = 1000;
/** A part's rows of the semester. */
export function partRows(q: Knex | Knex.Transaction, part: PartName, term: Term) {
  return q(PARTS[part].table).where({
    school_code: term.schoolCode,
    academic_year: term.academicYear,
    semester: term.semester,
  });
}

export class SchoolRoster {
  readonly #db: Knex;
  readonly #keyring: Keyring;

  constructor(deps: { db: Knex; keyring: Keyring }) {
    this.#db = deps.db;
    this.#keyring = deps.keyring;
  }

  #sealed(nationalId: string) {
    const { sealed, index } = sealNationalId(this.#keyring, nationalId);
    return { national_id_sealed: sealed, national_id_index: index };
  }

  #classesTeachersRows(value: { classes: RosterClass[]; staff: RosterStaff[] }): CheckedImport['parts'] {
    return {
      classes: value.classes.map((c) => ({
        code: c.code,
        name: c.name,
        grade: c.grade,
        homeroom_staff_no: c.homeroom ?? null,
      })),
      staff: value.staff.map((s) => ({
        staff_no: s.staffNo,
        name: s.name,
        ...this.#sealed(s.nationalId),
        kind: s.kind,
        title: s.title ?? null,
        email: s.email ?? null,
      })),
    };
  }

  #studentsParentsRows(value: { students: RosterStudent[]; parents: RosterParent[] }): CheckedImport['parts'] {
    return {
      students: value.students.map((s) => ({
        student_no: s.studentNo,
        name: s.name,
        ...this.#sealed(s.nationalId),
        class_code: s.classCode,
        seat: s.seat,
        birthdate: s.birthdate,
        gender: s.gender ?? null,
      })),
      parents: value.parents.map((p) => ({
        student_no: p.studentNo,
        mobile: p.mobile,
        name: p.name,
        relationship: p.relationship,
        ...(p.nationalId ? this.#sealed(p.nationalId) : { national_id_sealed: null, national_id_index: null }),
      })),
    };
  }

  /** Checks a file's sheets against the template and the semester's roster; a clean one as the rows to store. */
  async check(
    file: ImportSource,
    sheets: Map<string, SheetRows>,
    term: Term,
  ): Promise<SheetCheck<CheckedImport['parts']>> {
    if (file === 'oneroster') return this.#checkBundle(sheets);
    if (file === 'classes-teachers') {
      const checked = await this.#withAccounts(checkClassesTeachers(sheets), staffClaims);
      return checked.ok ? { ok: true, value: this.#classesTeachersRows(checked.value) } : failure(checked);
    }
    if (file === 'courses') {
      const [classes, staff] = await Promise.all([
        partRows(this.#db, 'classes', term).where({ status: 'active' }).pluck('code'),
        partRows(this.#db, 'staff', term).where({ status: 'active' }).pluck('staff_no'),
      ]);
      const checked = checkCourses(sheets, { classes: new Set<string>(classes), staff: new Set<string>(staff) });
      if (!checked.ok) return failure(checked);
      return {
        ok: true,
        value: {
          courses: checked.value.map((c) => ({
            class_code: c.classCode,
            subject_code: c.subjectCode,
            subject_name: c.subjectName,
            staff_no: c.staffNo,
            hours: c.hours,
          })),
        },
      };
    }
    const checked = await this.#withAccounts(
      checkStudentsParents(sheets, await this.#studentsContext(term)),
      studentsClaims,
    );
    return checked.ok ? { ok: true, value: this.#studentsParentsRows(checked.value) } : failure(checked);
  }

  /**
   * The check's answer with the rows whose national ID has an account that is not the row's person (accounts.ts)
   * among its problems — listed with the file's other problems, when its rows were read.
   */
  async #withAccounts<T>(checked: SheetCheck<T>, claims: (value: T) => IdClaim[]): Promise<SheetCheck<T>> {
    if (!checked.ok && !('errors' in checked)) return checked;
    const value = checked.value;
    if (value === undefined) return checked;
    const known: RowError[] = checked.ok ? [] : checked.errors;
    const more = await accountProblems(this.#db, this.#keyring, claims(value), known);
    if (!more.length) return checked;
    return { ok: false, errors: sortErrors([...known, ...more], SHEET_ORDER), value };
  }

  /** The semester's classes and staff that a 學生及家長 file is checked against. */
  async #studentsContext(term: Term): Promise<StudentsContext> {
    const [classes, staff] = await Promise.all([
      partRows(this.#db, 'classes', term).where({ status: 'active' }).pluck('code'),
      partRows(this.#db, 'staff', term).where({ status: 'active' }).select('staff_no', 'national_id_index'),
    ]);
    const staffByIndex = new Map<string, string>(
      staff.map((s: { staff_no: string; national_id_index: string }) => [s.national_id_index, s.staff_no]),
    );
    return {
      classes: new Set<string>(classes),
      staffNo: (id) => staffByIndex.get(nationalIdIndex(this.#keyring, id) ?? ''),
    };
  }

  /**
   * For the large file (學生及家長): a check that takes the rows as the reader streams them, so the cells are never
   * all in memory; its result as the rows to store. None for the other files (they are small).
   */
  async streamingCheck(
    file: ImportSource,
    term: Term,
  ): Promise<(RowSink & { result(): Promise<SheetCheck<CheckedImport['parts']>> }) | undefined> {
    if (file !== 'students-parents') return undefined;
    const check = new StudentsParentsCheck(await this.#studentsContext(term));
    return {
      row: check.row,
      endSheet: check.endSheet,
      result: async () => {
        const checked = await this.#withAccounts(check.result(), studentsClaims);
        return checked.ok ? { ok: true, value: this.#studentsParentsRows(checked.value) } : failure(checked);
      },
    };
  }

  /**
   * A OneRoster bundle's four sheets: the classes and teachers checked as their file is, the students and parents
   * against those (not the database's), and the accounts their national IDs have (accounts.ts); every error named by
   * its CSV file, line and column.
   */
  async #checkBundle(sheets: Map<string, SheetRows>): Promise<SheetCheck<CheckedImport['parts']>> {
    const ct = checkClassesTeachers(sheets);
    if (!ct.ok && 'problem' in ct) return { ...ct, sheet: SOURCE_FILE[ct.sheet] ?? ct.sheet };
    // As the checks read them (full-width digits made half-width).
    const codes = (spec: SheetSpec, column: number) =>
      (sheets.get(spec.name)?.rows.slice(1) ?? []).map((r) => rowValues(r.cells, spec)[column] ?? '');
    const [classesSpec, staffSpec] = CLASSES_TEACHERS as [SheetSpec, SheetSpec];
    const staffByIndex = new Map(
      codes(staffSpec, 2).map((id, i) => [nationalIdIndex(this.#keyring, id) ?? '', codes(staffSpec, 0)[i]!]),
    );
    staffByIndex.delete('');
    const sp = checkStudentsParents(sheets, {
      classes: new Set(codes(classesSpec, 0)),
      staffNo: (id) => staffByIndex.get(nationalIdIndex(this.#keyring, id) ?? ''),
    });
    if (!sp.ok && 'problem' in sp) return { ...sp, sheet: SOURCE_FILE[sp.sheet] ?? sp.sheet };
    const errors = [...(ct.ok ? [] : ct.errors), ...(sp.ok ? [] : sp.errors)];
    const value = ct.value && sp.value && { ...ct.value, ...sp.value };
    const more = value
      ? await accountProblems(this.#db, this.#keyring, [...staffClaims(value), ...studentsClaims(value)], errors)
      : [];
    if (errors.length || more.length)
      return { ok: false, errors: sortErrors([...errors, ...more], SHEET_ORDER).map(oneRosterError) };
    return { ok: true, value: { ...this.#classesTeachersRows(ct.value!), ...this.#studentsParentsRows(sp.value!) } };
  }

  /**
   * Keeps a checked file aside for 確定匯入 (30 minutes, one use) — its rows in the database, not in memory — and
   * counts what importing it would do. The token is the form's; only its digest is stored.
   */
  async stage(data: CheckedImport): Promise<{ token: string; counts: Preview }> {
    const token = randomToken();
    const id = digest(token);
    const counts = await this.#db.transaction(async (trx) => {
      await trx('roster_staged_files').where('expires_at', '<', trx.fn.now()).delete();
      await trx('roster_staged_files').insert({
        token: id,
        school_code: data.schoolCode,
        academic_year: data.academicYear,
        semester: data.semester,
        file: data.file,
        filename: data.filename.slice(0, 200),
        expires_at: trx.raw("now() + interval '30 minutes'"),
      });
      for (const part of partsOf(data.file)) {
        const rows = data.parts[part] ?? [];
        for (let i = 0; i < rows.length; i += CHUNK)
          await trx('roster_staged_rows').insert(
            rows.slice(i, i + CHUNK).map((row, j) => ({ token: id, part, seq: i + j, row: JSON.stringify(row) })),
          );
      }
      return this.#counts(trx, id, data);
    });
    return { token, counts };
  }

  /**
   * A staged file still waiting for 確定匯入 (its preview page, shown again at each visit): what it is and what
   * importing it would do now; none when the token is unknown, used, older than 30 minutes, or for another school or
   * semester.
   */
  async pending(
    token: string,
    term: Term,
  ): Promise<{ file: ImportSource; filename: string; counts: Preview; unconfirmed: UnconfirmedRow[] } | undefined> {
    const id = digest(token);
    const head: { file: ImportSource; filename: string } | undefined = await this.#db('roster_staged_files')
      .where({ token: id, school_code: term.schoolCode, academic_year: term.academicYear, semester: term.semester })
      .where('expires_at', '>', this.#db.fn.now())
      .first('file', 'filename');
    if (!head) return undefined;
    return {
      ...head,
      counts: await this.#counts(this.#db, id, { ...term, file: head.file }),
      unconfirmed: await this.unconfirmed(token),
    };
  }

  /**
   * The staged file's rows whose national ID an account holds, under the row's name, that no school source confirmed
   * (accounts.ts schoolConfirmed): publishing will not give them to that account but print them a slip.
   */
  async unconfirmed(token: string): Promise<UnconfirmedRow[]> {
    const rows: {
      part: string;
      index: string | null;
      name: string;
      birthdate: string | null;
      mobile: string | null;
      email: string | null;
      number: string;
      kind: string | null;
    }[] = await this.#db('roster_staged_rows')
      .where({ token: digest(token) })
      .whereIn('part', ['staff', 'students', 'parents'])
      .whereRaw("row->>'national_id_index' is not null")
      .orderBy(['part', 'seq'])
      .select(
        'part',
        this.#db.raw("row->>'national_id_index' as index"),
        this.#db.raw("row->>'name' as name"),
        this.#db.raw("row->>'birthdate' as birthdate"),
        this.#db.raw("row->>'mobile' as mobile"),
        this.#db.raw("row->>'email' as email"),
        this.#db.raw("coalesce(row->>'staff_no', row->>'student_no') as number"),
        this.#db.raw("row->>'kind' as kind"),
      );
    if (!rows.length) return [];
    const holders = await holdersOf(
      this.#db,
      rows.map((r) => r.index!),
    );
    if (!holders.size) return [];
    const confirmed = await schoolConfirmed(this.#db, holders.values());
    const order: Record<string, number> = { staff: 0, students: 1, parents: 2 };
    return rows
      .filter((r) => {
        const h = holders.get(r.index!);
        return !!h && namesHolder(h, r) && !confirmed(h, r);
      })
      .sort((a, b) => (order[a.part] ?? 3) - (order[b.part] ?? 3))
      .map((r) => ({
        role: r.part === 'staff' ? (r.kind ?? 'staff') : r.part === 'students' ? 'student' : 'parent',
        number: r.number,
        name: r.name,
      }));
  }

  /** Forgets a staged file (a dry run of the roster API). */
  async discard(token: string): Promise<void> {
    await this.#db('roster_staged_files')
      .where({ token: digest(token) })
      .delete();
  }

  /** What importing the staged file would do, part by part, counted by the database. */
  async #counts(q: Knex | Knex.Transaction, id: string, term: Term & { file: ImportSource }): Promise<Preview> {
    const preview: Preview = {};
    for (const part of partsOf(term.file)) {
      const { table, key, compare } = PARTS[part];
      const staged = `(select x.* from roster_staged_rows s cross join lateral jsonb_populate_record(null::${table}, s.row) x
                        where s.token = ? and s.part = ?)`;
      const joins = key.map((k) => `e.${k} = r.${k}`).join(' and ');
      const differs = `row(${compare.map((c) => `e.${c}`).join(', ')}) is distinct from row(${compare.map((c) => `r.${c}`).join(', ')})`;
      const termOf = 'e.school_code = ? and e.academic_year = ? and e.semester = ?';
      const t = [term.schoolCode, term.academicYear, term.semester];
      // Keys are unique within a file (the checks see to it): each row meets at most one stored row, so the active
      // rows it does not meet are the ones leaving.
      const { rows } = await q.raw(
        `select count(*) filter (where e.status is null)::int as new,
                count(*) filter (where e.status is not null and (e.status <> 'active' or ${differs}))::int as changed,
                count(*) filter (where e.status = 'active' and not (${differs}))::int as unchanged,
                (select count(*)::int from ${table} e where ${termOf} and e.status = 'active')
                  - count(*) filter (where e.status = 'active')::int as leaving
           from ${staged} r left join ${table} e on ${termOf} and ${joins}`,
        [...t, id, part, ...t],
      );
      preview[part] = rows[0] as Counts;
    }
    return preview;
  }

  /**
   * Writes the staged file for its semester, all or nothing, once: none when the token is unknown, used, older than
   * 30 minutes, for another school or for another semester than `term`. Returns what changed.
   */
  async commit(token: string, term: Term, actor: string): Promise<{ file: ImportSource; counts: Preview } | undefined> {
    return this.#db.transaction(async (trx) => {
      // One import of a school at a time: a second waits, then sees the first's rows.
      await lockSchoolRoster(trx, term.schoolCode);
      const id = digest(token);
      const head: { file: ImportSource; filename: string } | undefined = await trx('roster_staged_files')
        .where({ token: id, school_code: term.schoolCode, academic_year: term.academicYear, semester: term.semester })
        .where('expires_at', '>', trx.fn.now())
        .forUpdate()
        .first('file', 'filename');
      if (!head) return undefined;
      const data = { ...term, file: head.file };
      const counts = await this.#counts(trx, id, data);
      for (const part of partsOf(head.file)) {
        const { table, key, compare, stored } = PARTS[part];
        // Everyone leaves, then everyone in the file is back: what stays "leaving" was not in the file.
        await partRows(trx, part, data)
          .where({ status: 'active' })
          .update({ status: 'leaving', updated_at: trx.fn.now() });
        const columns = [...key, ...compare, ...stored];
        const values = [...compare, ...stored];
        await trx.raw(
          `insert into ${table} (school_code, academic_year, semester, status, updated_at, ${columns.join(', ')})
           select ?, ?, ?, 'active', now(), ${columns.map((c) => `r.${c}`).join(', ')}
             from roster_staged_rows s cross join lateral jsonb_populate_record(null::${table}, s.row) r
            where s.token = ? and s.part = ?
           on conflict (school_code, academic_year, semester, ${key.join(', ')}) do update
              set ${values.map((c) => `${c} = excluded.${c}`).join(', ')}, status = 'active', updated_at = now()`,
          [term.schoolCode, term.academicYear, term.semester, id, part],
        );
      }
      await trx('roster_staged_files').where({ token: id }).delete();
      await recordAudit(trx, {
        actor,
        action: 'school.imported',
        subject: term.schoolCode,
        detail: { file: head.file, academic_year: term.academicYear, semester: term.semester, ...counts },
      });
      return { file: head.file, counts };
    });
  }

  /** The semester's roster size (the import page shows it). */
  async size(schoolCode: string, academicYear: number, semester: number): Promise<Record<PartName, number>> {
    const term = { schoolCode, academicYear, semester };
    const counts = await Promise.all(
      (Object.keys(PARTS) as PartName[]).map(async (part) => {
        const [row] = await partRows(this.#db, part, term).where({ status: 'active' }).count({ n: '*' });
        return [part, Number(row?.n ?? 0)] as const;
      }),
    );
    return Object.fromEntries(counts) as Record<PartName, number>;
  }
}
