// GET /binding/status — the parent's applications (申請 / 認證 / 不通過), reload, "新增綁定學生", the bin beside each
// pending one, "註銷全部紀錄", the application form as a PDF, and signing out of the binding pages.
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
    const applications = await s.binding.statusFor(contact);
    renderBinding(ctx, 'status', {
      title: 'binding.status.title',
      applications,
      shown: contact.kind === 'email' ? maskEmail(contact.value) : maskMobile(contact.value),
      notice: q.notice ? t(`binding.status.${q.notice}`, { count: q.count ?? 0 }) : undefined,
      noticeTone: q.notice === 'notFound' ? 'error' : 'info',
      canWithdraw: applications.some((a) => a.status === 'pending' || a.status === 'rejected'),
    });
  };
}

const IdParam = z.object({ id: z.uuid() });

export function cancelApplication(s: Services) {
  return async (ctx: Context) => {
    const params = IdParam.safeParse(ctx.params);
    const done = params.success && (await s.binding.cancel(bindingOf(ctx).contact, params.data.id));
    seeOther(ctx, `/binding/status?notice=${done ? 'cancelled' : 'notFound'}`);
  };
}

export function withdrawAll(s: Services) {
  return async (ctx: Context) => {
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
