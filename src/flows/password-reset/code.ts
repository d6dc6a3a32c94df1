// GET/POST /password/reset/code?ticket=… — the 6-digit SMS code; a right one leads on to the new-password form.
import type { Context } from 'koa';
import { z } from 'zod';
import { recordAudit } from '../../domain/audit.ts';
import { backLink } from './back-link.ts';
import type { PasswordDeps } from './deps.ts';
import { renderCode, renderMessage } from './pages.ts';
import { issueResetToken, SMS_TOKEN_TTL_SECONDS } from './reset-tokens.ts';
import { checkSmsCode, ticketState } from './sms-codes.ts';

const TicketQuery = z.object({ ticket: z.string().regex(/^[A-Za-z0-9_-]{22}$/).optional().catch(undefined) });
const CodeForm = z.object({ code: z.string().catch('').transform((s) => s.replace(/[\s-]/g, '')) });

const againUrl = (interaction?: string) => (interaction ? `/password/forgot?interaction=${interaction}` : '/password/forgot');

async function renderGone(ctx: Context, deps: PasswordDeps, reason: 'expired' | 'tooMany', interaction?: string) {
  const back = await backLink(deps.provider(), interaction);
  renderMessage(ctx, {
    title: `password.code.${reason}Title`, message: `password.code.${reason}`, tone: 'error',
    links: [{ href: againUrl(interaction), label: 'password.reset.again' }, back],
    status: reason === 'tooMany' ? 429 : 400,
  });
}

export function showCode(deps: PasswordDeps) {
  return async (ctx: Context) => {
    const { ticket } = TicketQuery.parse(ctx.query);
    const state = await ticketState(deps.shared, ticket);
    if (!ticket || !state.live) return renderGone(ctx, deps, 'expired');
    renderCode(ctx, { ticket, back: await backLink(deps.provider(), state.interaction), againUrl: againUrl(state.interaction) });
  };
}

export function submitCode(deps: PasswordDeps) {
  return async (ctx: Context) => {
    const { ticket } = TicketQuery.parse(ctx.query);
    const { code } = CodeForm.parse(ctx.request.body ?? {});
    if (!ticket) return renderGone(ctx, deps, 'expired');
    if (!/^\d{6}$/.test(code)) {
      const state = await ticketState(deps.shared, ticket);
      if (!state.live) return renderGone(ctx, deps, 'expired');
      const back = await backLink(deps.provider(), state.interaction);
      return renderCode(ctx, { ticket, error: 'password.code.invalid', back, againUrl: againUrl(state.interaction), status: 400 });
    }
    const check = await checkSmsCode(deps.shared, ticket, code);
    if (check.result === 'expired') return renderGone(ctx, deps, 'expired');
    if (check.result === 'too_many') return renderGone(ctx, deps, 'tooMany', check.interaction);
    if (check.result === 'wrong') {
      const back = await backLink(deps.provider(), check.interaction);
      return renderCode(ctx, {
        ticket, error: 'password.code.wrong', errorVars: { count: check.triesLeft }, back, againUrl: againUrl(check.interaction), status: 400,
      });
    }
    await recordAudit(deps.db, { actor: check.personId, action: 'password.reset_code_verified', subject: check.personId, detail: { via: 'sms' } });
    const token = await issueResetToken(deps.shared, {
      personId: check.personId, via: 'sms', interaction: check.interaction, issuedAt: check.issuedAt,
    }, SMS_TOKEN_TTL_SECONDS);
    ctx.status = 303;
    ctx.redirect(`/password/reset?token=${token}`);
  };
}
