// POST /register/resend — the sign-in page's "send the activation mail again" (a one-use offer), and
// GET /register/resend/:result[/:interaction], the same answer again (the language link of that page).
import type { Context } from 'koa';
import { z } from 'zod';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { AppError } from '../../web/errors.ts';
import { renderPage } from '../../web/render.ts';
import type { Services } from '../../web/services.ts';
import { interactionUid } from './form.ts';

const Body = z.object({ ticket: z.string().max(100).catch('') });
const Result = z.enum(['sent', 'limited', 'expired', 'done']);
type Result = z.infer<typeof Result>;
const STATUS: Record<Result, number> = { sent: 200, limited: 429, expired: 400, done: 200 };
const MESSAGE: Record<Result, string> = { sent: 'sent', limited: 'limited', expired: 'expired', done: 'notPending' };

function renderResult(ctx: Context, result: Result, interaction: string | undefined) {
  const t = translator(chooseLocale(ctx));
  renderPage(
    ctx,
    'registration/resend',
    {
      pageTitle: t('registration.resend.title'),
      result,
      message: t(`registration.resend.${MESSAGE[result]}`),
      interaction,
      switchPath: `/register/resend/${result}${interaction ? `/${interaction}` : ''}`,
    },
    STATUS[result],
  );
}

export function submitResend(s: Services) {
  return async (ctx: Context) => {
    const parsed = Body.safeParse(ctx.request.body ?? {});
    const ticket = parsed.success ? await s.enrolment.resendOffers.take(parsed.data.ticket) : undefined;
    if (!ticket) return renderResult(ctx, 'expired', undefined);
    const outcome = await s.enrolment.resend(ticket.personId);
    renderResult(ctx, outcome === 'not_pending' ? 'done' : outcome, ticket.interaction);
  };
}

const Params = z.object({ result: Result, interaction: interactionUid.optional() });

export function showResendResult() {
  return async (ctx: Context) => {
    const params = Params.safeParse(ctx.params);
    if (!params.success) throw new AppError('not_found', 404);
    renderResult(ctx, params.data.result, params.data.interaction);
  };
}
