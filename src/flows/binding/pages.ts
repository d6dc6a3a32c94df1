// Draws the binding pages: translated here, never stored by a cache, each with its step in the four.
import type { Context } from 'koa';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { csrfToken } from '../../web/csrf.ts';
import { renderPage, titleIn } from '../../web/render.ts';

export const STEPS = ['contact', 'student', 'consent', 'parent'] as const;
export type Step = (typeof STEPS)[number];

export const tr = (ctx: Context) => translator(chooseLocale(ctx));

/** Field errors arrive as i18n keys (with their values) and leave as texts. */
export function errorTexts(
  ctx: Context,
  errors: Record<string, string | [string, Record<string, unknown>] | undefined>,
): Record<string, string> {
  const t = tr(ctx);
  return Object.fromEntries(
    Object.entries(errors)
      .filter(([, v]) => v)
      .map(([k, v]) => [k, Array.isArray(v) ? t(v[0], v[1]) : t(v!)]),
  );
}

export function renderBinding(
  ctx: Context,
  view: string,
  page: { title: string; step?: Step; status?: number } & Record<string, unknown>,
) {
  const t = tr(ctx);
  renderPage(
    ctx,
    `binding/${view}`,
    {
      ...page,
      pageTitle: titleIn(t(page.title), t('binding.title')),
      heading: t(page.title),
      steps: STEPS,
      currentStep: page.step ? STEPS.indexOf(page.step) + 1 : undefined,
      csrfToken: csrfToken(ctx),
    },
    page.status,
  );
}
