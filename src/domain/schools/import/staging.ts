// The school's roster, as imports leave it (issue 14, item 3): a clean file is first kept aside (one use, 30 minutes)
// and shown as a preview — new, changed, unchanged, leaving — then written in one transaction for the school's current
// semester. Whoever is in the roster but not in the file is marked as leaving. Audited with the counts only.
import type { Knex } from 'knex';
import { z } from 'zod';
import type { Keyring } from '../../../platform/keyring.ts';
import type { OneUseKind, OneUseStore } from '../../../platform/one-use.ts';
import { recordAudit } from '../../audit.ts';
import { nationalIdIndex, sealNationalId } from '../../people/national-id-store.ts';
import type { RosterClass, RosterStaff } from './classes-teachers.ts';

const Checked = z.object({
  schoolCode: z.string(),
  academicYear: z.number(),
  semester: z.number(),
  filename: z.string(),
  classes: z.array(
    z.object({ code: z.string(), name: z.string(), grade: z.number(), homeroom: z.string().optional() }),
  ),
  staff: z.array(
    z.object({
      staffNo: z.string(),
      name: z.string(),
      nationalId: z.string(),
      kind: z.enum(['teacher', 'staff']),
      title: z.string().optional(),
      email: z.string().optional(),
    }),
  ),
});
export type CheckedImport = z.infer<typeof Checked>;

export type Counts = { new: number; changed: number; unchanged: number; leaving: number };
export type Preview = { classes: Counts; staff: Counts };

type ClassRow = { code: string; name: string; grade: number; homeroom_staff_no: string | null; status: string };
type StaffRow = {
  staff_no: string;
  name: string;
  national_id_index: string;
  kind: string;
  title: string | null;
  email: string | null;
  status: string;
};

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

  #term(q: Knex | Knex.Transaction, table: string, data: CheckedImport) {
    return q(table).where({
      school_code: data.schoolCode,
      academic_year: data.academicYear,
      semester: data.semester,
    });
  }

  #classSame(row: ClassRow, c: RosterClass) {
    return (
      row.status === 'active' &&
      row.name === c.name &&
      row.grade === c.grade &&
      (row.homeroom_staff_no ?? undefined) === c.homeroom
    );
  }

  #staffSame(row: StaffRow, s: RosterStaff) {
    return (
      row.status === 'active' &&
      row.name === s.name &&
      row.national_id_index === nationalIdIndex(this.#keyring, s.nationalId) &&
      row.kind === s.kind &&
      (row.title ?? undefined) === s.title &&
      (row.email ?? undefined) === s.email
    );
  }

  async preview(data: CheckedImport, q: Knex | Knex.Transaction = this.#db): Promise<Preview> {
    const classRows: ClassRow[] = await this.#term(q, 'roster_classes', data);
    const staffRows: StaffRow[] = await this.#term(q, 'roster_staff', data);
    const count = <R, T>(
      rows: R[],
      items: T[],
      key: (r: R) => string,
      itemKey: (t: T) => string,
      same: (r: R, t: T) => boolean,
      active: (r: R) => boolean,
    ): Counts => {
      const byKey = new Map(rows.map((r) => [key(r), r]));
      const inFile = new Set(items.map(itemKey));
      const counts = { new: 0, changed: 0, unchanged: 0, leaving: 0 };
      for (const item of items) {
        const row = byKey.get(itemKey(item));
        if (!row) counts.new++;
        else if (same(row, item)) counts.unchanged++;
        else counts.changed++;
      }
      for (const row of rows) if (active(row) && !inFile.has(key(row))) counts.leaving++;
      return counts;
    };
    return {
      classes: count(
        classRows,
        data.classes,
        (r) => r.code,
        (c) => c.code,
        (r, c) => this.#classSame(r, c),
        (r) => r.status === 'active',
      ),
      staff: count(
        staffRows,
        data.staff,
        (r) => r.staff_no,
        (s) => s.staffNo,
        (r, s) => this.#staffSame(r, s),
        (r) => r.status === 'active',
      ),
    };
  }

  /** Writes the checked file for its semester, all or nothing; returns what changed. */
  async commit(data: CheckedImport, actor: string): Promise<Preview> {
    return this.#db.transaction(async (trx) => {
      const counts = await this.preview(data, trx);
      const term = { school_code: data.schoolCode, academic_year: data.academicYear, semester: data.semester };
      // In chunks: one statement holds at most 65,535 values.
      for (let i = 0; i < data.classes.length; i += 1000) {
        await trx('roster_classes')
          .insert(
            data.classes.slice(i, i + 1000).map((c) => ({
              ...term,
              code: c.code,
              name: c.name,
              grade: c.grade,
              homeroom_staff_no: c.homeroom ?? null,
              status: 'active',
            })),
          )
          .onConflict(['school_code', 'academic_year', 'semester', 'code'])
          .merge(['name', 'grade', 'homeroom_staff_no', 'status', 'updated_at']);
      }
      await this.#term(trx, 'roster_classes', data)
        .whereNotIn(
          'code',
          data.classes.map((c) => c.code),
        )
        .andWhere({ status: 'active' })
        .update({ status: 'leaving', updated_at: trx.fn.now() });
      for (let i = 0; i < data.staff.length; i += 1000) {
        await trx('roster_staff')
          .insert(
            data.staff.slice(i, i + 1000).map((s) => ({
              ...term,
              staff_no: s.staffNo,
              name: s.name,
              national_id_sealed: sealNationalId(this.#keyring, s.nationalId).sealed,
              national_id_index: nationalIdIndex(this.#keyring, s.nationalId)!,
              kind: s.kind,
              title: s.title ?? null,
              email: s.email ?? null,
              status: 'active',
            })),
          )
          .onConflict(['school_code', 'academic_year', 'semester', 'staff_no'])
          .merge(['name', 'national_id_sealed', 'national_id_index', 'kind', 'title', 'email', 'status', 'updated_at']);
      }
      await this.#term(trx, 'roster_staff', data)
        .whereNotIn(
          'staff_no',
          data.staff.map((s) => s.staffNo),
        )
        .andWhere({ status: 'active' })
        .update({ status: 'leaving', updated_at: trx.fn.now() });
      await recordAudit(trx, {
        actor,
        action: 'school.imported',
        subject: data.schoolCode,
        detail: { file: 'classes-teachers', academic_year: data.academicYear, semester: data.semester, ...counts },
      });
      return counts;
    });
  }

  /** The semester's roster size (the import page shows it). */
  async size(schoolCode: string, academicYear: number, semester: number) {
    const term = { school_code: schoolCode, academic_year: academicYear, semester, status: 'active' };
    const [[classes], [staff]] = await Promise.all([
      this.#db('roster_classes').where(term).count({ n: '*' }),
      this.#db('roster_staff').where(term).count({ n: '*' }),
    ]);
    return { classes: Number(classes?.n ?? 0), staff: Number(staff?.n ?? 0) };
  }
}
