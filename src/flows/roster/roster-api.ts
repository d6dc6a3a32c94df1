// PUT /api/schools/:code/roster/<file> — a school-affairs system sends the roster the back office imports from Excel
// (班級及教師: `classes-teachers`, 學生及家長: `students-parents`, 配課: `courses`) as JSON; the body's shape is
// checked here (roster-body.ts), then the same checks run, the same error table comes back (part, index, field, column,
// code, message), nothing is written unless every row is right, then one transaction for the school's current
// semester (`?dry_run=true`: only the counts). POST /api/schools/:code/roster/publish — publishes it as the back
// office's 同步資料 does. For a client the bureau granted `roster` for the school.
import type { Context } from 'koa';
import { z } from 'zod';
import { jsonRowError, sheetsFromJson } from '../../domain/schools/import/json.ts';
import { IMPORT_FILES, type ImportFile, PARTS } from '../../domain/schools/import/staging.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { apiClientOf, refuseJson } from '../../web/api-client.ts';
import { type Operation, ok, refused } from '../../web/openapi/registry.ts';
import type { Services } from '../../web/services.ts';
import { SCHOOL_REFUSALS, SchoolParams } from './api.ts';
import { ROSTER_BODIES, ROSTER_EXAMPLES, shapeErrors } from './roster-body.ts';

export const DryRunQuery = z.object({
  dry_run: z
    .enum(['true', 'false'])
    .optional()
    .catch(undefined)
    .meta({ description: '`true`: check and count only, write nothing' }),
});

const Counts = z.object({ new: z.int(), changed: z.int(), unchanged: z.int(), leaving: z.int() });
const Imported = z.object({
  school: z.string(),
  academic_year: z.int().meta({ description: 'the ROC school year (學年)' }),
  semester: z.int(),
  dry_run: z.boolean(),
  counts: z.partialRecord(z.enum(Object.keys(PARTS) as [keyof typeof PARTS]), Counts),
});
const Uploaded = Imported.extend({
  unconfirmed: z.int().meta({
    description:
      'rows whose national ID an account holds (under the row’s name) that no school source confirmed — someone registered with the national ID, no school gave that account an identity: publishing does not add the identity to that account but makes a credential for the person, as for a new one; the back office’s 匯入 preview names them',
  }),
});
const Published = Imported.extend({
  counts: z.object({
    credentials: z.int().meta({ description: 'new credentials to hand out' }),
    addedToAccounts: z.int().meta({ description: 'identities added to accounts that existed; their owners are told' }),
    alreadyThere: z.int(),
    updated: z.int(),
    ended: z.int().meta({ description: 'identities of people who left, ending at the semester’s end' }),
    restored: z.int(),
    withdrawn: z.int().meta({ description: 'unused credentials of people who left' }),
    guardianLinks: z.int().meta({ description: 'parents linked to their children' }),
    held: z.int().meta({
      description:
        'rows left waiting, with neither the identity nor a credential: their national ID has an account under another name (or, for a student, another birth date); the back office’s 同步資料 page names them',
    }),
    unconfirmed: z.int().meta({
      description:
        'of the new credentials, those for rows whose national ID an account holds that no school source confirmed (registered with the national ID, never given an identity by a school): the identity is not added to that account; the credential is printed and handed to the person, who adds it to their account or registers with it',
    }),
  }),
});

const NO_SEMESTER = refused('The school has no current semester: its back office sets one first.', 'no_semester');
const TITLES: Record<ImportFile, string> = {
  'classes-teachers': 'Send the classes and teachers (班級及教師資料)',
  'students-parents': 'Send the students and parents (學生及家長資料)',
  courses: 'Send the courses (配課資料)',
};

/** The roster file's operation: its body the same parts, fields and checks as the back office's Excel template. */
export const rosterFileOperation = (file: ImportFile): Operation => ({
  tag: 'roster',
  summary: TITLES[file],
  description:
    'The same rows as the back office’s Excel template (English field names; the template’s words, such as 教師, as their English values), checked the same way, for the school’s current semester: all rows or none. Whoever is on the roster but not in the body is marked as leaving. A bad row is answered with the Excel path’s error table (`errors`: part, index, field, column, code, message in the `Accept-Language` language) — among them a row whose national ID already has an account under another name (or, for a student, another birth date): `nationalIdOtherName` / `nationalIdOtherPerson`, nothing said of the account. The example is the template’s example row: its national ID is no one’s and it is refused as the example (`exampleRow`); send your own rows.',
  permission: 'roster',
  params: SchoolParams,
  query: DryRunQuery,
  body: ROSTER_BODIES[file],
  example: ROSTER_EXAMPLES[file],
  responses: {
    200: ok('What changed, or would change in a dry run, by part.', Uploaded),
    400: refused('Bad rows or a bad shape: `errors` names each.', 'invalid_request'),
    ...SCHOOL_REFUSALS,
    409: refused('No current semester, or the semester changed meanwhile.', ...NO_SEMESTER.errors, 'conflict'),
  },
});

export const PUBLISH_OPERATION: Operation = {
  tag: 'roster',
  summary: 'Publish the roster',
  description:
    'As the back office’s 同步資料: a verification credential for everyone without an account, the identity at once for an account that has the national ID, parents linked to their children, whoever left ending with the semester. Publishing again changes nothing.',
  permission: 'roster',
  params: SchoolParams,
  query: DryRunQuery,
  responses: { 200: ok('What publishing did (or would do).', Published), ...SCHOOL_REFUSALS, 409: NO_SEMESTER },
};

async function currentTerm(ctx: Context, s: Services) {
  const code = ctx.state.rosterSchool as string;
  const current = await s.schoolOffice.semesters.current(code);
  return current && { schoolCode: code, ...current };
}

export function putRoster(s: Services, file: ImportFile) {
  return async (ctx: Context) => {
    const term = await currentTerm(ctx, s);
    if (!term)
      return refuseJson(ctx, 409, 'no_semester', {
        error_description: 'the school has no current semester: its back office sets one first',
      });
    const dryRun = DryRunQuery.parse(ctx.query).dry_run === 'true';
    ctx.set('Cache-Control', 'no-store');
    const body = ROSTER_BODIES[file].safeParse((ctx.request as { body?: unknown }).body);
    if (!body.success) return refuseJson(ctx, 400, 'invalid_request', { errors: shapeErrors(body.error) });
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
    const unconfirmed = (await s.schoolOffice.roster.unconfirmed(staged.token)).length;
    if (dryRun) await s.schoolOffice.roster.discard(staged.token);
    else {
      const done = await s.schoolOffice.roster.commit(staged.token, term, apiClientOf(ctx).clientId);
      if (!done) return refuseJson(ctx, 409, 'conflict', { error_description: 'the semester changed meanwhile' });
      counts = done.counts;
    }
    ctx.body = Uploaded.parse({
      school: term.schoolCode,
      academic_year: term.academicYear,
      semester: term.semester,
      dry_run: dryRun,
      counts,
      unconfirmed,
    });
  };
}

export function publishRosterApi(s: Services) {
  return async (ctx: Context) => {
    const term = await currentTerm(ctx, s);
    if (!term)
      return refuseJson(ctx, 409, 'no_semester', {
        error_description: 'the school has no current semester: its back office sets one first',
      });
    const dryRun = DryRunQuery.parse(ctx.query).dry_run === 'true';
    const counts = dryRun
      ? await s.schoolOffice.publisher.preview(term)
      : await s.schoolOffice.publisher.publish(term, apiClientOf(ctx).clientId, { syncLog: false });
    ctx.set('Cache-Control', 'no-store');
    ctx.body = Published.parse({
      school: term.schoolCode,
      academic_year: term.academicYear,
      semester: term.semester,
      dry_run: dryRun,
      counts,
    });
  };
}
