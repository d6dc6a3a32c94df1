// GET/POST /school/:code/semester — step 01 (設定學期參數): the current academic year and semester with their dates in
// the ROC calendar (104/08/31). Every value typed is kept when something is wrong; saving makes it the current one.
import type { Context } from 'koa';
import { z } from 'zod';
import { formatRocDate } from '../../domain/schools/calendar.ts';
import type { SemesterErrors, SemesterInput } from '../../domain/schools/semesters.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { formText } from '../../web/forms.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { renderOffice } from './pages.ts';
import { officeOf } from './session.ts';

const field = formText();
const SemesterForm = z.object({ academic_year: field, semester: field, starts_on: field, ends_on: field });

const FIELD_IDS: Record<keyof SemesterInput, string> = {
  academicYear: 'academic_year',
  semester: 'semester',
  startsOn: 'starts_on',
  endsOn: 'ends_on',
};

async function render(
  ctx: Context,
  s: Services,
  page: { values: SemesterInput; errors?: SemesterErrors; saved?: boolean },
) {
  const t = translator(chooseLocale(ctx));
  const { person } = officeOf(ctx);
  const school = (await s.schools.find(String(ctx.params.code)))!;
  const semesters = await s.schoolOffice.semesters.list(school.code);
  const errors = Object.fromEntries(
    Object.entries(page.errors ?? {}).map(([k, v]) => [FIELD_IDS[k as keyof SemesterInput], t(v![0], v![1])]),
  );
  renderOffice(ctx, 'semester', {
    title: 'school.semester.title',
    school,
    step: 'semester',
    personName: person.name,
    values: page.values,
    errors,
    errorList: Object.entries(errors).map(([id, message]) => ({
      id,
      label: t(`school.semester.field.${id}`),
      message,
    })),
    saved: page.saved,
    // The notice is said once, after the save: the language link shows the page without it.
    oneTimeQuery: ['saved'],
    semesters: semesters.map((x) => ({ ...x, startsOn: formatRocDate(x.startsOn), endsOn: formatRocDate(x.endsOn) })),
    status: Object.keys(errors).length ? 400 : undefined,
  });
}

export function showSemester(s: Services) {
  return async (ctx: Context) => {
    const current = await s.schoolOffice.semesters.current(String(ctx.params.code));
    const values: SemesterInput = current
      ? {
          academicYear: String(current.academicYear),
          semester: String(current.semester),
          startsOn: formatRocDate(current.startsOn),
          endsOn: formatRocDate(current.endsOn),
        }
      : { academicYear: '', semester: '', startsOn: '', endsOn: '' };
    await render(ctx, s, { values, saved: ctx.query.saved === '1' });
  };
}

export function saveSemester(s: Services) {
  return async (ctx: Context) => {
    const form = SemesterForm.safeParse(ctx.request.body ?? {});
    const body = form.success ? form.data : SemesterForm.parse({});
    const values: SemesterInput = {
      academicYear: body.academic_year,
      semester: body.semester,
      startsOn: body.starts_on,
      endsOn: body.ends_on,
    };
    const code = String(ctx.params.code);
    const result = await s.schoolOffice.semesters.save(code, values, officeOf(ctx).person.id);
    if (!result.ok) return render(ctx, s, { values, errors: result.errors });
    seeOther(ctx, `/school/${code}/semester?saved=1`);
  };
}
