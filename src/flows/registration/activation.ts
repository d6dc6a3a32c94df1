// The mailed link: GET /register/activate?token=… opens a page that asks the person to confirm (a mail scanner that
// opens every link must not activate anyone); POST /register/activate does it. Success goes on to /register/activated
// (so that reloading does not meet a used link); a wrong, used, expired or superseded link gets its own page (400).
import type { Context } from 'koa';
import { z } from 'zod';
import { TOKEN_PATTERN } from '../../domain/enrolment/activation-tokens.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { csrfToken } from '../../web/csrf.ts';
import { AppError } from '../../web/errors.ts';
import { renderPage } from '../../web/render.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';

const Token = z.object({ token: z.string().regex(TOKEN_PATTERN) });
const Reason = z.enum(['invalid', 'used', 'expired', 'taken']);
type Reason = z.infer<typeof Reason>;

function renderFailure(ctx: Context, reason: Reason) {
  const t = translator(chooseLocale(ctx));
  // The language link must not carry the token: it leads to this page for the same reason.
  renderPage(
    ctx,
    'registration/activated',
    {
      pageTitle: t(reason === 'used' ? 'registration.activate.usedTitle' : 'registration.activate.failedTitle'),
      failed: true,
      reason,
      message: t(`registration.activate.${reason}`),
      switchPath: `/register/activate/${reason}`,
    },
    400,
  );
}

/** GET: the link's page, with one button that activates. Nothing changes yet. */
export function showActivation(s: Services) {
  return async (ctx: Context) => {
    const query = Token.safeParse(ctx.query);
    if (!query.success) return renderFailure(ctx, 'invalid');
    const state = await s.enrolment.activationState(query.data.token);
    if (state.state !== 'valid') return renderFailure(ctx, state.state);
    const t = translator(chooseLocale(ctx));
    renderPage(ctx, 'registration/activate', {
      pageTitle: t('registration.activate.title'),
      token: query.data.token,
      csrfToken: csrfToken(ctx),
    });
  };
}

/** POST: the person pressed the button. */
export function activate(s: Services) {
  return async (ctx: Context) => {
    const body = Token.safeParse(ctx.request.body ?? {});
    if (!body.success) return renderFailure(ctx, 'invalid');
    const result = await s.enrolment.activate(body.data.token);
    if (!result.ok) return renderFailure(ctx, result.reason);
    seeOther(ctx, '/register/activated');
  };
}

export function showActivated() {
  return async (ctx: Context) => {
    const t = translator(chooseLocale(ctx));
    renderPage(ctx, 'registration/activated', { pageTitle: t('registration.activate.title'), failed: false });
  };
}

export function showActivationFailure() {
  return async (ctx: Context) => {
    const reason = Reason.safeParse(ctx.params.reason);
    if (!reason.success) throw new AppError('not_found', 404);
    renderFailure(ctx, reason.data);
  };
}
