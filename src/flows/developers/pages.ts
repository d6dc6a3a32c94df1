// Draws the developer portal's pages in its frame (who is signed in, the way home, sign-out), and short messages.
import type { Context } from 'koa';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { csrfToken } from '../../web/csrf.ts';
import { ownPagesIfAny } from '../../web/own-pages-session.ts';
import { renderPage, titleIn, withMistakes } from '../../web/render.ts';

/** The page's words name mistakes to correct (a summary, messages at fields): its title says so first (render.ts). */
const MISTAKE_WORDS = ['orgError', 'memberError', 'grantError', 'actionError', 'revealError', 'lockError', 'error'];
const hasMistakes = (page: Record<string, unknown>): boolean =>
  (Array.isArray(page.errorList) && page.errorList.length > 0) ||
  (!!page.errors && typeof page.errors === 'object' && Object.keys(page.errors).length > 0) ||
  MISTAKE_WORDS.some((k) => typeof page[k] === 'string' && page[k] !== '');

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
      pageTitle: withMistakes(t, hasMistakes(page), titleIn(heading, t('developers.title'))),
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
