// Step 03 (維護資料): GET /school/:code/roster — the current semester's roster searched by part (classes, teachers
// and staff, students, parents), national IDs masked; GET …/roster/:part/:key — one row to edit; POST — saved with
// the reason (the import's checks, values kept on an error); POST …/leave — marked as left, with the reason;
// POST …/reveal — the row's national ID in full, audited.
import type { Context } from 'koa';
import { z } from 'zod';
import { RELATIONSHIPS } from '../../domain/binding/relationships.ts';
import { PARTS, type PartName, type Term } from '../../domain/schools/import/staging.ts';
import { EDITABLE, type EditErrors, type Field, ROSTER_PAGE_SIZE } from '../../domain/schools/maintenance.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { AppError } from '../../web/errors.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { renderOffice } from './pages.ts';
import { officeOf } from './session.ts';

const PART_NAMES = Object.keys(PARTS) as [PartName, ...PartName[]];
const Search = z.object({
  part: z.enum(PART_NAMES).catch('students'),
  q: z.string().max(50).catch(''),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
});
const Reason = z.object({ reason: z.string().max(1000).catch('') });

/** How each field is typed on the form. */
const INPUTS: Record<Field, { type: 'text' | 'email' | 'select'; numeric?: boolean; options?: readonly string[] }> = {
  name: { type: 'text' },
  grade: { type: 'select', options: Array.from({ length: 12 }, (_, i) => String(i + 1)) },
  homeroom_staff_no: { type: 'text' },
  kind: { type: 'select', options: ['teacher', 'staff'] },
  title: { type: 'text' },
  email: { type: 'email' },
  class_code: { type: 'text' },
  seat: { type: 'text', numeric: true },
  birthdate: { type: 'text' },
  gender: { type: 'select', options: ['', 'male', 'female'] },
  relationship: { type: 'select', options: RELATIONSHIPS },
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

export function showRoster(s: Services) {
  return async (ctx: Context) => {
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
      columns: [...PARTS[filter.part].key, ...EDITABLE[filter.part]],
      rows: found?.rows ?? [],
      pageSize: ROSTER_PAGE_SIZE,
      previous: filter.page > 1 ? link(filter.page - 1) : undefined,
      next: found?.more ? link(filter.page + 1) : undefined,
      left: ctx.query.left === '1',
      saved: ctx.query.saved === '1',
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
    status?: number;
  } = {},
) {
  const t = translator(chooseLocale(ctx));
  const school = (await s.schools.find(String(ctx.params.code)))!;
  const term = await termOf(ctx, s);
  const part = partOf(ctx);
  const row = term && (await s.schoolOffice.maintenance.find(term, part, String(ctx.params.key)));
  if (!row) throw new AppError('not_found', 404);
  const values = page.values ?? row.values;
  renderOffice(ctx, 'roster-row', {
    title: 'school.roster.editTitle',
    titleVars: { name: row.values.name },
    school,
    step: 'roster',
    personName: officeOf(ctx).person.name,
    part,
    row,
    action: `/school/${school.code}/roster/${part}/${encodeURIComponent(row.key)}`,
    back: `/school/${school.code}/roster?${new URLSearchParams({ part })}`,
    fields: EDITABLE[part].map((f) => ({
      id: f,
      ...INPUTS[f],
      value: values[f] ?? '',
      error: page.errors?.[f] && t(page.errors[f]![0], page.errors[f]![1]),
    })),
    reason: page.reason ?? '',
    reasonError: page.errors?.reason && t(page.errors.reason[0], page.errors.reason[1]),
    errorCount: Object.keys(page.errors ?? {}).length,
    leaveError: page.leaveError && t(page.leaveError[0], page.leaveError[1]),
    keys: PARTS[part].key,
    revealed: page.revealed,
    status: page.status,
  });
}

export function showRosterRow(s: Services) {
  return async (ctx: Context) => renderRow(ctx, s);
}

export function saveRosterRow(s: Services) {
  return async (ctx: Context) => {
    const term = await termOf(ctx, s);
    const part = partOf(ctx);
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const input = Object.fromEntries(
      EDITABLE[part].map((f) => [f, typeof body[f] === 'string' ? (body[f] as string).slice(0, 300) : '']),
    ) as Partial<Record<Field, string>>;
    const { reason } = Reason.parse(body);
    if (!term) throw new AppError('not_found', 404);
    const result = await s.schoolOffice.maintenance.update(
      term,
      part,
      String(ctx.params.key),
      { ...input, reason },
      officeOf(ctx).person.id,
    );
    if (!result.ok && 'missing' in result) throw new AppError('not_found', 404);
    if (!result.ok)
      return renderRow(ctx, s, {
        values: input as Record<string, string>,
        errors: result.errors,
        reason,
        status: 400,
      });
    seeOther(ctx, `/school/${term.schoolCode}/roster?${new URLSearchParams({ part, saved: '1' })}`);
  };
}

export function markRosterLeft(s: Services) {
  return async (ctx: Context) => {
    const term = await termOf(ctx, s);
    const part = partOf(ctx);
    const { reason } = Reason.parse(ctx.request.body ?? {});
    if (!term) throw new AppError('not_found', 404);
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

export function revealNationalId(s: Services) {
  return async (ctx: Context) => {
    const term = await termOf(ctx, s);
    if (!term) throw new AppError('not_found', 404);
    const id = await s.schoolOffice.maintenance.reveal(
      term,
      partOf(ctx),
      String(ctx.params.key),
      officeOf(ctx).person.id,
    );
    ctx.set('Cache-Control', 'no-store');
    await renderRow(ctx, s, { revealed: id });
  };
}
