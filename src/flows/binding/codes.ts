// GET /binding/review/codes — the homeroom teacher's students, each with "產生綁定碼" (or, when the student has a code
// that still works, a link to it). GET …/codes/:id — the student's code card (the code, its QR code, until when it
// works), to print and hand to the parent: the same code at every visit and reload, until it is used or expires.
// POST …/codes/:id — makes a code; it replaces one that still works only when asked to ("產生新的綁定碼", which says
// the old one stops working), else it shows that one. Then back to the card (303), so that a reload makes nothing.
import type { Context } from 'koa';
import { z } from 'zod';
import { showCode } from '../../domain/binding/codes.ts';
import { chooseLocale } from '../../platform/i18n/index.ts';
import { AppError } from '../../web/errors.ts';
import { formText } from '../../web/forms.ts';
import { accountOf } from '../../web/require-account.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { renderBinding, tr } from './pages.ts';

const day = (ctx: Context, d: Date) =>
  new Intl.DateTimeFormat(chooseLocale(ctx) === 'en' ? 'en-GB' : 'zh-TW', {
    dateStyle: 'long',
    timeZone: 'Asia/Taipei',
  }).format(d);

export function showCodes(s: Services) {
  return async (ctx: Context) => {
    const { person } = accountOf(ctx);
    const students = await s.binding.homeroomStudents(person.id);
    if (!students.length && !(await s.binding.isReviewer(person.id))) throw new AppError('not_found', 404);
    renderBinding(ctx, 'codes', {
      title: 'binding.codes.title',
      students: students.map((st) => ({ ...st, until: st.codeUntil && day(ctx, st.codeUntil) })),
    });
  };
}

const IdParam = z.object({ id: z.uuid() });
const NOTICES = ['made', 'replaced', 'kept'] as const;
const CardQuery = z.object({ notice: z.enum(NOTICES).optional().catch(undefined) });
const MakeForm = z.object({ replace: formText(10) });

function studentParam(ctx: Context): string {
  const params = IdParam.safeParse(ctx.params);
  if (!params.success) throw new AppError('not_found', 404);
  return params.data.id;
}

/** GET /binding/review/codes/:id — the card of the code that works now, or the way to make one. */
export function showCard(s: Services) {
  return async (ctx: Context) => {
    const id = studentParam(ctx);
    const current = await s.binding.currentCode(accountOf(ctx).person.id, id);
    if (!current) throw new AppError('not_found', 404);
    const { notice } = CardQuery.parse(ctx.query);
    const t = tr(ctx);
    const code = current.live?.code;
    const link = code && `${s.issuer}/binding?code=${code}`;
    const qr =
      link &&
      (await (await import('qrcode')).default.toString(link, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }));
    renderBinding(ctx, 'code-card', {
      title: code ? 'binding.codes.cardTitle' : 'binding.codes.noCodeTitle',
      identityId: id,
      student: current.student,
      code: code && showCode(code),
      link,
      // The SVG is ours (made from our own URL by the qrcode library), drawn as an image with a text alternative.
      qr: qr && `data:image/svg+xml;base64,${Buffer.from(qr).toString('base64')}`,
      expires: current.live && day(ctx, current.live.expiresAt),
      hiddenCode: !!current.live && !code,
      lastUsed: current.lastUsedAt && day(ctx, current.lastUsedAt),
      notice: notice && t(`binding.codes.notice.${notice}`),
    });
  };
}

/** POST /binding/review/codes/:id — a new code; one that still works is replaced only with `replace=yes`. */
export function makeCode(s: Services) {
  return async (ctx: Context) => {
    const id = studentParam(ctx);
    const reviewer = accountOf(ctx).person.id;
    const { replace } = MakeForm.parse(ctx.request.body ?? {});
    const card = (notice: (typeof NOTICES)[number]) =>
      seeOther(ctx, `/binding/review/codes/${id}?${new URLSearchParams({ notice })}`);
    if (replace !== 'yes') {
      // "產生綁定碼" from a list drawn before a code was made (another tab, a double click): that code, not a new one.
      const current = await s.binding.currentCode(reviewer, id);
      if (!current) throw new AppError('not_found', 404);
      if (current.live?.code) return card('kept');
    }
    const issued = await s.binding.issueCode(reviewer, id);
    if (!issued) throw new AppError('not_found', 404);
    card(issued.replaced ? 'replaced' : 'made');
  };
}
