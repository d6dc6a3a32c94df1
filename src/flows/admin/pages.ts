// Draws the bureau console's pages: the frame (who is signed in, the console's sections, sign-out) and short messages
// with a way on.
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

/** The console's sections, in the order of its menu. */
export const SECTIONS = [
  { id: 'applications', path: '/admin/applications' },
  { id: 'clients', path: '/admin/clients' },
  { id: 'schools', path: '/admin/schools' },
  { id: 'people', path: '/admin/people' },
  { id: 'audit', path: '/admin/audit' },
] as const;
export type Section = (typeof SECTIONS)[number]['id'];

export function renderAdmin(
  ctx: Context,
  view: string,
  page: { title: string; titleVars?: Record<string, unknown>; section?: Section; status?: number } & Record<
    string,
    unknown
  >,
): void {
  const t = translator(chooseLocale(ctx));
  const heading = t(page.title, page.titleVars);
  renderPage(
    ctx,
    `admin/${view}`,
    {
      ...page,
      pageTitle: withMistakes(t, hasMistakes(page), titleIn(heading, t('admin.title'))),
      heading,
      personName: ownPagesIfAny(ctx, '/admin')?.person.name,
      sections: SECTIONS.map((s) => ({
        href: s.path,
        label: t(`admin.sections.${s.id}`),
        current: s.id === page.section,
      })),
      csrfToken: csrfToken(ctx),
      // After a form, where the page names the address it stands for (`formPage`: a refused form's), there; else the
      // console's start.
      switchPath: ctx.method === 'GET' ? ctx.path : typeof page.formPage === 'string' ? page.formPage : '/admin',
    },
    page.status,
  );
}

export function renderAdminMessage(ctx: Context, page: { title: string; message: string; status: number }): void {
  const t = translator(chooseLocale(ctx));
  renderPage(
    ctx,
    'admin/message',
    { pageTitle: t(page.title), heading: t(page.title), message: t(page.message), switchPath: '/admin' },
    page.status,
  );
}
