// Draws the pages of signing in with another account: the not-yet-linked page and the short outcome pages, each
// with a way on (the sign-in started again for the same app, when this browser was in one, and the home page).
import type { Context } from 'koa';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { csrfToken } from '../../web/csrf.ts';
import { renderPage } from '../../web/render.ts';
import { signInWaysOn } from '../../web/sign-in-restart.ts';

export function renderMessage(
  ctx: Context,
  page: { message: string; status: number; restart?: boolean; heading?: string },
): void {
  const t = translator(chooseLocale(ctx));
  const heading = t(page.heading ?? 'federation.message.title');
  const ways = [...signInWaysOn(ctx), { href: '/', label: 'error.home', secondary: true }];
  ways[0] = { ...ways[0]!, secondary: false };
  renderPage(
    ctx,
    'federation/message',
    {
      pageTitle: heading,
      heading,
      message: t(page.message),
      ways: ways.map((w) => ({ href: w.href, label: t(w.label, w.labelVars), secondary: w.secondary })),
      switchPath: '/',
    },
    page.status,
  );
}

export function renderNotLinked(
  ctx: Context,
  page: { uid: string; clientName: string; providerName: string; email?: string },
): void {
  const t = translator(chooseLocale(ctx));
  renderPage(ctx, 'federation/new', {
    pageTitle: t('federation.new.title', { provider: page.providerName }),
    ...page,
    csrfToken: csrfToken(ctx),
    switchPath: `/interaction/${page.uid}/federation/new`,
  });
}

export function renderPending(ctx: Context, page: { uid: string; ticket: string }): void {
  const t = translator(chooseLocale(ctx));
  renderPage(ctx, 'federation/pending', {
    pageTitle: t('federation.pending.title'),
    ...page,
    csrfToken: csrfToken(ctx),
    switchPath: `/interaction/${page.uid}/federation/pending`,
  });
}
