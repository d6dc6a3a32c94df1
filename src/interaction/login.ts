// POST /interaction/:uid/login — checks the password and finishes the login prompt.
import type { Context } from 'koa';
import { z } from 'zod';
import { checkPassword } from '../accounts/sign-in.ts';
import { chooseLocale, translator } from '../i18n/index.ts';
import { csrfToken } from '../web/csrf.ts';
import { renderPage } from '../web/render.ts';
import type { InteractionDeps } from './deps.ts';
import { finishInteraction, loadInteraction } from './details.ts';

const LoginForm = z.object({
  login: z.string().trim().min(1, 'required').max(254, 'tooLong'),
  password: z.string().min(1, 'required').max(1024, 'tooLong'),
  remember: z.literal('yes').optional(),
});

export function submitLogin(deps: InteractionDeps) {
  return async (ctx: Context) => {
    const { details, clientName } = await loadInteraction(ctx, deps, 'login');
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const t = translator(chooseLocale(ctx));
    const again = (error: string, status: number) =>
      renderPage(ctx, 'login', {
        pageTitle: t('login.title'), uid: details.uid, clientName, csrfToken: csrfToken(ctx), error,
        switchPath: `/interaction/${details.uid}`,
        login: typeof body.login === 'string' ? body.login.slice(0, 254) : '', remember: body.remember === 'yes',
      }, status);

    const form = LoginForm.safeParse(body);
    if (!form.success) {
      deps.metrics.signIns.inc({ outcome: 'invalid_input' });
      return again(t(`login.${form.error.issues[0]!.message === 'tooLong' ? 'tooLong' : 'required'}`), 400);
    }
    const result = await checkPassword(deps.db, deps.bcryptCost, form.data.login, form.data.password);
    if (!result.ok) {
      deps.metrics.signIns.inc({ outcome: result.reason });
      return again(t(result.reason === 'inactive' ? 'login.inactive' : 'login.failed'), 401);
    }
    deps.metrics.signIns.inc({ outcome: 'success' });
    await finishInteraction(ctx, deps, { login: { accountId: result.person.id, remember: form.data.remember === 'yes' } }, false);
  };
}
