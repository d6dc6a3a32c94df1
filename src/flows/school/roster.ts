// Step 03 (維護資料): GET /school/:code/roster — the current semester's roster searched by part (classes, teachers
// and staff, students, parents, course assignments), national IDs masked; GET …/roster/:part/:key — one row to edit,
// named and labelled in its part's words; POST — saved with the reason (the import's checks, values kept on an
// error), then that row again at its key (a parent's changes with the mobile number) — or, when someone else changed
// the row since the form was loaded, nothing saved: 409, the row as it is now and what was typed; POST …/leave — a person or
// course assignment marked as left, with the reason; POST …/reveal — the row's national ID in full, audited, shown once
// on the row's page it sends the browser to (a reload shows it masked again, reveals and audits nothing).
import type { Context } from 'koa';
import { z } from 'zod';
import { RELATIONSHIPS } from '../../domain/binding/relationships.ts';
import { PARTS, type PartName, type Term } from '../../domain/schools/import/staging.ts';
import { EDITABLE, type EditErrors, type Field, ROSTER_PAGE_SIZE } from '../../domain/schools/maintenance.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import type { OneUseKind } from '../../platform/one-use.ts';
import { AppError } from '../../web/errors.ts';
import { noStore, seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { renderOffice } from './pages.ts';
import { officeOf } from './session.ts';

const PART_NAMES = Object.keys(PARTS) as [PartName, ...PartName[]];
const Search = z.object({
  part: z.enum(PART_NAMES).catch('students'),
  q: z.string().max(50).catch(''),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
});
const Reason = z.object({ reason: z.string().max(1000).catch(''), version: z.string().max(100).catch('') });

/** A national ID just revealed, for the row's page to show once: the browser holds a one-use token, never the number. */
const Revealed = z.object({
  school: z.string(),
  part: z.string(),
  key: z.string(),
  person: z.string(),
  id: z.string(),
});
export type RevealedIds = OneUseKind<z.infer<typeof Revealed>>;
export const revealedIds = (s: Services): RevealedIds =>
  s.oneUse.kind({ name: 'school-revealed-id', schema: Revealed, ttlSeconds: 120 });

/** How each field is typed on the form. */
const INPUTS: Record<
  Field,
  { type: 'text' | 'email' | 'tel' | 'select'; numeric?: boolean; hint?: string; options?: readonly string[] }
> = {
  name: { type: 'text' },
  grade: { type: 'select', options: Array.from({ length: 12 }, (_, i) => String(i + 1)) },
  homeroom_staff_no: { type: 'text' },
  kind: { type: 'select', options: ['teacher', 'staff'] },
  title: { type: 'text' },
  email: { type: 'email' },
  class_code: { type: 'text' },
  seat: { type: 'text', numeric: true },
  birthdate: { type: 'text', hint: 'school.roster.birthdateHint' },
  gender: { type: 'select', options: ['', 'male', 'female'] },
  relationship: { type: 'select', options: RELATIONSHIPS },
  mobile: { type: 'tel', hint: 'school.roster.mobileHint' },
  subject_name: { type: 'text' },
  staff_no: { type: 'text' },
  hours: { type: 'text', numeric: true },
};

async function termOf(ctx: Context, s: Services): Promise<Term | undefined> {
  const code = String(ctx.params.code);
  const current = await s.schoolOffice.semesters.current(code);
  return current && { schoolCode: code, academicYear: current.academicYear, semester: current.semester };
}

const partOf = (ctx: Context): PartName => {
  const part = String(ctx.params.part);
  if (!Object.hasOwn(PARTS, part)) throw new AppError('not_found', 404);
  return part as PartName;
};

/** A part's columns in the list: its key, then what can be edited (a parent's mobile number is both). */
const columnsOf = (part: PartName): string[] => [...new Set<string>([...PARTS[part].key, ...EDITABLE[part]])];
/** Only people and course assignments are marked as left; a class goes with the classes file. */
const canLeave = (part: PartName) => part !== 'classes';
const label = (t: ReturnType<typeof translator>, part: PartName, column: string) =>
  t(`school.roster.parts.${part}.labels.${column}`);

/** The parts whose rows are people, with a national ID. */
const PEOPLE = { staff: true, students: true, parents: true };

export function showRoster(s: Services) {
  return async (ctx: Context) => {
    const t = translator(chooseLocale(ctx));
    const school = (await s.schools.find(String(ctx.params.code)))!;
    const term = await termOf(ctx, s);
    const filter = Search.parse(ctx.query);
    const found =
      term && (await s.schoolOffice.maintenance.search(term, filter.part, { text: filter.q, page: filter.page }));
    const link = (page: number) =>
      `/school/${school.code}/roster?${new URLSearchParams({ part: filter.part, q: filter.q, page: String(page) })}`;
    renderOffice(ctx, 'roster', {
      title: 'school.roster.title',
      school,
      step: 'roster',
      personName: officeOf(ctx).person.name,
      term,
      parts: PART_NAMES,
      filter,
      columns: columnsOf(filter.part).map((id) => ({ id, label: label(t, filter.part, id) })),
      // The column whose value links to the row's edit page: its name (a course assignment's subject).
      linkColumn: filter.part === 'courses' ? 'subject_name' : 'name',
      statusLabel: label(t, filter.part, 'status'),
      nationalIdLabel: filter.part in PEOPLE ? label(t, filter.part, 'national_id') : undefined,
      activeWord: t(`school.roster.parts.${filter.part}.active`),
      leavingWord: t(`school.roster.parts.${filter.part}.leaving`),
      rows: found?.rows ?? [],
      pageSize: ROSTER_PAGE_SIZE,
      previous: filter.page > 1 ? link(filter.page - 1) : undefined,
      next: found?.more ? link(filter.page + 1) : undefined,
      leftDone: ctx.query.left === '1' && canLeave(filter.part) ? t(`school.roster.parts.${filter.part}.leftDone`) : '',
    });
  };
}

async function renderRow(
  ctx: Context,
  s: Services,
  page: {
    values?: Record<string, string>;
    errors?: EditErrors;
    reason?: string;
    leaveError?: EditErrors['reason'];
    revealed?: string;
    /** The page of a reveal met again (reload, Back): the number is shown once. */
    revealOnce?: boolean;
    saved?: boolean;
    status?: number;
    /** The version the form goes on with: the one it was loaded with, after a mistake. */
    version?: string;
    /** The values the form was loaded with (it carries them on, to tell what the person changed): after a mistake. */
    loaded?: Partial<Record<Field, string>>;
    /**
     * After someone else changed the row since the person loaded it (nothing saved): the fields the person changed
     * from what they had loaded, as they typed them — the form shows the row as it is now with these on it.
     */
    changes?: Partial<Record<Field, string>>;
  } = {},
) {
  const t = translator(chooseLocale(ctx));
  const school = (await s.schools.find(String(ctx.params.code)))!;
  const term = await termOf(ctx, s);
  const part = partOf(ctx);
  const maintenance = s.schoolOffice.maintenance;
  const row = term && (await maintenance.find(term, part, String(ctx.params.key)));
  if (!term || !row) throw new AppError('not_found', 404);
  const changes = page.changes;
  const values = page.values ?? { ...row.values, ...changes };
  const editable: readonly string[] = EDITABLE[part];
  // What names the row and cannot be edited here: its key, and the student or class it belongs to.
  const facts: { id: string; label: string; value: string }[] = PARTS[part].key
    .filter((k) => !editable.includes(k))
    .map((k) => ({ id: k, label: label(t, part, k), value: row.values[k] ?? '' }));
  let titleVars: Record<string, string> = { name: row.values.name || row.key };
  if (part === 'parents') {
    const student = await maintenance.find(term, 'students', row.values.student_no ?? '');
    if (student) facts.push({ id: 'student_name', label: label(t, part, 'student_name'), value: student.values.name! });
  }
  if (part === 'courses') {
    const classRow = await maintenance.find(term, 'classes', row.values.class_code ?? '');
    const className = classRow?.values.name || '';
    if (className) facts.splice(1, 0, { id: 'class_name', label: label(t, part, 'class_name'), value: className });
    titleVars = {
      class: className || row.values.class_code!,
      subject: row.values.subject_name || row.values.subject_code!,
    };
  }
  const error = (e?: [string, Record<string, string>?]) => e && t(e[0], e[1]);
  // A value as the form shows it: a list's word rather than its code.
  const shown = (f: Field, v: string) => {
    if (f === 'kind' && v) return t(`school.roster.kinds.${v}`);
    if (f === 'gender' && v) return t(`gender.${v}`);
    if (f === 'relationship' && v) return t(`binding.relationship.${v}`);
    return v || t('school.roster.noneSelected');
  };
  // After a conflict: only what they changed themselves (and is not so already), put on the row as it is now — never
  // the rest of their old page, which would undo the other person's change if it were typed again.
  const conflict = changes && {
    fields: EDITABLE[part]
      .filter((f) => f in changes && (changes[f] ?? '').trim() !== (row.values[f] ?? ''))
      .map((f) => ({ id: f, label: label(t, part, f), value: shown(f, (changes[f] ?? '').trim()) })),
  };
  renderOffice(ctx, 'roster-row', {
    title: `school.roster.parts.${part}.editTitle`,
    titleVars,
    school,
    step: 'roster',
    personName: officeOf(ctx).person.name,
    part,
    row,
    facts,
    nationalIdLabel: part in PEOPLE ? label(t, part, 'national_id') : undefined,
    statusLabel: label(t, part, 'status'),
    statusWord: t(`school.roster.parts.${part}.${row.status}`),
    editIntro: t(`school.roster.parts.${part}.editIntro`),
    leave:
      row.status === 'active' && canLeave(part)
        ? {
            heading: t(`school.roster.parts.${part}.leaveHeading`),
            intro: t(`school.roster.parts.${part}.leaveIntro`),
            reason: t(`school.roster.parts.${part}.leaveReason`),
            hint: t(`school.roster.parts.${part}.leaveHint`),
            button: t(`school.roster.parts.${part}.leave`),
            error: error(page.leaveError),
          }
        : undefined,
    action: `/school/${school.code}/roster/${part}/${encodeURIComponent(row.key)}`,
    back: `/school/${school.code}/roster?${new URLSearchParams({ part })}`,
    fields: EDITABLE[part].map((f) => ({
      id: f,
      ...INPUTS[f],
      label: label(t, part, f),
      value: values[f] ?? '',
      error: error(page.errors?.[f]),
    })),
    reason: page.reason ?? '',
    reasonError: error(page.errors?.reason),
    errorCount: Object.keys(page.errors ?? {}).length,
    revealed: page.revealed,
    revealOnce: page.revealOnce,
    saved: page.saved,
    // 已經修改完成 is said once, after the save: the language link shows the row without it.
    oneTimeQuery: ['saved'],
    status: page.status,
    version: page.version ?? row.version,
    loaded: EDITABLE[part].map((f) => ({ id: f, value: page.loaded?.[f] ?? row.values[f] ?? '' })),
    conflict,
  });
}

export function showRosterRow(s: Services, revealed: RevealedIds) {
  return async (ctx: Context) => {
    if (typeof ctx.query.shown !== 'string') return renderRow(ctx, s, { saved: ctx.query.saved === '1' });
    // After 顯示完整身分證統一編號: the number once, for this person and row; never stored by the browser.
    noStore(ctx);
    const shown = await revealed.take(ctx.query.shown);
    const mine =
      shown &&
      shown.school === String(ctx.params.code) &&
      shown.part === String(ctx.params.part) &&
      shown.key === String(ctx.params.key) &&
      shown.person === officeOf(ctx).person.id;
    await renderRow(ctx, s, mine ? { revealed: shown.id } : { revealOnce: true });
  };
}

export function saveRosterRow(s: Services) {
  return async (ctx: Context) => {
    const term = await termOf(ctx, s);
    const part = partOf(ctx);
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const field = (name: string) => (typeof body[name] === 'string' ? (body[name] as string).slice(0, 300) : undefined);
    const input = Object.fromEntries(EDITABLE[part].map((f) => [f, field(f) ?? ''])) as Partial<Record<Field, string>>;
    // What the form was loaded with (its hidden copy), to tell what the person changed.
    const loaded = Object.fromEntries(
      EDITABLE[part].flatMap((f) => (field(`loaded_${f}`) === undefined ? [] : [[f, field(`loaded_${f}`)]])),
    ) as Partial<Record<Field, string>>;
    const { reason, version } = Reason.parse(body);
    if (!term) throw new AppError('not_found', 404);
    const result = await s.schoolOffice.maintenance.update(
      term,
      part,
      String(ctx.params.key),
      { ...input, reason, version },
      officeOf(ctx).person.id,
    );
    if (!result.ok && 'missing' in result) throw new AppError('not_found', 404);
    // Someone else changed the row since this form was loaded: nothing saved; the row as it is now, with only what this
    // person changed on it.
    if (!result.ok && 'stale' in result) {
      const now = await s.schoolOffice.maintenance.find(term, part, String(ctx.params.key));
      if (!now) throw new AppError('not_found', 404);
      // The values the page was loaded with, when its copy of them matches its version; else (an old page) whatever
      // differs from the row now.
      const was = s.schoolOffice.maintenance.loadedValues(part, now, version, loaded) ?? now.values;
      const changes = Object.fromEntries(
        EDITABLE[part].filter((f) => (input[f] ?? '').trim() !== (was[f] ?? '')).map((f) => [f, input[f]]),
      ) as Partial<Record<Field, string>>;
      return renderRow(ctx, s, { changes, reason, status: 409 });
    }
    if (!result.ok)
      return renderRow(ctx, s, {
        values: input as Record<string, string>,
        errors: result.errors,
        reason,
        status: 400,
        version,
        loaded,
      });
    // The row again, at its key now: a parent's corrected mobile number gives the row a new one.
    seeOther(ctx, `/school/${term.schoolCode}/roster/${part}/${encodeURIComponent(result.key)}?saved=1`);
  };
}

export function markRosterLeft(s: Services) {
  return async (ctx: Context) => {
    const term = await termOf(ctx, s);
    const part = partOf(ctx);
    const { reason } = Reason.parse(ctx.request.body ?? {});
    if (!term || !canLeave(part)) throw new AppError('not_found', 404);
    const result = await s.schoolOffice.maintenance.markLeft(
      term,
      part,
      String(ctx.params.key),
      reason,
      officeOf(ctx).person.id,
    );
    if (!result.ok && 'missing' in result) throw new AppError('not_found', 404);
    if (!result.ok) return renderRow(ctx, s, { leaveError: result.errors.reason, status: 400 });
    seeOther(ctx, `/school/${term.schoolCode}/roster?${new URLSearchParams({ part, left: '1' })}`);
  };
}

export function revealNationalId(s: Services, revealed: RevealedIds) {
  return async (ctx: Context) => {
    const term = await termOf(ctx, s);
    if (!term) throw new AppError('not_found', 404);
    const part = partOf(ctx);
    const key = String(ctx.params.key);
    const person = officeOf(ctx).person.id;
    const id = await s.schoolOffice.maintenance.reveal(term, part, key, person);
    const row = `/school/${term.schoolCode}/roster/${part}/${encodeURIComponent(key)}`;
    if (!id) return seeOther(ctx, row);
    // Post/Redirect/Get: a reload of the page shown reveals (and audits) nothing again.
    const token = await revealed.issue({ school: term.schoolCode, part, key, person, id });
    seeOther(ctx, `${row}?${new URLSearchParams({ shown: token })}`);
  };
}
