// The school's roster, as imports leave it (issue 14, item 3). Each import file fills some parts of the roster
// (班級及教師: classes and staff; 學生及家長: students and parents). A clean file is first kept aside — as the rows
// the database will hold, national IDs already sealed — (one use, 30 minutes) and shown as a preview — new, changed,
// unchanged, leaving — then written in one transaction for the school's current semester. Whoever is in the roster
// but not in the file is marked as leaving. Audited with the counts only.
import type { Knex } from 'knex';
import { z } from 'zod';
import type { Keyring } from '../../../platform/keyring.ts';
import type { OneUseKind, OneUseStore } from '../../../platform/one-use.ts';
import { recordAudit } from '../../audit.ts';
import { nationalIdIndex, sealNationalId } from '../../people/national-id-store.ts';
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
import type { SheetCheck } from './rows.ts';
import { checkStudentsParents, type RosterParent, type RosterStudent, STUDENTS_PARENTS } from './students-parents.ts';
import type { SheetRows, SheetSpec } from './workbook.ts';

/** The roster's tables: their key within a semester, and the columns whose change makes a row "changed". */
export const PARTS = {
  classes: { table: 'roster_classes', key: ['code'], compare: ['name', 'grade', 'homeroom_staff_no'] },
  staff: {
    table: 'roster_staff',
    key: ['staff_no'],
    compare: ['name', 'national_id_index', 'kind', 'title', 'email'],
  },
  students: {
    table: 'roster_students',
    key: ['student_no'],
    compare: ['name', 'national_id_index', 'class_code', 'seat', 'birthdate', 'gender'],
  },
  parents: {
    table: 'roster_parents',
    key: ['student_no', 'mobile'],
    compare: ['name', 'relationship', 'national_id_index'],
  },
  courses: {
    table: 'roster_courses',
    key: ['class_code', 'subject_code'],
    compare: ['subject_name', 'staff_no', 'hours'],
  },
} as const;
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

const Value = z.union([z.string(), z.number(), z.null()]);
const Row = z.record(z.string(), Value);
type Row = z.infer<typeof Row>;
const PART_NAMES = Object.keys(PARTS) as [PartName, ...PartName[]];

const Checked = z.object({
  schoolCode: z.string(),
  academicYear: z.number(),
  semester: z.number(),
  filename: z.string(),
  file: z.enum(['oneroster', ...(Object.keys(IMPORT_FILES) as ImportFile[])] as [ImportSource, ...ImportSource[]]),
  parts: z.partialRecord(z.enum(PART_NAMES), z.array(Row)),
});
export type CheckedImport = z.infer<typeof Checked>;

export type Counts = { new: number; changed: number; unchanged: number; leaving: number };
export type Preview = Partial<Record<PartName, Counts>>;
export type Term = { schoolCode: string; academicYear: number; semester: number };

const CHUNK = 1000;
const keyOf = (part: PartName, row: Row) => PARTS[part].key.map((k) => String(row[k])).join('\u0000');
const same = (part: PartName, stored: Row, row: Row) =>
  stored.status === 'active' && PARTS[part].compare.every((c) => String(stored[c] ?? '') === String(row[c] ?? ''));

export class SchoolRoster {
  readonly #db: Knex;
  readonly #keyring: Keyring;
  /** Clean files waiting for "import": the preview's form holds the token. */
  readonly checked: OneUseKind<CheckedImport>;

  constructor(deps: { db: Knex; keyring: Keyring; oneUse: OneUseStore }) {
    this.#db = deps.db;
    this.#keyring = deps.keyring;
    this.checked = deps.oneUse.kind({ name: 'school-import', schema: Checked, ttlSeconds: 30 * 60 });
  }

  #term(q: Knex | Knex.Transaction, part: PartName, term: Term) {
    return q(PARTS[part].table).where({
      school_code: term.schoolCode,
      academic_year: term.academicYear,
      semester: term.semester,
    });
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
      const checked = checkClassesTeachers(sheets);
      return checked.ok ? { ok: true, value: this.#classesTeachersRows(checked.value) } : checked;
    }
    const [classes, staff] = await Promise.all([
      this.#term(this.#db, 'classes', term).where({ status: 'active' }).pluck('code'),
      this.#term(this.#db, 'staff', term).where({ status: 'active' }).select('staff_no', 'national_id_index'),
    ]);
    if (file === 'courses') {
      const checked = checkCourses(sheets, {
        classes: new Set<string>(classes),
        staff: new Set(staff.map((s: { staff_no: string }) => s.staff_no)),
      });
      if (!checked.ok) return checked;
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
    const staffByIndex = new Map<string, string>(
      staff.map((s: { staff_no: string; national_id_index: string }) => [s.national_id_index, s.staff_no]),
    );
    const checked = checkStudentsParents(sheets, {
      classes: new Set<string>(classes),
      staffNo: (id) => staffByIndex.get(nationalIdIndex(this.#keyring, id) ?? ''),
    });
    return checked.ok ? { ok: true, value: this.#studentsParentsRows(checked.value) } : checked;
  }

  /**
   * A OneRoster bundle's four sheets: the classes and teachers checked as their file is, the students and parents
   * against those (not the database's); every error named by its CSV file, line and column.
   */
  #checkBundle(sheets: Map<string, SheetRows>): SheetCheck<CheckedImport['parts']> {
    const ct = checkClassesTeachers(sheets);
    if (!ct.ok && 'problem' in ct) return { ...ct, sheet: SOURCE_FILE[ct.sheet] ?? ct.sheet };
    const codes = (sheet: string, column: number) =>
      (sheets.get(sheet)?.rows.slice(1) ?? []).map((r) => r.cells[column]?.text ?? '');
    const staffByIndex = new Map(
      codes(TEACHERS_SHEET, 2).map((id, i) => [nationalIdIndex(this.#keyring, id) ?? '', codes(TEACHERS_SHEET, 0)[i]!]),
    );
    staffByIndex.delete('');
    const sp = checkStudentsParents(sheets, {
      classes: new Set(codes(CLASSES_SHEET, 0)),
      staffNo: (id) => staffByIndex.get(nationalIdIndex(this.#keyring, id) ?? ''),
    });
    if (!sp.ok && 'problem' in sp) return { ...sp, sheet: SOURCE_FILE[sp.sheet] ?? sp.sheet };
    const errors = [...(ct.ok ? [] : ct.errors), ...(sp.ok ? [] : sp.errors)];
    if (!ct.ok || !sp.ok) return { ok: false, errors: errors.map(oneRosterError) };
    return { ok: true, value: { ...this.#classesTeachersRows(ct.value), ...this.#studentsParentsRows(sp.value) } };
  }

  async preview(data: CheckedImport, q: Knex | Knex.Transaction = this.#db): Promise<Preview> {
    const preview: Preview = {};
    for (const part of partsOf(data.file)) {
      const { key, compare } = PARTS[part];
      const stored: Row[] = await this.#term(q, part, data).select(...key, ...compare, 'status');
      const byKey = new Map(stored.map((r) => [keyOf(part, r), r]));
      const rows = data.parts[part] ?? [];
      const inFile = new Set<string>();
      const counts: Counts = { new: 0, changed: 0, unchanged: 0, leaving: 0 };
      for (const row of rows) {
        const k = keyOf(part, row);
        inFile.add(k);
        const was = byKey.get(k);
        if (!was) counts.new++;
        else if (same(part, was, row)) counts.unchanged++;
        else counts.changed++;
      }
      for (const [k, r] of byKey) if (r.status === 'active' && !inFile.has(k)) counts.leaving++;
      preview[part] = counts;
    }
    return preview;
  }

  /** Writes the checked file for its semester, all or nothing; returns what changed. */
  async commit(data: CheckedImport, actor: string): Promise<Preview> {
    return this.#db.transaction(async (trx) => {
      // One import of a school at a time: a second waits, then sees the first's rows.
      await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`school-roster:${data.schoolCode}`]);
      const counts = await this.preview(data, trx);
      const term = { school_code: data.schoolCode, academic_year: data.academicYear, semester: data.semester };
      for (const part of partsOf(data.file)) {
        const { key, compare } = PARTS[part];
        // Everyone leaves, then everyone in the file is back: what stays "leaving" was not in the file.
        await this.#term(trx, part, data)
          .where({ status: 'active' })
          .update({ status: 'leaving', updated_at: trx.fn.now() });
        const rows = data.parts[part] ?? [];
        const columns = Object.keys(rows[0] ?? {}).filter((c) => !(key as readonly string[]).includes(c));
        for (let i = 0; i < rows.length; i += CHUNK) {
          await trx(PARTS[part].table)
            .insert(rows.slice(i, i + CHUNK).map((r) => ({ ...term, ...r, status: 'active' })))
            .onConflict(['school_code', 'academic_year', 'semester', ...key])
            .merge([...new Set([...columns, ...compare]), 'status', 'updated_at']);
        }
      }
      await recordAudit(trx, {
        actor,
        action: 'school.imported',
        subject: data.schoolCode,
        detail: { file: data.file, academic_year: data.academicYear, semester: data.semester, ...counts },
      });
      return counts;
    });
  }

  /** The semester's roster size (the import page shows it). */
  async size(schoolCode: string, academicYear: number, semester: number): Promise<Record<PartName, number>> {
    const term = { schoolCode, academicYear, semester };
    const counts = await Promise.all(
      PART_NAMES.map(async (part) => {
        const [row] = await this.#term(this.#db, part, term).where({ status: 'active' }).count({ n: '*' });
        return [part, Number(row?.n ?? 0)] as const;
      }),
    );
    return Object.fromEntries(counts) as Record<PartName, number>;
  }
}
