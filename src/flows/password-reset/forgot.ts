// GET/POST /password/forgot — asks for a verified email or mobile number (with an image captcha), then sends a
// reset link or an SMS code. The answer is the same whether an account exists or not.
import type { Context } from 'koa';
import { z } from 'zod';
import { newCaptcha, solveCaptcha } from '../../platform/captcha.ts';
import { backLink, INTERACTION_UID } from './back-link.ts';
import type { PasswordDeps } from './deps.ts';
import { allowResetRequest } from './forgot-limit.ts';
import { renderForgot, renderMessage } from './pages.ts';
import { parseResetTarget, targetName } from './reset-target.ts';
import { sendReset } from './send-reset.ts';

/** `?interaction=<uid>`: the sign-in this came from; anything else is ignored. */
const FromQuery = z.object({ interaction: z.string().regex(INTERACTION_UID).optional().catch(undefined) });

const ForgotForm = z.object({
  target: z.string().catch('').transform((s) => s.trim()),
  captcha: z.string().max(20).optional().catch(undefined),
  captcha_id: z.string().max(64).optional().catch(undefined),
});

const withInteraction = (path: string, interaction?: string) =>
  interaction ? `${path}${path.includes('?') ? '&' : '?'}interaction=${interaction}` : path;

export function showForgot(deps: PasswordDeps) {
  return async (ctx: Context) => {
    const { interaction } = FromQuery.parse(ctx.query);
    renderForgot(ctx, { interaction, captcha: await newCaptcha(deps.shared), back: await backLink(deps.provider(), interaction) });
  };
}

export function submitForgot(deps: PasswordDeps) {
  return async (ctx: Context) => {
    const { interaction } = FromQuery.parse(ctx.query);
    const form = ForgotForm.parse(ctx.request.body ?? {});
    const again = async (errors: { target?: string; captcha?: string }, status: number, alert?: string) =>
      renderForgot(ctx, {
        interaction, target: form.target.slice(0, 254), errors, alert, status,
        captcha: await newCaptcha(deps.shared), back: await backLink(deps.provider(), interaction),
      });

    const target = form.target ? parseResetTarget(form.target) : undefined;
    const targetError = !form.target ? 'password.forgot.required' : target ? undefined : 'password.forgot.invalidTarget';
    const captchaOk = await solveCaptcha(deps.shared, form.captcha_id, form.captcha);
    const captchaError = captchaOk ? undefined : form.captcha ? 'password.forgot.captchaWrong' : 'password.forgot.captchaRequired';
    if (!target || captchaError) return again({ target: targetError, captcha: captchaError }, 400);

    if (!(await allowResetRequest(deps.shared, targetName(target), ctx.ip))) {
      ctx.set('Retry-After', '3600');
      return again({}, 429, 'password.forgot.tooMany');
    }

    const sent = await sendReset(deps, target, interaction);
    ctx.status = 303;
    ctx.redirect(sent.channel === 'email' ? withInteraction('/password/forgot/sent', interaction) : `/password/reset/code?ticket=${sent.ticket}`);
  };
}

/** GET /password/forgot/sent — "if an account uses this email, we sent it a link". */
export function showSent(deps: PasswordDeps) {
  return async (ctx: Context) => {
    const { interaction } = FromQuery.parse(ctx.query);
    const back = await backLink(deps.provider(), interaction);
    renderMessage(ctx, {
      title: 'password.sent.title', message: 'password.sent.text', hint: 'password.sent.hint', tone: 'info',
      links: [back, { href: withInteraction('/password/forgot', interaction), label: 'password.reset.again' }],
    });
  };
}
