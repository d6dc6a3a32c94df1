// GET/POST /password/reset/code?ticket=… — the 6-digit SMS code; a right one leads on to the new-password form.
// A refused code is answered on a page that stands for GET …/code?ticket=… (render.ts `formPage`): a reload asks for
// the form again, and never sends the code again (which would use up a try); Back to it after the right code leads on
// to the new-password form (or its done page), not to "no longer valid".
import type { Context } from 'koa';
import { chooseLocale } from '../../platform/i18n/index.ts';
import { CodeForm, TicketQuery } from '../../web/forms.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { backLink } from './back-link.ts';
import { renderCode, renderMessage } from './pages.ts';
import { checkCounted, smsWaitSeconds, waitUntil } from './sms-wait.ts';
import { progress, type ResetState, SMS_TOKEN_TTL_SECONDS } from './state.ts';

const againUrl = (interaction?: string) =>
  interaction ? `/password/forgot?interaction=${interaction}` : '/password/forgot';

/** The code page's own address: what Back and reload ask for after a refused code. */
const codePage = (ticket: string) => `/password/reset/code?ticket=${ticket}`;

async function renderGone(
  ctx: Context,
  s: Services,
  reason: 'expired' | 'tooMany',
  interaction?: string,
  ticket?: string,
) {
  renderMessage(ctx, {
    title: `password.code.${reason}Title`,
    message: `password.code.${reason}`,
    tone: 'error',
    links: [{ href: againUrl(interaction), label: 'password.reset.again' }, await backLink(s, interaction)],
    status: reason === 'tooMany' ? 429 : 400,
    formPage: ticket ? codePage(ticket) : undefined,
  });
}

/**
 * Too many wrong codes for this number (sms-wait.ts): until when reset by SMS waits, and the other ways on: the email
 * address (the forgot page), the school (said in the text), or back.
 */
async function renderWait(ctx: Context, s: Services, seconds: number, ticket: string, interaction?: string) {
  ctx.set('Retry-After', String(seconds));
  renderMessage(ctx, {
    title: 'password.code.waitTitle',
    message: 'password.code.wait',
    messageVars: { until: waitUntil(seconds, chooseLocale(ctx)) },
    tone: 'error',
    links: [{ href: againUrl(interaction), label: 'password.code.useEmail' }, await backLink(s, interaction)],
    status: 429,
    formPage: codePage(ticket),
  });
}

/** A used-up ticket whose right code this browser typed: on to the form that code opened. */
function leadOn(ctx: Context, ticket: string): boolean {
  const token = progress.linkOf(ctx, ticket);
  if (token) seeOther(ctx, `/password/reset?token=${token}`);
  return !!token;
}

export function showCode(s: Services, state: ResetState) {
  return async (ctx: Context) => {
    const { ticket } = TicketQuery.parse(ctx.query);
    const live = ticket ? await state.codes.peek(ticket) : undefined;
    if (ticket && !live && leadOn(ctx, ticket)) return;
    if (!ticket || !live) return renderGone(ctx, s, 'expired');
    const waiting = live.mobile ? await smsWaitSeconds(s, live.mobile) : 0;
    if (waiting > 0) return renderWait(ctx, s, waiting, ticket, live.interaction);
    renderCode(ctx, { ticket, back: await backLink(s, live.interaction), againUrl: againUrl(live.interaction) });
  };
}

export function submitCode(s: Services, state: ResetState) {
  return async (ctx: Context) => {
    const { ticket } = TicketQuery.parse(ctx.query);
    const { code } = CodeForm.parse(ctx.request.body ?? {});
    if (!ticket) return renderGone(ctx, s, 'expired');
    if (!/^\d{6}$/.test(code)) {
      const live = await state.codes.peek(ticket);
      if (!live && leadOn(ctx, ticket)) return;
      if (!live) return renderGone(ctx, s, 'expired', undefined, ticket);
      const back = await backLink(s, live.interaction);
      return renderCode(ctx, {
        ticket,
        error: 'password.code.invalid',
        back,
        againUrl: againUrl(live.interaction),
        status: 400,
      });
    }
    const ticketed = await state.codes.peek(ticket);
    const waiting = ticketed?.mobile ? await smsWaitSeconds(s, ticketed.mobile) : 0;
    if (waiting > 0) return renderWait(ctx, s, waiting, ticket, ticketed?.interaction);
    const check = await checkCounted(s, state, ticket, code, ticketed?.mobile);
    if (check.result === 'wait') return renderWait(ctx, s, check.seconds, ticket, ticketed?.interaction);
    if (check.result === 'expired') {
      if (leadOn(ctx, ticket)) return;
      return renderGone(ctx, s, 'expired', undefined, ticket);
    }
    const { interaction, personId, issuedAt } = check.value;
    if (check.result === 'too_many') return renderGone(ctx, s, 'tooMany', interaction, ticket);
    if (check.result === 'wrong') {
      return renderCode(ctx, {
        ticket,
        error: 'password.code.wrong',
        errorVars: { count: check.triesLeft },
        back: await backLink(s, interaction),
        againUrl: againUrl(interaction),
        status: 400,
      });
    }
    // Nobody received the code of a ticket without a person: nothing to reset.
    if (!personId) return renderGone(ctx, s, 'expired', undefined, ticket);
    await s.audit.record({
      actor: personId,
      action: 'password.reset_code_verified',
      subject: personId,
      detail: { via: 'sms' },
    });
    const token = await state.tokens.issue({ personId, via: 'sms', interaction, issuedAt }, SMS_TOKEN_TTL_SECONDS);
    progress.codeUsed(ctx, ticket, token);
    seeOther(ctx, `/password/reset?token=${token}`);
  };
}
