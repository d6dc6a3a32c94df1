// GET /binding/status — the parent's applications (申請 / 認證 / 不通過), reload, "新增綁定學生", the bin beside each
// pending one, "註銷全部紀錄", the application form as a PDF, and signing out of the binding pages. The bin and
// "註銷全部紀錄" are links to a page that asks first (GET …/cancel, GET /binding/withdraw-all): only its button, which
// sends confirm=yes, cancels or withdraws; a POST without it (a page from before, a stray tap) is shown that page.
import type { Context } from 'koa';
import { z } from 'zod';
import { applicationPdf, type PdfLabels } from '../../domain/binding/pdf.ts';
import type { ApplicationView } from '../../domain/binding/service.ts';
import { maskEmail, maskMobile } from '../../domain/people/masks.ts';
import { AppError } from '../../web/errors.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { renderBinding, tr } from './pages.ts';
import { type BindingState, bindingOf, endSession } from './state.ts';

const NOTICES = ['submitted', 'approved', 'partlyApproved', 'cancelled', 'withdrawn', 'signedOut', 'notFound'] as const;
const StatusQuery = z.object({
  notice: z.enum(NOTICES).optional().catch(undefined),
  count: z.coerce.number().int().min(0).max(1000).optional().catch(undefined),
});

export function showStatus(s: Services) {
  return async (ctx: Context) => {
    const { contact } = bindingOf(ctx);
    const q = StatusQuery.parse(ctx.query);
    const t = tr(ctx);
    const [applications, withdrawable] = await Promise.all([
      s.binding.statusFor(contact),
      s.binding.withdrawable(contact),
    ]);
    renderBinding(ctx, 'status', {
      title: 'binding.status.title',
      applications,
      shown: contact.kind === 'email' ? maskEmail(contact.value) : maskMobile(contact.value),
      notice: q.notice ? t(`binding.status.${q.notice}`, { count: q.count ?? 0 }) : undefined,
      noticeTone: q.notice === 'notFound' ? 'error' : 'info',
      // Offered only when "註銷全部紀錄" would withdraw something (not for applications that merely name this contact).
      canWithdraw: withdrawable.length > 0,
    });
  };
}

const IdParam = z.object({ id: z.uuid() });

/** The confirmation pages' button sends this; without it a POST only shows the page that asks. */
const Confirmed = z.object({ confirm: z.literal('yes').optional().catch(undefined) });
const confirmed = (ctx: Context) => Confirmed.parse(ctx.request.body ?? {}).confirm === 'yes';

/**
 * "確定要取消這筆申請嗎？": the application (the student, the school, the relationship), what cancelling does, "確定取消"
 * and "不要，回到申請進度". An application that is not this contact's, or no longer pending, is "not found" on the status
 * page, as its cancellation would be.
 */
async function askCancel(ctx: Context, s: Services) {
  const params = IdParam.safeParse(ctx.params);
  const app = params.success ? await s.binding.forContact(bindingOf(ctx).contact, params.data.id) : undefined;
  if (app?.status !== 'pending') return seeOther(ctx, '/binding/status?notice=notFound');
  renderBinding(ctx, 'confirm', {
    title: 'binding.confirm.cancelTitle',
    kind: 'cancel',
    action: `/binding/applications/${app.id}/cancel`,
    applications: [app],
  });
}

/**
 * "確定要註銷全部紀錄嗎？": exactly the applications "註銷全部紀錄" withdraws, that approved bindings stay (when there
 * are any), that applications made with another contact stay (when this one shows any), "確定註銷" and the way back.
 */
async function askWithdrawAll(ctx: Context, s: Services) {
  const { contact } = bindingOf(ctx);
  const [shown, applications] = await Promise.all([s.binding.statusFor(contact), s.binding.withdrawable(contact)]);
  const going = new Set(applications.map((a) => a.id));
  renderBinding(ctx, 'confirm', {
    title: 'binding.confirm.withdrawTitle',
    kind: 'withdraw',
    action: '/binding/withdraw-all',
    applications,
    approvedStay: shown.some((a) => a.status === 'approved'),
    othersStay: shown.some((a) => (a.status === 'pending' || a.status === 'rejected') && !going.has(a.id)),
  });
}

export function showCancel(s: Services) {
  return (ctx: Context) => askCancel(ctx, s);
}

/**
 * Cancels only from the confirmation page (confirm=yes). Without it the answer is that page, 200: nothing was
 * cancelled, and nothing was wrong with the request either (a status page loaded before the confirmation existed, or
 * any other form posting here), so it is the step every tap now goes through, not an error page (錯誤： in the title).
 */
export function cancelApplication(s: Services) {
  return async (ctx: Context) => {
    if (!confirmed(ctx)) return askCancel(ctx, s);
    const params = IdParam.safeParse(ctx.params);
    const done = params.success && (await s.binding.cancel(bindingOf(ctx).contact, params.data.id));
    seeOther(ctx, `/binding/status?notice=${done ? 'cancelled' : 'notFound'}`);
  };
}

export function showWithdrawAll(s: Services) {
  return (ctx: Context) => askWithdrawAll(ctx, s);
}

/** Withdraws only from the confirmation page (confirm=yes); without it, that page (200, as cancelApplication). */
export function withdrawAll(s: Services) {
  return async (ctx: Context) => {
    if (!confirmed(ctx)) return askWithdrawAll(ctx, s);
    const count = await s.binding.withdrawAll(bindingOf(ctx).contact);
    seeOther(ctx, `/binding/status?notice=withdrawn&count=${count}`);
  };
}

export function signOut(state: BindingState) {
  return async (ctx: Context) => {
    await endSession(ctx, state);
    seeOther(ctx, '/');
  };
}

/** What the parent saw and signed, as the PDF shows it (names and contacts masked). */
function labels(ctx: Context): PdfLabels {
  const t = tr(ctx);
  const keys = [
    'title',
    'intro',
    'applicationId',
    'submittedAt',
    'status',
    'student',
    'school',
    'level',
    'relationship',
    'parent',
    'nationalId',
    'email',
    'mobile',
    'signature',
    'signedAt',
    'digest',
    'footer',
  ] as const;
  return Object.fromEntries(keys.map((k) => [k, t(`binding.pdf.${k}`)])) as PdfLabels;
}

export function downloadPdf(s: Services) {
  return async (ctx: Context) => {
    const params = IdParam.safeParse(ctx.params);
    const app: ApplicationView | undefined = params.success
      ? await s.binding.forContact(bindingOf(ctx).contact, params.data.id)
      : undefined;
    if (!app) throw new AppError('not_found', 404);
    const t = tr(ctx);
    const level = (await s.schools.find(app.school.code))?.level;
    const pdf = await applicationPdf(
      {
        id: app.id,
        submittedAt: app.createdAt,
        status: t(`binding.status.state.${app.status}`),
        relationship: t(`binding.relationship.${app.relationship}`),
        student: { name: app.studentName, school: app.school.name, level: t(`binding.student.levels.${level}`) },
        parent: {
          name: app.parent.name,
          nationalId: app.parent.nationalId,
          email: app.parent.email ?? '—',
          mobile: app.parent.mobile ?? '—',
        },
        signature: {
          name: app.signature ? app.parent.name : '—',
          at: app.signedAt ?? app.createdAt,
          sha256: app.signature?.sha256 ?? '—',
        },
        productName: t('brand'),
      },
      labels(ctx),
    );
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'application/pdf';
    ctx.attachment(`binding-${app.id.slice(0, 8)}.pdf`);
    ctx.body = pdf;
  };
}
