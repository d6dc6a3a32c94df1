// GET /binding/review/codes — the homeroom teacher's students, each with "產生綁定碼"; POST …/codes/:id — a code card
// for one student (the code, its QR code, valid 7 days), to print and hand to the parent. The code is shown once.
import type { Context } from 'koa';
import { z } from 'zod';
import { showCode } from '../../domain/binding/codes.ts';
import { chooseLocale } from '../../platform/i18n/index.ts';
import { AppError } from '../../web/errors.ts';
import { accountOf } from '../../web/require-account.ts';
import type { Services } from '../../web/services.ts';
import { renderBinding } from './pages.ts';

export function showCodes(s: Services) {
  return async (ctx: Context) => {
    const { person } = accountOf(ctx);
    const students = await s.binding.homeroomStudents(person.id);
    if (!students.length && !(await s.binding.isReviewer(person.id))) throw new AppError('not_found', 404);
    renderBinding(ctx, 'codes', { title: 'binding.codes.title', students });
  };
}

const IdParam = z.object({ id: z.uuid() });

export function printCode(s: Services) {
  return async (ctx: Context) => {
    const params = IdParam.safeParse(ctx.params);
    const issued = params.success ? await s.binding.issueCode(accountOf(ctx).person.id, params.data.id) : undefined;
    if (!issued) throw new AppError('not_found', 404);
    const link = `${s.issuer}/binding?code=${issued.code}`;
    const qr = await (await import('qrcode')).default.toString(link, {
      type: 'svg',
      errorCorrectionLevel: 'M',
      margin: 2,
    });
    renderBinding(ctx, 'code-card', {
      title: 'binding.codes.cardTitle',
      student: issued.student,
      code: showCode(issued.code),
      link,
      // The SVG is ours (made from our own URL by the qrcode library), drawn as an image with a text alternative.
      qr: `data:image/svg+xml;base64,${Buffer.from(qr).toString('base64')}`,
      expires: new Intl.DateTimeFormat(chooseLocale(ctx) === 'en' ? 'en-GB' : 'zh-TW', {
        dateStyle: 'long',
        timeZone: 'Asia/Taipei',
      }).format(issued.expiresAt),
    });
  };
}
