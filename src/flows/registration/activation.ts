// The mailed link: GET /register/activate?token=… opens a page that names the registration (its email and name) and
// asks for the password chosen at it (a mail scanner that opens every link activates no one, and opening someone
// else's registration of one's address activates nothing either); POST /register/activate does it. Success goes on to
// /register/activated (so that reloading does not meet a used link); a wrong password draws the page again with the
// message at the field (400; too many: 429); a wrong, used, expired or superseded link gets its own page (400).
// "Not mine, or I forgot the password": POST /register/activate/discard removes the registration → /register/discarded.
import type { Context } from 'koa';
import { z } from 'zod';
import { TOKEN_PATTERN } from '../../domain/enrolment/activation-tokens.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { SIGN_IN } from '../../platform/limits.ts';
import { csrfToken } from '../../web/csrf.ts';
import { AppError } from '../../web/errors.ts';
import { renderPage } from '../../web/render.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';

const Token = z.object({ token: z.string().regex(TOKEN_PATTERN) });
const Body = Token.extend({ password: z.string().max(1024).catch('') });
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

/** The link's page: whose registration it is, its password field, and "not mine". `error`: the password's message. */
async function renderActivation(
  ctx: Context,
  s: Services,
  token: string,
  answer?: { status: number; error?: string; alert?: string },
) {
  const state = await s.enrolment.activationState(token);
  if (state.state !== 'valid') return renderFailure(ctx, state.state);
  const person = await s.people.findById(state.personId);
  if (!person) return renderFailure(ctx, 'invalid');
  const t = translator(chooseLocale(ctx));
  renderPage(
    ctx,
    'registration/activate',
    {
      pageTitle: t('registration.activate.confirmTitle'),
      token,
      email: person.email,
      name: person.name,
      error: answer?.error,
      alert: answer?.alert,
      csrfToken: csrfToken(ctx),
      // The language link (after a wrong password too) opens the same link's page again.
      switchPath: `/register/activate?token=${token}`,
    },
    answer?.status ?? 200,
  );
}

/** GET: the link's page. Nothing changes yet. */
export function showActivation(s: Services) {
  return async (ctx: Context) => {
    const query = Token.safeParse(ctx.query);
    if (!query.success) return renderFailure(ctx, 'invalid');
    await renderActivation(ctx, s, query.data.token);
  };
}

/** POST: the person typed the registration's password and pressed the button. */
export function activate(s: Services) {
  return async (ctx: Context) => {
    const body = Body.safeParse(ctx.request.body ?? {});
    if (!body.success) return renderFailure(ctx, 'invalid');
    const { token, password } = body.data;
    const t = translator(chooseLocale(ctx));
    if (!password)
      return renderActivation(ctx, s, token, { status: 400, error: t('registration.activate.passwordMissing') });
    const result = await s.enrolment.activate(token, password);
    if (result.ok) return seeOther(ctx, '/register/activated');
    if (result.reason === 'wrong_password')
      return renderActivation(ctx, s, token, {
        status: 400,
        error:
          result.left > 0
            ? t('registration.activate.passwordWrong', { left: result.left })
            : t('registration.activate.passwordLast'),
      });
    if (result.reason === 'limited') {
      ctx.set('Retry-After', String(SIGN_IN.account.windowSeconds));
      return renderActivation(ctx, s, token, { status: 429, alert: t('registration.activate.limited') });
    }
    renderFailure(ctx, result.reason);
  };
}

/** POST: "this is not my registration" (or its password is forgotten): it goes, and the address is free again. */
export function discard(s: Services) {
  return async (ctx: Context) => {
    const body = Token.safeParse(ctx.request.body ?? {});
    if (!body.success) return renderFailure(ctx, 'invalid');
    const result = await s.enrolment.discard(body.data.token);
    if (!result.ok) return renderFailure(ctx, result.reason);
    seeOther(ctx, '/register/discarded');
  };
}

export function showActivated() {
  return async (ctx: Context) => {
    const t = translator(chooseLocale(ctx));
    renderPage(ctx, 'registration/activated', { pageTitle: t('registration.activate.title'), failed: false });
  };
}

export function showDiscarded() {
  return async (ctx: Context) => {
    const t = translator(chooseLocale(ctx));
    renderPage(ctx, 'registration/activated', {
      pageTitle: t('registration.activate.discardedTitle'),
      failed: false,
      discarded: true,
    });
  };
}

export function showActivationFailure() {
  return async (ctx: Context) => {
    const reason = Reason.safeParse(ctx.params.reason);
    if (!reason.success) throw new AppError('not_found', 404);
    renderFailure(ctx, reason.data);
  };
}
