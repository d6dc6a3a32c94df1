// Data maintenance (issue 14, item 4; seed 000 §9 維護資料): the semester's imported roster searched (classes,
// teachers and staff, students, parents; national IDs masked, a reveal that is audited), one row edited with the same
// checks as the import, or a person marked as left — every change audited with who, what and why. A parent's mobile
// number is part of the row's key (and of the published credential's): correcting it gives the row a new key, and the
// published credential follows it, so the parent keeps the slip (or the identity) they have.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Keyring } from '../../platform/keyring.ts';
import { recordAudit } from '../audit.ts';
import { isRelationship } from '../binding/relationships.ts';
import { maskNationalId } from '../people/national-id.ts';
import { openNationalId } from '../people/national-id-store.ts';
import { normaliseMobile } from '../people/persons.ts';
import { formatRocDate } from './calendar.ts';
import { halfWidth } from './half-width.ts';
import { STAFF_KINDS } from './import/classes-teachers.ts';
import { nameProblem } from './import/names.ts';
import { PARTS, type PartName, partRows, type Term } from './import/staging.ts';
import { birthDate } from './import/students-parents.ts';
import { parentRosterKey } from './publishing.ts';
import { lockSchoolRoster } from './schools.ts';

/** What can be edited of each part, in the form's order. */
export const EDITABLE = {
  classes: ['name', 'grade', 'homeroom_staff_no'],
  staff: ['name', 'kind', 'title', 'email'],
  students: ['name', 'class_code', 'seat', 'birthdate', 'gender'],
  parents: ['name', 'relationship', 'mobile'],
  courses: ['subject_name', 'staff_no', 'hours'],
} as const satisfies Record<PartName, readonly string[]>;
export type Field = (typeof EDITABLE)[PartName][number];

const SEARCHED: Record<PartName, readonly string[]> = {
  classes: ['code', 'name'],
  staff: ['staff_no', 'name', 'title'],
  students: ['student_no', 'name', 'class_code'],
  parents: ['student_no', 'name', 'mobile'],
  courses: ['class_code', 'subject_code', 'subject_name', 'staff_no'],
};

export const ROSTER_PAGE_SIZE = 50;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export type RosterRow = {
  /** The row's key in a URL: the class code, staff or student number, or 學號~(a digest of the mobile) for a parent. */
  key: string;
  values: Record<string, string>;
  /**
   * The row's values as loaded, as a digest the edit form carries back: a save whose row has changed since (another
   * administrator's edit, an import) writes nothing.
   */
  version: string;
  maskedId?: string;
  status: 'active' | 'leaving';
};

/** Field → [i18n key, its values]. */
export type EditErrors = Partial<Record<Field | 'reason', [string, Record<string, string>?]>>;

const E = (key: string, values?: Record<string, string>): [string, Record<string, string>?] => [
  `school.import.errors.${key}`,
  values,
];

export class RosterMaintenance {
  readonly #db: Knex;
  readonly #keyring: Keyring;

  constructor(deps: { db: Knex; keyring: Keyring }) {
    this.#db = deps.db;
    this.#keyring = deps.keyring;
  }

  /**
   * A parent's mobile number never goes into a row's key (a URL, the request log, the audit log): a keyed digest of it
   * stands in, unique among one student's parents.
   */
  #tag(mobile: string): string {
    return this.#keyring.blindIndex('roster-row', mobile).slice(0, 16);
  }

  /** The row a key names, as columns to match; undefined when the key is malformed or names no row. */
  async #whereKey(db: Knex, term: Term, part: PartName, key: string): Promise<Record<string, string> | undefined> {
    const columns = PARTS[part].key;
    const values = key.split('~');
    if (values.length !== columns.length || !values.every((v) => /^[0-9A-Za-z_-]{1,20}$/.test(v))) return undefined;
    const where = Object.fromEntries(columns.map((c, i) => [c, values[i]!]));
    if (!('mobile' in where)) return where;
    const { mobile: tag, ...rest } = where;
    const mobiles = (await partRows(db, part, term).where(rest).pluck('mobile')) as string[];
    const mobile = mobiles.find((m) => this.#tag(m) === tag);
    return mobile ? { ...rest, mobile } : undefined;
  }

  /** The key naming a row of the part with these values in a URL. */
  #keyOf(part: PartName, values: Record<string, unknown>): string {
    return PARTS[part].key.map((k) => (k === 'mobile' ? this.#tag(String(values[k])) : String(values[k]))).join('~');
  }

  #values(part: PartName, r: Record<string, unknown>): Record<string, string> {
    const values: Record<string, string> = {};
    for (const column of [...PARTS[part].key, ...EDITABLE[part]]) {
      const v = r[column];
      values[column] = v === null || v === undefined ? '' : String(v);
    }
    if (values.birthdate) values.birthdate = formatRocDate(values.birthdate.slice(0, 10));
    return values;
  }

  /** A digest of the row's key and editable values: what the edit form was loaded with. */
  #version(values: Record<string, string>): string {
    return crypto.createHash('sha256').update(JSON.stringify(values)).digest('base64url');
  }

  /**
   * The values an edit form was loaded with, from the copy of them it carries (`loaded`): only when they are what its
   * version was made from (the row's key cannot change, except a parent's mobile number, which is among them) — else
   * undefined (an old form without them, or altered).
   */
  loadedValues(
    part: PartName,
    row: RosterRow,
    version: string,
    loaded: Partial<Record<Field, string>>,
  ): Record<string, string> | undefined {
    const values = { ...row.values };
    for (const f of EDITABLE[part]) {
      if (typeof loaded[f] !== 'string') return undefined;
      values[f] = loaded[f];
    }
    return this.#version(values) === version ? values : undefined;
  }

  #row(part: PartName, r: Record<string, unknown>): RosterRow {
    const values = this.#values(part, r);
    const sealed = r.national_id_sealed as string | null | undefined;
    return {
      key: this.#keyOf(part, values),
      values,
      version: this.#version(values),
      maskedId: sealed ? maskNationalId(openNationalId(this.#keyring, sealed)) : undefined,
      status: r.status === 'active' ? 'active' : 'leaving',
    };
  }

  /** A page of the part's rows matching the words (number, name, class…), active first. */
  async search(
    term: Term,
    part: PartName,
    q: { text?: string; page?: number } = {},
  ): Promise<{ rows: RosterRow[]; more: boolean }> {
    const page = Math.max(1, q.page ?? 1);
    const query = partRows(this.#db, part, term);
    const text = (q.text ?? '').trim().slice(0, 50);
    if (text) {
      const like = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      query.andWhere((w) => {
        for (const column of SEARCHED[part]) w.orWhereRaw('?? ilike ?', [column, like]);
      });
    }
    const rows = await query
      .orderByRaw("status = 'active' desc")
      .orderBy([...PARTS[part].key])
      .limit(ROSTER_PAGE_SIZE + 1)
      .offset((page - 1) * ROSTER_PAGE_SIZE);
    return {
      rows: rows.slice(0, ROSTER_PAGE_SIZE).map((r) => this.#row(part, r)),
      more: rows.length > ROSTER_PAGE_SIZE,
    };
  }

  async find(term: Term, part: PartName, key: string): Promise<RosterRow | undefined> {
    const where = await this.#whereKey(this.#db, term, part, key);
    const row = where && (await partRows(this.#db, part, term).where(where).first());
    return row ? this.#row(part, row) : undefined;
  }

  /** The row's national ID in full, the reveal audited; none when the row has none. */
  async reveal(term: Term, part: PartName, key: string, actor: string): Promise<string | undefined> {
    const where = await this.#whereKey(this.#db, term, part, key);
    const row = where && (await partRows(this.#db, part, term).where(where).first('national_id_sealed'));
    if (!row?.national_id_sealed) return undefined;
    await recordAudit(this.#db, {
      actor,
      action: 'school.national_id_revealed',
      subject: term.schoolCode,
      detail: { part, key, academic_year: term.academicYear, semester: term.semester },
    });
    return openNationalId(this.#keyring, row.national_id_sealed);
  }

  /**
   * Checks and saves the edited values with the reason, in one transaction; nothing changed is no change. `key` is the
   * row's key afterwards: a parent's changes with the mobile number. `version` is the row's as the form was loaded:
   * when the row has changed since (or none is sent), nothing is written and the answer says so (`stale`).
   */
  async update(
    term: Term,
    part: PartName,
    key: string,
    input: Partial<Record<Field, string>> & { reason: string; version: string },
    actor: string,
  ): Promise<
    | { ok: true; changed: string[]; key: string }
    | { ok: false; errors: EditErrors }
    | { ok: false; missing: true }
    | { ok: false; stale: true }
  > {
    if (!(await this.#whereKey(this.#db, term, part, key))) return { ok: false, missing: true };
    return this.#db.transaction(async (trx) => {
      // One edit of the school's roster at a time, and none during an import or a publish (their lock): the checks
      // against other rows (a free seat, an active teacher, another parent's number) and the write are one step.
      await lockSchoolRoster(trx, term.schoolCode);
      const where = await this.#whereKey(trx, term, part, key);
      const row = where && (await partRows(trx, part, term).where(where).forUpdate().first());
      if (!where || !row) return { ok: false as const, missing: true as const };
      if (input.version !== this.#version(this.#values(part, row))) return { ok: false as const, stale: true as const };
      const { values, errors } = await this.#check(trx, term, part, row, input);
      const reason = input.reason.trim();
      if (!reason) errors.reason = ['school.roster.errors.reason'];
      else if ([...reason].length > 200) errors.reason = E('tooLong');
      if (Object.keys(errors).length) return { ok: false as const, errors };
      const stored = (c: string) => (c === 'birthdate' ? String(row[c] ?? '').slice(0, 10) : String(row[c] ?? ''));
      const changed = Object.keys(values).filter((c) => stored(c) !== String(values[c] ?? ''));
      if (!changed.length) return { ok: true as const, changed, key };
      await partRows(trx, part, term)
        .where(where)
        .update({ ...Object.fromEntries(changed.map((c) => [c, values[c]])), updated_at: trx.fn.now() });
      const newKey = this.#keyOf(part, { ...row, ...values });
      if (part === 'parents' && changed.includes('mobile')) {
        // The published credential follows, so publishing sees the same parent (not one gone and a new one). When the
        // school once published this student's parent with the new number, that credential is the one that stays.
        const to = parentRosterKey(String(row.student_no), String(values.mobile));
        if (!(await trx('roster_credentials').where({ school_code: term.schoolCode, roster_key: to }).first('id')))
          await trx('roster_credentials')
            .where({ school_code: term.schoolCode, roster_key: parentRosterKey(String(row.student_no), row.mobile) })
            .update({ roster_key: to, updated_at: trx.fn.now() });
      }
      await recordAudit(trx, {
        actor,
        action: 'school.roster_edited',
        subject: term.schoolCode,
        detail: {
          part,
          key,
          ...(newKey !== key ? { new_key: newKey } : {}),
          fields: changed,
          reason,
          academic_year: term.academicYear,
          semester: term.semester,
        },
      });
      return { ok: true as const, changed, key: newKey };
    });
  }

  /** Marks the person (or class) as left, with the reason; publishing then ends the identity at the semester's end. */
  async markLeft(
    term: Term,
    part: PartName,
    key: string,
    reason: string,
    actor: string,
  ): Promise<{ ok: true } | { ok: false; errors: EditErrors } | { ok: false; missing: true }> {
    const where = await this.#whereKey(this.#db, term, part, key);
    if (!where) return { ok: false, missing: true };
    const why = reason.trim();
    // In the part's own words: 離校原因, 離職原因, 移出原因, 停開原因.
    if (!why) return { ok: false, errors: { reason: [`school.roster.parts.${part}.leaveReasonRequired`] } };
    if ([...why].length > 200) return { ok: false, errors: { reason: E('tooLong') } };
    return this.#db.transaction(async (trx) => {
      // After any edit under way (a class being given this teacher as its homeroom teacher checks they are active).
      await lockSchoolRoster(trx, term.schoolCode);
      const n = await partRows(trx, part, term)
        .where({ ...where, status: 'active' })
        .update({ status: 'leaving', updated_at: trx.fn.now() });
      if (!n) return { ok: false as const, missing: true as const };
      await recordAudit(trx, {
        actor,
        action: 'school.roster_left',
        subject: term.schoolCode,
        detail: { part, key, reason: why, academic_year: term.academicYear, semester: term.semester },
      });
      return { ok: true as const };
    });
  }

  /** The import's checks for one row's edited values; the values as stored. */
  async #check(
    trx: Knex.Transaction,
    term: Term,
    part: PartName,
    row: Record<string, unknown>,
    input: Partial<Record<Field, string>>,
  ): Promise<{ values: Record<string, string | number | null>; errors: EditErrors }> {
    const errors: EditErrors = {};
    const values: Record<string, string | number | null> = {};
    // Numbers and codes as meant when typed full-width (座號 １２, 班級 ７０１, a mobile number ０９１２…); names as typed.
    const text = (f: Field) =>
      f === 'name' || f === 'subject_name' || f === 'title' ? (input[f] ?? '').trim() : halfWidth(input[f] ?? '');
    if (part === 'courses') {
      const subject = text('subject_name').normalize('NFC').replace(/\s+/g, ' ');
      if (!subject) errors.subject_name = E('required');
      else if ([...subject].length > 30) errors.subject_name = E('tooLong');
      values.subject_name = subject;
      const staffNo = text('staff_no');
      if (!staffNo) errors.staff_no = E('required');
      else if (!(await partRows(trx, 'staff', term).where({ staff_no: staffNo, status: 'active' }).first()))
        errors.staff_no = E('noSuchStaff', { no: staffNo });
      values.staff_no = staffNo;
      const hours = /^\d{1,2}$/.test(text('hours')) ? Number(text('hours')) : Number.NaN;
      if (!(hours >= 1 && hours <= 40)) errors.hours = E('hours');
      values.hours = hours;
      return { values, errors };
    }
    const name = text('name').normalize('NFC').replace(/\s+/g, ' ');
    if (!name) errors.name = E('required');
    else if ([...name].length > (part === 'classes' ? 30 : 50)) errors.name = E('tooLong');
    // A person's legal name (not a class's): no emoji, symbols or digits.
    else if (part !== 'classes' && nameProblem(name)) errors.name = E('nameChars');
    values.name = name;
    if (part === 'classes') {
      const grade = text('grade');
      if (!/^(?:[1-9]|1[0-2])$/.test(grade)) errors.grade = E('notInList', { list: '1–12' });
      values.grade = Number(grade);
      const homeroom = text('homeroom_staff_no');
      if (homeroom && !(await partRows(trx, 'staff', term).where({ staff_no: homeroom, status: 'active' }).first()))
        errors.homeroom_staff_no = E('noSuchTeacher', { no: homeroom });
      values.homeroom_staff_no = homeroom || null;
    }
    if (part === 'staff') {
      const kind = Object.values(STAFF_KINDS).find((k) => k === text('kind'));
      if (!kind) errors.kind = E('notInList', { list: Object.keys(STAFF_KINDS).join('、') });
      values.kind = kind ?? '';
      const title = text('title');
      if ([...title].length > 30) errors.title = E('tooLong');
      values.title = title || null;
      const email = text('email').toLowerCase();
      if (email && (!EMAIL.test(email) || email.length > 254)) errors.email = E('email');
      values.email = email || null;
    }
    if (part === 'students') {
      const classCode = text('class_code');
      if (!classCode) errors.class_code = E('required');
      else if (!(await partRows(trx, 'classes', term).where({ code: classCode, status: 'active' }).first()))
        errors.class_code = E('noSuchClass', { code: classCode });
      values.class_code = classCode;
      const seat = /^\d{1,3}$/.test(text('seat')) ? Number(text('seat')) : Number.NaN;
      if (!(seat >= 1 && seat <= 150)) errors.seat = E('seat');
      else if (
        classCode &&
        (await partRows(trx, 'students', term)
          .where({ class_code: classCode, seat, status: 'active' })
          .whereNot({ student_no: row.student_no })
          .first())
      )
        errors.seat = ['school.roster.errors.seatTaken', { code: classCode }];
      values.seat = seat;
      const born = birthDate(text('birthdate'));
      if (!text('birthdate')) errors.birthdate = E('required');
      else if (!born) errors.birthdate = E('birthDate');
      values.birthdate = born ?? '';
      const gender = text('gender');
      if (gender && gender !== 'male' && gender !== 'female') errors.gender = E('notInList', { list: '男、女' });
      values.gender = gender || null;
    }
    if (part === 'parents') {
      const relationship = text('relationship');
      if (!isRelationship(relationship)) errors.relationship = E('required');
      values.relationship = relationship;
      const typed = text('mobile');
      const mobile = typed ? normaliseMobile(typed) : undefined;
      if (!typed) errors.mobile = E('required');
      else if (!mobile) errors.mobile = E('mobile');
      else if (mobile !== row.mobile) {
        const other = await partRows(trx, 'parents', term).where({ student_no: row.student_no, mobile }).first('name');
        if (other) errors.mobile = ['school.roster.errors.sameMobile', { name: other.name }];
      }
      values.mobile = mobile ?? typed;
    }
    return { values, errors };
  }
}
