// PUT /api/schools/:code/roster/:file — a school-affairs system sends the roster the back office imports from Excel
// (班級及教師: `classes-teachers`, 學生及家長: `students-parents`) as JSON; the same checks run, the same error table
// comes back (part, index, field, column, code, message), nothing is written unless every row is right, then one
// transaction for the school's current semester (`?dry_run=true`: only the counts). POST /api/schools/:code/roster/
// publish — publishes it as the back office's 同步資料 does. For a client the bureau granted `roster` for the school.
import type { Context } from 'koa';
import { z } from 'zod';
import { jsonRowError, sheetsFromJson } from '../../domain/schools/import/json.ts';
import { IMPORT_FILES, isImportFile } from '../../domain/schools/import/staging.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { apiClientOf, refuseJson } from '../../web/api-client.ts';
import type { Services } from '../../web/services.ts';

const Query = z.object({ dry_run: z.enum(['true', 'false']).optional().catch(undefined) });

async function currentTerm(ctx: Context, s: Services) {
  const code = ctx.state.rosterSchool as string;
  const current = await s.schoolOffice.semesters.current(code);
  return current && { schoolCode: code, ...current };
}

export function putRoster(s: Services) {
  return async (ctx: Context) => {
    const file = String(ctx.params.file);
    if (!isImportFile(file)) return refuseJson(ctx, 404, 'unknown_file');
    const term = await currentTerm(ctx, s);
    if (!term)
      return refuseJson(ctx, 409, 'no_semester', {
        error_description: 'the school has no current semester: its back office sets one first',
      });
    const dryRun = Query.parse(ctx.query).dry_run === 'true';
    ctx.set('Cache-Control', 'no-store');
    const shaped = sheetsFromJson(file, (ctx.request as { body?: unknown }).body, IMPORT_FILES[file].maxRows);
    if (!shaped.ok) return refuseJson(ctx, 400, 'invalid_request', { errors: shaped.errors });
    const checked = await s.schoolOffice.roster.check(file, shaped.sheets, term);
    shaped.sheets.clear();
    if (!checked.ok && 'problem' in checked)
      return refuseJson(ctx, 400, 'invalid_request', {
        error_description: checked.problem === 'empty' ? `no rows in ${checked.sheet}` : 'not the template',
      });
    if (!checked.ok) {
      const t = translator(chooseLocale(ctx));
      return refuseJson(ctx, 400, 'invalid_request', {
        errors: checked.errors.map((e) => jsonRowError(file, e, t(e.message, e.values))),
      });
    }
    const data = { ...term, filename: `api:${apiClientOf(ctx).clientId}`, file, parts: checked.value };
    const staged = await s.schoolOffice.roster.stage(data);
    let counts = staged.counts;
    if (dryRun) await s.schoolOffice.roster.discard(staged.token);
    else {
      const done = await s.schoolOffice.roster.commit(staged.token, term, apiClientOf(ctx).clientId);
      if (!done) return refuseJson(ctx, 409, 'conflict', { error_description: 'the semester changed meanwhile' });
      counts = done.counts;
    }
    ctx.body = {
      school: term.schoolCode,
      academic_year: term.academicYear,
      semester: term.semester,
      dry_run: dryRun,
      counts,
    };
  };
}

export function publishRosterApi(s: Services) {
  return async (ctx: Context) => {
    const term = await currentTerm(ctx, s);
    if (!term)
      return refuseJson(ctx, 409, 'no_semester', {
        error_description: 'the school has no current semester: its back office sets one first',
      });
    const dryRun = Query.parse(ctx.query).dry_run === 'true';
    const counts = dryRun
      ? await s.schoolOffice.publisher.preview(term)
      : await s.schoolOffice.publisher.publish(term, apiClientOf(ctx).clientId, { syncLog: false });
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      school: term.schoolCode,
      academic_year: term.academicYear,
      semester: term.semester,
      dry_run: dryRun,
      counts,
    };
  };
}
