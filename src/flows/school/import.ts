// Step 02 (匯入檔案批次建檔): 班級及教師資料, then 學生及家長資料. GET /school/:code/import — each file's template to
// download and its upload form; POST — the file read (streamed, in the upload worker, at most 10 MB and 20,000 or
// 60,000 rows a sheet; refused while it is read when it unpacks to too much or holds more text than a roster), every
// row checked: problems in a table (序號, 工作表, 列, 欄位, 錯誤內容) and nothing kept, or the file kept aside and the
// browser sent on (303) to GET …/preview — the kept file's preview (new, changed, unchanged, leaving), a page of its own
// that Back and reload show again; POST …/commit — written in one transaction for the current semester.
import type { Context } from 'koa';
import { z } from 'zod';
import { readOneRosterIsolated, readWorkbookIsolated } from '../../domain/schools/import/isolated.ts';
import type { RowError } from '../../domain/schools/import/rows.ts';
import {
  IMPORT_FILES,
  type ImportSource,
  isImportFile,
  type Preview,
  partsOf,
  type UnconfirmedRow,
} from '../../domain/schools/import/staging.ts';
import { READ_LIMITS, templateWorkbook } from '../../domain/schools/import/workbook.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { isToken } from '../../platform/one-use.ts';
import { signedCookie } from '../../web/cookies.ts';
import { AppError } from '../../web/errors.ts';
import { uploadedFile } from '../../web/file-upload.ts';
import { noStore, seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { renderOffice } from './pages.ts';
import { officeOf } from './session.ts';

export const UPLOAD_MAX_BYTES = 10 * 1024 * 1024;
/** The error table shows this many problems; a file with more is a different file. */
const SHOWN_ERRORS = 500;

type Page = {
  alert?: string;
  errors?: RowError[];
  moreErrors?: number;
  file?: ImportSource;
  preview?: {
    token: string;
    filename: string;
    parts: readonly string[];
    counts: Preview;
    /** Rows publishing will print a slip for, not give to the account holding their national ID (unconfirmed). */
    unconfirmed: UnconfirmedRow[];
  };
  imported?: boolean;
  /** A word on the page that is no problem (the preview asked for again after its file was imported). */
  notice?: string;
  status?: number;
};

/**
 * The file a school's upload kept aside for 確定匯入: its token, in a cookie of the school's import pages (never in a
 * URL), so the preview is a page of its own.
 */
const pendingImport = (code: string) =>
  signedCookie({ name: 'school_import', path: `/school/${code}/import`, maxAgeSeconds: 30 * 60 });

async function render(ctx: Context, s: Services, page: Page = {}) {
  const t = translator(chooseLocale(ctx));
  const { person } = officeOf(ctx);
  const school = (await s.schools.find(String(ctx.params.code)))!;
  const current = await s.schoolOffice.semesters.current(school.code);
  const size = current && (await s.schoolOffice.roster.size(school.code, current.academicYear, current.semester));
  renderOffice(ctx, 'import', {
    title: 'school.import.title',
    school,
    step: 'import',
    personName: person.name,
    current,
    size,
    alert: page.alert,
    errors: page.errors?.map((e, i) => ({
      number: i + 1,
      row: e.row,
      sheet: e.sheet,
      column: e.column,
      message: t(e.message, e.values),
    })),
    moreErrors: page.moreErrors,
    preview: page.preview,
    files: Object.entries(IMPORT_FILES).map(([id, f]) => ({ id, parts: f.parts })),
    file: page.file,
    imported: page.imported,
    notice: page.notice,
    status: page.status,
  });
}

export function showImport(s: Services) {
  return async (ctx: Context) =>
    render(ctx, s, {
      imported: ctx.query.imported === '1',
      file:
        isImportFile(ctx.query.file) || ctx.query.file === 'oneroster' ? (ctx.query.file as ImportSource) : undefined,
    });
}

export function downloadTemplate() {
  return async (ctx: Context) => {
    const file = String(ctx.params.file);
    if (!isImportFile(file)) throw new AppError('not_found', 404);
    ctx.set(
      'Content-Disposition',
      `attachment; filename="${file}.xlsx"; filename*=UTF-8''${encodeURIComponent(IMPORT_FILES[file].template)}`,
    );
    ctx.type = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
    ctx.body = await templateWorkbook(IMPORT_FILES[file].sheets);
  };
}

export function uploadImport(s: Services) {
  return async (ctx: Context) => {
    const code = String(ctx.params.code);
    const t = translator(chooseLocale(ctx));
    const body = (ctx.request as { body?: Record<string, string> }).body ?? {};
    const kind: ImportSource = isImportFile(body.kind)
      ? body.kind
      : body.kind === 'oneroster'
        ? 'oneroster'
        : 'classes-teachers';
    const refuse = (key: string, values?: Record<string, string>) =>
      render(ctx, s, {
        // A OneRoster bundle has no template to paste into: its own words.
        alert: t(
          `school.import.problems.${key === 'too_large' && kind === 'oneroster' ? 'too_large_oneroster' : key}`,
          values,
        ),
        file: kind,
        // More than a roster unpacks to: the file is too large, as one over 10 MB is.
        status: key === 'too_large' ? 413 : 400,
      });
    const current = await s.schoolOffice.semesters.current(code);
    if (!current) return refuse('noSemester');
    const file = uploadedFile(ctx);
    if (!file || file.bytes === 0) return refuse('noFile');
    const term = { schoolCode: code, academicYear: current.academicYear, semester: current.semester };
    const maxRows = kind === 'oneroster' ? ONEROSTER_MAX_ROWS : IMPORT_FILES[kind].maxRows;
    const streaming = await s.schoolOffice.roster.streamingCheck(kind, term);
    // Off the server's thread, whatever the file: the large one's rows checked as they come, the others' collected.
    const read =
      kind === 'oneroster'
        ? await readOneRosterIsolated(file.path, code, maxRows)
        : await readWorkbookIsolated(file.path, {
            sheets: IMPORT_FILES[kind].sheets.map((x) => x.name),
            columns: Object.fromEntries(IMPORT_FILES[kind].sheets.map((x) => [x.name, x.columns.length])),
            maxRows,
            sink: streaming,
          });
    if (!read.ok)
      return refuse(read.problem, {
        sheet: read.sheet ?? '',
        detail: read.detail ?? '',
        max: String(maxRows),
        chars: String(READ_LIMITS.cellChars),
      });
    const checked = streaming ? await streaming.result() : await s.schoolOffice.roster.check(kind, read.sheets, term);
    // The cells are no longer needed: let them go before the rows are staged (memory stays bounded).
    read.sheets.clear();
    if (!checked.ok && 'problem' in checked) return refuse(checked.problem, { sheet: checked.sheet });
    if (!checked.ok)
      return render(ctx, s, {
        errors: checked.errors.slice(0, SHOWN_ERRORS),
        moreErrors: Math.max(0, checked.errors.length - SHOWN_ERRORS),
        file: kind,
        status: 400,
      });
    const data = { ...term, filename: file.filename, file: kind, parts: checked.value };
    const { token } = await s.schoolOffice.roster.stage(data);
    // Its preview is a page of its own: Back to it (after 確定匯入) or a reload shows it, never sends the file again.
    pendingImport(code).set(ctx, token);
    seeOther(ctx, `/school/${code}/import/preview`);
  };
}

/** GET …/import/preview — the file kept aside, as importing it would change the roster now; or, once it is imported
 * or gone, the import page saying so. */
export function showPreview(s: Services) {
  return async (ctx: Context) => {
    const code = String(ctx.params.code);
    const t = translator(chooseLocale(ctx));
    const token = pendingImport(code).get(ctx);
    const current = await s.schoolOffice.semesters.current(code);
    const pending =
      token && isToken(token) && current
        ? await s.schoolOffice.roster.pending(token, {
            schoolCode: code,
            academicYear: current.academicYear,
            semester: current.semester,
          })
        : undefined;
    // The page holds the form's token: never kept by the browser, so Back after 確定匯入 asks again.
    noStore(ctx);
    if (!token || !pending) return render(ctx, s, { notice: t('school.import.noPending') });
    await render(ctx, s, {
      preview: {
        token,
        filename: pending.filename,
        parts: partsOf(pending.file),
        counts: pending.counts,
        unconfirmed: pending.unconfirmed,
      },
      file: pending.file,
    });
  };
}

/** A OneRoster bundle's CSV files: a school's users and enrollments, with room. */
const ONEROSTER_MAX_ROWS = 120_000;

const CommitForm = z.object({ token: z.string().max(64).catch('') });

export function commitImport(s: Services) {
  return async (ctx: Context) => {
    const code = String(ctx.params.code);
    const t = translator(chooseLocale(ctx));
    const { token } = CommitForm.parse(ctx.request.body ?? {});
    const current = await s.schoolOffice.semesters.current(code);
    // Gone (imported already, or more than 30 minutes ago), for another school, or the semester changed meanwhile.
    const done =
      isToken(token) && current
        ? await s.schoolOffice.roster.commit(
            token,
            { schoolCode: code, academicYear: current.academicYear, semester: current.semester },
            officeOf(ctx).person.id,
          )
        : undefined;
    if (!done) return render(ctx, s, { alert: t('school.import.problems.expired'), status: 400 });
    pendingImport(code).clear(ctx);
    seeOther(ctx, `/school/${code}/import?imported=1&file=${done.file}`);
  };
}
