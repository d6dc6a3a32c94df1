// Draws the sign-in page, with the person check (platform/challenge.ts) when the guard asks for one.
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
  /** Show the person check (after failures), and what went wrong with it last time. */
  challenge?: boolean;
  challengeError?: string;
  /** A one-use ticket for "send the activation mail again" (pending accounts). */
  resendTicket?: string;
  status?: number;
};

export function renderLogin(ctx: Context, s: Services, page: LoginPage) {
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
      challenge: page.challenge ? s.challenges.question() : undefined,
      challengeError: page.challengeError,
      resendTicket: page.resendTicket,
      csrfToken: csrfToken(ctx),
      switchPath: `/interaction/${page.uid}`,
    },
    page.status,
  );
}
