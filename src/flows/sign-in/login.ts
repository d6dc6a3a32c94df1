// POST /interaction/:uid/login — throttling and captcha, then the password; finishes the login prompt.
import type { Context } from 'koa';
import { z } from 'zod';
import { solveCaptcha } from '../../platform/captcha.ts';
import { guardState, recordFailure, recordSuccess } from '../../domain/people/sign-in-guard.ts';
import { checkPassword } from '../../domain/people/authenticate.ts';
import { recordAudit } from '../../domain/audit.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import type { InteractionDeps } from './deps.ts';
import { finishInteraction, loadInteraction } from './details.ts';
import { renderLogin } from './login-page.ts';
import { offerActivationResend } from '../registration/resend-offer.ts';
import { startForcedChange } from './password-change.ts';

const LoginForm = z.object({
  login: z.string().trim().min(1, 'required').max(254, 'tooLong'),
  password: z.string().min(1, 'required').max(1024, 'tooLong'),
  remember: z.literal('yes').optional(),
});

export function submitLogin(deps: InteractionDeps) {
  return async (ctx: Context) => {
    const { details, clientName } = await loadInteraction(ctx, deps, 'login');
    const clientId = String(details.params.client_id);
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const t = translator(chooseLocale(ctx));
    const typed = typeof body.login === 'string' ? body.login.slice(0, 254) : '';
    const again = (error: string, status: number, captcha: boolean) =>
      renderLogin(ctx, deps, { uid: details.uid, clientName, login: typed, remember: body.remember === 'yes', error, captcha, status });
    const fail = async (reason: string, subject?: string) => {
      deps.metrics.signIns.inc({ outcome: reason });
      await recordAudit(deps.db, { actor: subject ?? 'anonymous', action: 'sign_in.failure', subject, detail: { reason, client: clientId } });
    };

    const form = LoginForm.safeParse(body);
    const state = await guardState(deps.shared, form.success ? form.data.login : undefined, ctx.ip);
    if (!form.success) {
      await fail('invalid_input');
      return again(t(`login.${form.error.issues[0]!.message === 'tooLong' ? 'tooLong' : 'required'}`), 400, state.captcha);
    }
    if (state.retryAfterSeconds) {
      await fail('locked');
      ctx.set('Retry-After', String(state.retryAfterSeconds));
      return again(t('login.locked', { minutes: Math.ceil(state.retryAfterSeconds / 60) }), 429, false);
    }
    if (state.captcha && !(await solveCaptcha(deps.shared, body.captcha_id, body.captcha))) {
      await fail(body.captcha ? 'captcha_wrong' : 'captcha_missing');
      return again(t(body.captcha ? 'login.captchaWrong' : 'login.captchaRequired'), 400, true);
    }

    const result = await checkPassword(deps.db, deps.bcryptCost, form.data.login, form.data.password);
    if (!result.ok) {
      await recordFailure(deps.shared, form.data.login, ctx.ip);
      await fail(result.personId ? result.reason : 'unknown_account', result.personId);
      const next = await guardState(deps.shared, form.data.login, ctx.ip);
      // The right password on an account still waiting for activation: offer to send the mail again.
      const resendTicket = result.reason === 'inactive' && result.personId
        ? await offerActivationResend(deps.db, deps.shared, { personId: result.personId, interaction: details.uid })
        : undefined;
      if (resendTicket) {
        return renderLogin(ctx, deps, {
          uid: details.uid, clientName, login: typed, remember: body.remember === 'yes',
          error: t('registration.pending.message'), captcha: next.captcha, resendTicket, status: 401,
        });
      }
      return again(t(result.reason === 'inactive' ? 'login.inactive' : 'login.failed'), 401, next.captcha);
    }
    if (state.accountFailures) await recordSuccess(deps.shared, form.data.login);
    deps.metrics.signIns.inc({ outcome: 'success' });
    await recordAudit(deps.db, { actor: result.person.id, action: 'sign_in.success', subject: result.person.id, detail: { client: clientId, method: 'password' } });
    if (result.person.must_change_password) {
      return startForcedChange(ctx, deps, details.uid, { personId: result.person.id, remember: form.data.remember === 'yes' });
    }
    await finishInteraction(ctx, details, { login: { accountId: result.person.id, remember: form.data.remember === 'yes', amr: ['pwd'] } }, false);
  };
}
