// GET/POST /password/forgot — asks for a verified email or mobile number (with the person check), then sends a
// reset link or an SMS code. The answer is the same whether an account exists or not.
import type { Context } from 'koa';
import { z } from 'zod';
import { chooseLocale } from '../../platform/i18n/index.ts';
import { PASSWORD_RESET } from '../../platform/limits.ts';
import { passedChallenge, triedChallenge } from '../../web/challenge.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { backLink } from './back-link.ts';
import { renderForgot, renderMessage } from './pages.ts';
import { parseResetTarget, targetName } from './reset-target.ts';
import { sendReset } from './send-reset.ts';
import { smsWaitSeconds, waitUntil } from './sms-wait.ts';
import { INTERACTION_UID, type ResetState } from './state.ts';

/** `?interaction=<uid>`: the sign-in this came from; anything else is ignored. */
const FromQuery = z.object({ interaction: z.string().regex(INTERACTION_UID).optional().catch(undefined) });

const ForgotForm = z.object({
  target: z
    .string()
    .catch('')
    .transform((v) => v.trim()),
});

const withInteraction = (path: string, interaction?: string) =>
  interaction ? `${path}${path.includes('?') ? '&' : '?'}interaction=${interaction}` : path;

export function showForgot(s: Services) {
  return async (ctx: Context) => {
    const { interaction } = FromQuery.parse(ctx.query);
    renderForgot(ctx, {
      interaction,
      challenge: s.challenges.question(),
      back: await backLink(s, interaction),
      sms: s.outbox.offers('sms'),
    });
  };
}

export function submitForgot(s: Services, state: ResetState) {
  return async (ctx: Context) => {
    const { interaction } = FromQuery.parse(ctx.query);
    const form = ForgotForm.parse(ctx.request.body ?? {});
    const sms = s.outbox.offers('sms');
    const again = async (
      errors: { target?: string; challenge?: string },
      status: number,
      alert?: string,
      targetVars?: Record<string, unknown>,
    ) =>
      renderForgot(ctx, {
        interaction,
        target: form.target.slice(0, 254),
        errors,
        targetVars,
        alert,
        status,
        challenge: s.challenges.question(),
        back: await backLink(s, interaction),
        sms,
      });

    const parsed = form.target ? parseResetTarget(form.target) : undefined;
    // A mobile number where no SMS can be sent: said plainly, with the way on (the email address).
    const target = parsed?.channel === 'sms' && !sms ? undefined : parsed;
    const targetError = !form.target
      ? sms
        ? 'password.forgot.required'
        : 'password.forgot.requiredEmailOnly'
      : target
        ? undefined
        : parsed
          ? 'password.forgot.smsUnavailable'
          : sms
            ? 'password.forgot.invalidTarget'
            : 'password.forgot.invalidTargetEmailOnly';
    const body = ctx.request.body ?? {};
    const challengeError = (await passedChallenge(s, body))
      ? undefined
      : triedChallenge(body)
        ? 'challenge.failed'
        : 'challenge.required';
    if (!target || challengeError) return again({ target: targetError, challenge: challengeError }, 400);

    // Too many wrong codes for this number lately (sms-wait.ts): no new code until the wait ends; the email instead.
    const waiting = target.channel === 'sms' ? await smsWaitSeconds(s, target.mobile) : 0;
    if (waiting > 0) {
      ctx.set('Retry-After', String(waiting));
      return again({ target: 'password.forgot.smsWaiting' }, 429, undefined, {
        until: waitUntil(waiting, chooseLocale(ctx)),
      });
    }

    const [byTarget, byAddress] = await Promise.all([
      s.throttle.allow(PASSWORD_RESET.target, targetName(target)),
      s.throttle.allow(PASSWORD_RESET.address, ctx.ip),
    ]);
    if (!byTarget || !byAddress) {
      ctx.set('Retry-After', String(PASSWORD_RESET.target.windowSeconds));
      return again({}, 429, 'password.forgot.tooMany');
    }

    const sent = await sendReset(s, state, target, interaction);
    seeOther(
      ctx,
      sent.channel === 'email'
        ? withInteraction('/password/forgot/sent', interaction)
        : `/password/reset/code?ticket=${sent.ticket}`,
    );
  };
}

/** GET /password/forgot/sent — "if an account uses this email, we sent it a link". */
export function showSent(s: Services) {
  return async (ctx: Context) => {
    const { interaction } = FromQuery.parse(ctx.query);
    renderMessage(ctx, {
      title: 'password.sent.title',
      message: 'password.sent.text',
      hint: 'password.sent.hint',
      tone: 'info',
      links: [
        await backLink(s, interaction),
        { href: withInteraction('/password/forgot', interaction), label: 'password.reset.again' },
      ],
    });
  };
}
