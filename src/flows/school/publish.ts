// Step 04 (同步資料: 傳送學校資料, 更新人員資料): GET /school/:code/publish — what publishing the current semester's
// roster would do now, and the credentials to print per class; POST — published in one transaction (again: nothing
// changes), then the same page shows what it did (?result=…, a token: a reload or Back publishes nothing again);
// GET …/publish/:group/credentials.pdf — a class's (or the staff's) verification credentials to hand out,
// each print audited. Rows whose national ID has an account that is not the row's person wait, and are named.
import type { Context } from 'koa';
import { z } from 'zod';
import { formatRocDate } from '../../domain/schools/calendar.ts';
import { credentialsPdf } from '../../domain/schools/credentials-pdf.ts';
import type { PublishCounts, Slip } from '../../domain/schools/publishing.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import type { OneUseKind } from '../../platform/one-use.ts';
import { AppError } from '../../web/errors.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { renderOffice } from './pages.ts';
import { officeOf } from './session.ts';

const GROUP = /^(staff|[0-9A-Za-z-]{1,10})$/;

/** What a publish did, for the page it sends the browser to (an hour; shown at each visit, by its person only). */
const Published = z.object({ school: z.string(), person: z.string(), counts: z.record(z.string(), z.number()) });
export type PublishResults = OneUseKind<z.infer<typeof Published>>;
export const publishResults = (s: Services): PublishResults =>
  s.oneUse.kind({ name: 'school-published', schema: Published, ttlSeconds: 3600 });

async function render(ctx: Context, s: Services, result?: PublishCounts | Record<string, number>) {
  const { person } = officeOf(ctx);
  const school = (await s.schools.find(String(ctx.params.code)))!;
  const current = await s.schoolOffice.semesters.current(school.code);
  const term = current && {
    schoolCode: school.code,
    academicYear: current.academicYear,
    semester: current.semester,
    endsOn: current.endsOn,
  };
  const size = current && (await s.schoolOffice.roster.size(school.code, current.academicYear, current.semester));
  const plan = term && (await s.schoolOffice.publisher.plan(term));
  renderOffice(ctx, 'publish', {
    title: 'school.publish.title',
    school,
    step: 'publish',
    personName: person.name,
    current,
    ends: current && formatRocDate(current.endsOn),
    size,
    empty: !!size && size.staff + size.students + size.parents === 0,
    plan: plan?.counts,
    // Rows left waiting: their national ID has an account that is not the row's person (named by the roster only).
    held: plan?.held,
    // Rows that get a slip, not the account holding their national ID: no school source confirmed that account.
    unconfirmed: plan?.unconfirmed,
    result,
    groups: term && (await s.schoolOffice.publisher.groups(term)),
  });
}

export function showPublish(s: Services, results: PublishResults) {
  return async (ctx: Context) => {
    const done = await results.peek(ctx.query.result);
    const mine = done && done.school === String(ctx.params.code) && done.person === officeOf(ctx).person.id;
    await render(ctx, s, mine ? done.counts : undefined);
  };
}

export function publishRoster(s: Services, results: PublishResults) {
  return async (ctx: Context) => {
    const code = String(ctx.params.code);
    const current = await s.schoolOffice.semesters.current(code);
    if (!current) return seeOther(ctx, `/school/${code}/publish`);
    const person = officeOf(ctx).person.id;
    const counts = await s.schoolOffice.publisher.publish(
      { schoolCode: code, academicYear: current.academicYear, semester: current.semester, endsOn: current.endsOn },
      person,
    );
    // Post/Redirect/Get: what it did is shown on the page, whose reload publishes nothing again.
    const token = await results.issue({ school: code, person, counts: { ...counts } });
    seeOther(ctx, `/school/${code}/publish?${new URLSearchParams({ result: token })}`);
  };
}

export function printCredentials(s: Services) {
  return async (ctx: Context) => {
    const code = String(ctx.params.code);
    const group = String(ctx.params.group);
    const slips = GROUP.test(group) ? await s.schoolOffice.publisher.slips(code, group) : [];
    if (!slips.length) throw new AppError('not_found', 404);
    const t = translator(chooseLocale(ctx));
    const school = (await s.schools.find(code))!;
    const current = await s.schoolOffice.semesters.current(code);
    const classes = current ? (await s.schoolOffice.publisher.groups({ schoolCode: code, ...current })).classes : [];
    const groupName =
      group === 'staff' ? t('school.publish.staffGroup') : (classes.find((c) => c.code === group)?.name ?? group);
    const pdf = await credentialsPdf(
      slips.map((slip) => ({
        heading: heading(t, slip),
        account: slip.account,
        password: slip.password,
        howTo: t('school.publish.pdf.howTo', {
          url: `${s.issuer}/register/roster`,
          school: school.name,
          role: t(`role.${slip.role}`),
        }),
      })),
      {
        title: t('school.publish.pdf.title', { school: school.name, group: groupName }),
        intro: t('school.publish.pdf.intro'),
        account: t('school.publish.pdf.account'),
        password: t('school.publish.pdf.password'),
        used: t('school.publish.pdf.used'),
        productName: t('brand'),
        labelled: (label, text) => t('labelled', { label, text }),
      },
    );
    await s.audit.record({
      actor: officeOf(ctx).person.id,
      action: 'school.credentials_printed',
      subject: code,
      detail: { group, slips: slips.length },
    });
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Content-Disposition', `inline; filename="credentials-${code}-${group}.pdf"`);
    ctx.type = 'application/pdf';
    ctx.body = pdf;
  };
}

function heading(t: ReturnType<typeof translator>, slip: Slip): string {
  if (slip.role === 'parent')
    return t('school.publish.pdf.parent', {
      name: slip.name,
      student: slip.studentName ?? slip.studentNo ?? '',
      relationship: t(`binding.relationship.${slip.relationship ?? 'other'}`),
    });
  if (slip.role === 'student')
    return t('school.publish.pdf.student', { name: slip.name, seat: slip.seat ?? '', studentNo: slip.studentNo ?? '' });
  return t('school.publish.pdf.staff', { name: slip.name, role: t(`role.${slip.role}`) });
}
