// Importing the ministry's school list (issue 15, item 6): GET /admin/schools/import — the form; POST — the CSV read and
// checked: a file that cannot be read is answered with why (a quote that breaks it: at its line); else its bad rows
// listed by line and the good rows kept for 30 minutes under a one-use token, and the browser sent on (303) to
// GET /admin/schools/import?preview=<token> — the preview, a page of its own that Back and reload show again (the
// bad rows first, then the new and changed schools as importing would change them now, then 匯入); POST
// /admin/schools/import/commit — written in one transaction, audited. Sent again (Back, a second tab) once imported,
// the preview and 匯入 say it is imported already; only a preview nobody imported says it waited too long.
import fs from 'node:fs';
import type { Context } from 'koa';
import { z } from 'zod';
import type { ListProblem, ParsedList } from '../../domain/schools/school-list.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { isToken } from '../../platform/one-use.ts';
import { uploadedFile } from '../../web/file-upload.ts';
import { noStore, seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { renderAdmin } from './pages.ts';
import { adminOf } from './session.ts';

export const SCHOOL_LIST_MAX_BYTES = 2 * 1024 * 1024;
/** The preview lists this many rows of each kind (the counts say the rest). */
const SHOWN = 200;
const IMPORT_PAGE = '/admin/schools/import';
/** How long a preview and the word that its list was imported are kept (its rows themselves: 30 minutes). */
const KEPT_SECONDS = 86_400;

const Commit = z.object({ token: z.string().max(100).catch('') });

/** An upload's preview: its file's name, its bad rows (the first SHOWN) and the draft of its good rows, if any. */
const Preview = z.object({
  actor: z.string(),
  filename: z.string().max(200),
  draft: z.string().max(100).nullable(),
  problems: z
    .array(
      z.object({
        line: z.number().int(),
        field: z.enum(['code', 'name', 'level', 'kind', 'district']).optional(),
        error: z.string().max(100),
        value: z.string().max(2000).optional(),
        earlier: z.number().int().optional(),
      }),
    )
    .max(SHOWN),
  /** Rows with problems (lines), and problems beyond those listed. */
  problemLines: z.number().int(),
  moreProblems: z.number().int(),
});
/** A draft imported (keyed by its token): who imported it, and once written, how many schools it added and changed. */
const Imported = z.object({
  actor: z.string(),
  counts: z.object({ added: z.number().int().min(0), changed: z.number().int().min(0) }).optional(),
});

export type SchoolListPages = ReturnType<typeof schoolListPages>;

/** What the import pages keep between their requests (the one-use store). */
export function schoolListPages(s: Services) {
  return {
    previews: s.oneUse.kind({ name: 'admin-school-list-preview', schema: Preview, ttlSeconds: KEPT_SECONDS }),
    imported: s.oneUse.kind({ name: 'admin-school-list-imported', schema: Imported, ttlSeconds: KEPT_SECONDS }),
  };
}

function render(ctx: Context, page: Record<string, unknown> & { status?: number }) {
  renderAdmin(ctx, 'school-import', {
    title: 'admin.schools.list.title',
    section: 'schools',
    // The notices after an import say it once: the page in the other language is the form (render.ts).
    // (`added`, `changed`: an older address's counts, never shown.)
    oneTimeQuery: ['imported', 'added', 'changed', 'already', 'expired'],
    // A refused file's page stands for the form's: Back and reload ask for it, never to send the file again.
    formPage: IMPORT_PAGE,
    ...page,
  });
}

function problemRows(ctx: Context, problems: ListProblem[]) {
  const t = translator(chooseLocale(ctx));
  return problems.map((p) => ({
    line: p.line,
    column: p.field ? t(`admin.schools.columns.${p.field}`) : '',
    value: p.value ?? '',
    problem: t(`admin.schools.errors.${p.error}`, { value: p.value, line: p.earlier }),
  }));
}

/** A file that cannot be read, in words (a broken quote at its line). */
function fileError(parsed: Extract<ParsedList, { ok: false }>) {
  return parsed.error === 'notCsv'
    ? { error: `notCsv.${parsed.problem}`, errorVars: { line: parsed.line } }
    : { error: parsed.error };
}

export function showSchoolList(s: Services, pages: SchoolListPages) {
  return async (ctx: Context) => {
    if (ctx.query.preview !== undefined) return showPreview(ctx, s, pages);
    // The counts after an import are the server's, kept with the word that it was imported (`?imported=<token>`),
    // never numbers in the address: anyone could link to 「新增 9999 所」.
    const token = ctx.query.imported;
    const done = isToken(token) ? await pages.imported.peek(token) : undefined;
    render(ctx, {
      imported: done?.actor === adminOf(ctx).id ? done.counts : undefined,
      already: ctx.query.already === '1',
      expired: ctx.query.expired === '1',
    });
  };
}

/** GET …/import?preview=<token>: the upload's preview as importing would change the schools now; once imported, that
 *  it is; once its rows are gone unimported, that it waited too long. */
async function showPreview(ctx: Context, s: Services, pages: SchoolListPages) {
  const actor = adminOf(ctx).id;
  const found = await pages.previews.peek(ctx.query.preview);
  const preview = found?.actor === actor ? found : undefined;
  // The page holds the form's token: never kept by the browser, so Back after 匯入 asks again.
  noStore(ctx);
  if (!preview) return render(ctx, { expired: true });
  const draft = preview.draft ? await s.bureau.schoolList.drafts.peek(preview.draft) : undefined;
  if (preview.draft && draft?.actor !== actor) {
    const done = await pages.imported.peek(preview.draft);
    return render(ctx, done?.actor === actor ? { already: true } : { expired: true });
  }
  const plan = draft ? await s.bureau.schoolList.plan(draft.rows) : undefined;
  render(ctx, {
    filename: preview.filename,
    problems: problemRows(ctx, preview.problems),
    problemCount: preview.problemLines,
    moreProblems: preview.moreProblems,
    plan: plan && {
      added: plan.added.slice(0, SHOWN),
      changed: plan.changed.slice(0, SHOWN),
      counts: { added: plan.added.length, changed: plan.changed.length, unchanged: plan.unchanged },
    },
    token: plan && (plan.added.length || plan.changed.length) ? preview.draft : undefined,
  });
}

export function uploadSchoolList(s: Services, pages: SchoolListPages) {
  return async (ctx: Context) => {
    const file = uploadedFile(ctx);
    if (!file?.bytes) return render(ctx, { error: 'noFile', status: 400 });
    const parsed = s.bureau.schoolList.read(await fs.promises.readFile(file.path));
    if (!parsed.ok) return render(ctx, { ...fileError(parsed), status: 400 });
    const actor = adminOf(ctx).id;
    const rows = parsed.rows.map(({ code, name, level, kind, district }) => ({ code, name, level, kind, district }));
    const draft = rows.length ? await s.bureau.schoolList.drafts.issue({ actor, filename: file.filename, rows }) : null;
    const preview = await pages.previews.issue({
      actor,
      filename: file.filename,
      draft,
      problems: parsed.problems.slice(0, SHOWN),
      problemLines: new Set(parsed.problems.map((p) => p.line)).size,
      moreProblems: Math.max(0, parsed.problems.length - SHOWN),
    });
    // Its preview is a page of its own: Back to it (after 匯入) or a reload shows it, never sends the file again.
    seeOther(ctx, `${IMPORT_PAGE}?preview=${preview}`);
  };
}

export function commitSchoolList(s: Services, pages: SchoolListPages) {
  return async (ctx: Context) => {
    const { token } = Commit.parse(ctx.request.body ?? {});
    const actor = adminOf(ctx).id;
    const draft = await s.bureau.schoolList.drafts.take(token);
    if (!draft || draft.actor !== actor) {
      // Sent again (Back and 匯入, a second tab) after its import: said so, not "waited too long".
      const done = isToken(token) ? await pages.imported.peek(token) : undefined;
      if (done?.actor === actor) return seeOther(ctx, `${IMPORT_PAGE}?already=1`);
      return render(ctx, { expired: true, status: 400 });
    }
    // Said before the import runs, so that one sent at the same moment is told so too; unsaid if it fails.
    await pages.imported.save(token, { actor });
    let plan: Awaited<ReturnType<typeof s.bureau.schoolList.apply>>;
    try {
      plan = await s.bureau.schoolList.apply(draft.rows, actor);
    } catch (error) {
      await pages.imported.take(token);
      throw error;
    }
    await pages.imported.save(token, { actor, counts: { added: plan.added.length, changed: plan.changed.length } });
    seeOther(ctx, `${IMPORT_PAGE}?${new URLSearchParams({ imported: token })}`);
  };
}
