// Step 02 (匯入檔案批次建檔): 匯入班級及教師資料. GET /school/:code/import — the template to download, the upload form;
// POST — the file read (streamed, at most 10 MB and 20,000 rows a sheet), every row checked: problems in a table
// (序號, 工作表, 欄位, 錯誤內容) and nothing kept, or a preview (new, changed, unchanged, leaving); POST …/commit —
// written in one transaction for the current semester.
import type { Context } from 'koa';
import { z } from 'zod';
import { CLASSES_TEACHERS, checkClassesTeachers, type RowError } from '../../domain/schools/import/classes-teachers.ts';
import { readWorkbook, templateWorkbook } from '../../domain/schools/import/workbook.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { isToken } from '../../platform/one-use.ts';
import { uploadedFile } from '../../web/file-upload.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { renderOffice } from './pages.ts';
import { officeOf } from './session.ts';

export const UPLOAD_MAX_BYTES = 10 * 1024 * 1024;
const MAX_ROWS = 20_000;
/** The error table shows this many problems; a file with more is a different file. */
const SHOWN_ERRORS = 500;

type Page = {
  alert?: string;
  errors?: RowError[];
  moreErrors?: number;
  preview?: {
    token: string;
    filename: string;
    counts: Awaited<ReturnType<Services['schoolOffice']['roster']['preview']>>;
  };
  imported?: boolean;
  status?: number;
};

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
    imported: page.imported,
    status: page.status,
  });
}

export function showImport(s: Services) {
  return async (ctx: Context) => render(ctx, s, { imported: ctx.query.imported === '1' });
}

export function downloadTemplate() {
  return async (ctx: Context) => {
    ctx.set(
      'Content-Disposition',
      `attachment; filename="classes-teachers.xlsx"; filename*=UTF-8''${encodeURIComponent('班級及教師資料範本.xlsx')}`,
    );
    ctx.type = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
    ctx.body = await templateWorkbook(CLASSES_TEACHERS);
  };
}

export function uploadImport(s: Services) {
  return async (ctx: Context) => {
    const code = String(ctx.params.code);
    const t = translator(chooseLocale(ctx));
    const refuse = (key: string, values?: Record<string, string>) =>
      render(ctx, s, { alert: t(`school.import.problems.${key}`, values), status: 400 });
    const current = await s.schoolOffice.semesters.current(code);
    if (!current) return refuse('noSemester');
    const file = uploadedFile(ctx);
    if (!file || file.bytes === 0) return refuse('noFile');
    const read = await readWorkbook(file.path, {
      sheets: CLASSES_TEACHERS.map((x) => x.name),
      maxRows: MAX_ROWS,
    });
    if (!read.ok) return refuse(read.problem, { sheet: read.sheet ?? '', max: String(MAX_ROWS) });
    const checked = checkClassesTeachers(read.sheets);
    if (!checked.ok && 'problem' in checked) return refuse(checked.problem, { sheet: checked.sheet });
    if (!checked.ok)
      return render(ctx, s, {
        errors: checked.errors.slice(0, SHOWN_ERRORS),
        moreErrors: Math.max(0, checked.errors.length - SHOWN_ERRORS),
        status: 400,
      });
    const data = {
      schoolCode: code,
      academicYear: current.academicYear,
      semester: current.semester,
      filename: file.filename,
      classes: checked.classes,
      staff: checked.staff,
    };
    const counts = await s.schoolOffice.roster.preview(data);
    const token = await s.schoolOffice.roster.checked.issue(data);
    await render(ctx, s, { preview: { token, filename: file.filename, counts } });
  };
}

const CommitForm = z.object({ token: z.string().max(64).catch('') });

export function commitImport(s: Services) {
  return async (ctx: Context) => {
    const code = String(ctx.params.code);
    const t = translator(chooseLocale(ctx));
    const { token } = CommitForm.parse(ctx.request.body ?? {});
    const data = isToken(token) ? await s.schoolOffice.roster.checked.take(token) : undefined;
    const current = await s.schoolOffice.semesters.current(code);
    // Gone (imported already, or more than 30 minutes ago), for another school, or the semester changed meanwhile.
    if (
      !data ||
      data.schoolCode !== code ||
      data.academicYear !== current?.academicYear ||
      data.semester !== current?.semester
    )
      return render(ctx, s, { alert: t('school.import.problems.expired'), status: 400 });
    await s.schoolOffice.roster.commit(data, officeOf(ctx).person.id);
    seeOther(ctx, `/school/${code}/import?imported=1`);
  };
}
