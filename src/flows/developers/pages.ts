// Draws the developer portal's pages in its frame (who is signed in, the way home, sign-out), and short messages.
import type { Context } from 'koa';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { csrfToken } from '../../web/csrf.ts';
import { ownPagesIfAny } from '../../web/own-pages-session.ts';
import { renderPage, titleIn } from '../../web/render.ts';

export function renderDev(
  ctx: Context,
  view: string,
  page: { title: string; titleVars?: Record<string, unknown>; status?: number } & Record<string, unknown>,
): void {
  const t = translator(chooseLocale(ctx));
  const heading = t(page.title, page.titleVars);
  renderPage(
    ctx,
    `developers/${view}`,
    {
      ...page,
      pageTitle: titleIn(heading, t('developers.title')),
      heading,
      personName: ownPagesIfAny(ctx, '/developers')?.person.name,
      csrfToken: csrfToken(ctx),
      // After a form, where the page names the address that draws it again (`formPage`: a refused application form's),
      // there; else the portal's start.
      switchPath: ctx.method === 'GET' ? ctx.path : typeof page.formPage === 'string' ? page.formPage : '/developers',
    },
    page.status,
  );
}

export function renderDevMessage(ctx: Context, page: { title: string; message: string; status: number }): void {
  const t = translator(chooseLocale(ctx));
  renderPage(
    ctx,
    'developers/message',
    { pageTitle: t(page.title), heading: t(page.title), message: t(page.message), switchPath: '/developers' },
    page.status,
  );
}
