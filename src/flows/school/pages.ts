// Draws the back-office pages: the frame (who is signed in, the school, the four steps of seed 000 §9 with the ones
// built so far), and short messages with a way on.
import type { Context } from 'koa';
import type { OfficeAccess } from '../../domain/schools/office.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { csrfToken } from '../../web/csrf.ts';
import { ownPagesIfAny } from '../../web/own-pages-session.ts';
import { renderPage } from '../../web/render.ts';

/** The back office's steps (seed 000 §9 四步驟), those that exist, in order; then its other pages. */
export const STEPS = [
  { id: 'semester', path: 'semester' },
  { id: 'import', path: 'import' },
  { id: 'roster', path: 'roster' },
  { id: 'publish', path: 'publish' },
] as const;
export const PAGES = [{ id: 'syncLog', path: 'sync-log' }] as const;

export function renderOffice(
  ctx: Context,
  view: string,
  page: {
    title: string;
    titleVars?: Record<string, unknown>;
    school?: { code: string; name: string };
    step?: (typeof STEPS)[number]['id'] | (typeof PAGES)[number]['id'];
    personName: string;
    status?: number;
  } & Record<string, unknown>,
): void {
  const t = translator(chooseLocale(ctx));
  const heading = t(page.title, page.titleVars);
  const access = ownPagesIfAny<OfficeAccess>(ctx, '/school')?.access;
  renderPage(
    ctx,
    `school/${view}`,
    {
      ...page,
      pageTitle: page.school ? `${heading} · ${page.school.name}` : heading,
      heading,
      steps: page.school
        ? STEPS.map((step, i) => ({
            href: `/school/${page.school!.code}/${step.path}`,
            label: t(`school.steps.${step.id}`),
            number: String(i + 1).padStart(2, '0'),
            current: step.id === page.step,
          }))
        : [],
      pages: page.school
        ? PAGES.map((p) => ({
            href: `/school/${page.school!.code}/${p.path}`,
            label: t(`school.pages.${p.id}`),
            current: p.id === page.step,
          }))
        : [],
      // "Another school" only for someone with more than one.
      manySchools: !!access && (access.bureau || access.schools.length > 1),
      csrfToken: csrfToken(ctx),
      switchPath: ctx.method === 'GET' ? ctx.path : '/school',
    },
    page.status,
  );
}

export function renderMessage(ctx: Context, page: { title: string; message: string; status: number }): void {
  const t = translator(chooseLocale(ctx));
  renderPage(
    ctx,
    'school/message',
    { pageTitle: t(page.title), heading: t(page.title), message: t(page.message), switchPath: '/school' },
    page.status,
  );
}
