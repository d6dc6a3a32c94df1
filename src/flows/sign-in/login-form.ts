// Draws the sign-in page, with an image captcha when the guard asks for one.
import type { Context } from 'koa';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { csrfToken } from '../../web/csrf.ts';
import { renderPage } from '../../web/render.ts';
import type { Services } from '../../web/services.ts';

export type LoginPage = {
  uid: string;
  clientName: string;
  login?: string;
  remember?: boolean;
  error?: string;
  captcha?: boolean;
  /** A one-use ticket for "send the activation mail again" (pending accounts). */
  resendTicket?: string;
  status?: number;
};

export async function renderLogin(ctx: Context, s: Services, page: LoginPage) {
  const t = translator(chooseLocale(ctx));
  renderPage(
    ctx,
    'sign-in/login',
    {
      pageTitle: t('login.title'),
      uid: page.uid,
      clientName: page.clientName,
      login: page.login ?? '',
      remember: page.remember ?? false,
      error: page.error,
      captcha: page.captcha ? await s.captchas.create(ctx.ip) : undefined,
      resendTicket: page.resendTicket,
      csrfToken: csrfToken(ctx),
      switchPath: `/interaction/${page.uid}`,
    },
    page.status,
  );
}
