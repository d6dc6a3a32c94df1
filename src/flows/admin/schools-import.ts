// Importing the ministry's school list (issue 15, item 6): GET /admin/schools/import — the form; POST — the CSV read and
// checked, its bad rows listed by line, the new and changed schools previewed (the good rows kept for 30 minutes under
// a one-use token); POST /admin/schools/import/commit — written in one transaction, audited.
import fs from 'node:fs';
import type { Context } from 'koa';
import { z } from 'zod';
import type { ListProblem } from '../../domain/schools/school-list.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { uploadedFile } from '../../web/file-upload.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { renderAdmin } from './pages.ts';
import { adminOf } from './session.ts';

export const SCHOOL_LIST_MAX_BYTES = 2 * 1024 * 1024;
/** The preview lists this many rows of each kind (the counts say the rest). */
const SHOWN = 200;

const Commit = z.object({ token: z.string().max(100).catch('') });
const Done = z.object({
  added: z.coerce.number().int().min(0).catch(0),
  changed: z.coerce.number().int().min(0).catch(0),
});

function render(ctx: Context, page: Record<string, unknown> & { status?: number }) {
  renderAdmin(ctx, 'school-import', { title: 'admin.schools.list.title', section: 'schools', ...page });
}

export function showSchoolList() {
  return async (ctx: Context) => {
    render(ctx, {
      imported: ctx.query.imported === '1' ? Done.parse(ctx.query) : undefined,
      expired: ctx.query.expired === '1',
    });
  };
}

function problemRows(ctx: Context, problems: ListProblem[]) {
  const t = translator(chooseLocale(ctx));
  return problems.slice(0, SHOWN).map((p) => ({
    line: p.line,
    column: p.field ? t(`admin.schools.columns.${p.field}`) : '',
    value: p.field === 'code' && p.error === 'codeTwice' ? '' : (p.value ?? ''),
    problem: t(`admin.schools.errors.${p.error}`, { value: p.value }),
  }));
}

export function uploadSchoolList(s: Services) {
  return async (ctx: Context) => {
    const file = uploadedFile(ctx);
    if (!file?.bytes) return render(ctx, { error: 'noFile', status: 400 });
    const parsed = s.bureau.schoolList.read(await fs.promises.readFile(file.path));
    if (!parsed.ok) return render(ctx, { error: parsed.error, status: 400 });
    const rows = parsed.rows.map(({ code, name, level, kind, district }) => ({ code, name, level, kind, district }));
    const plan = await s.bureau.schoolList.plan(rows);
    const token =
      plan.added.length || plan.changed.length
        ? await s.bureau.schoolList.drafts.issue({ actor: adminOf(ctx).id, filename: file.filename, rows })
        : undefined;
    render(ctx, {
      filename: file.filename,
      plan: {
        added: plan.added.slice(0, SHOWN),
        changed: plan.changed.slice(0, SHOWN),
        counts: { added: plan.added.length, changed: plan.changed.length, unchanged: plan.unchanged },
      },
      problems: problemRows(ctx, parsed.problems),
      problemCount: new Set(parsed.problems.map((p) => p.line)).size,
      moreProblems: Math.max(0, parsed.problems.length - SHOWN),
      token,
      // Bad rows are a 400 only when nothing else could be imported.
      status: parsed.problems.length && !rows.length ? 400 : undefined,
    });
  };
}

export function commitSchoolList(s: Services) {
  return async (ctx: Context) => {
    const { token } = Commit.parse(ctx.request.body ?? {});
    const actor = adminOf(ctx).id;
    const draft = await s.bureau.schoolList.drafts.take(token);
    if (!draft || draft.actor !== actor) return render(ctx, { expired: true, status: 400 });
    const plan = await s.bureau.schoolList.apply(draft.rows, actor);
    seeOther(
      ctx,
      `/admin/schools/import?${new URLSearchParams({ imported: '1', added: String(plan.added.length), changed: String(plan.changed.length) })}`,
    );
  };
}
