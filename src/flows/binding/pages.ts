// Draws the binding pages: translated here, never stored by a cache, each with its step in the four, and a refused
// form's mistakes listed above it.
import type { Context } from 'koa';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { csrfToken } from '../../web/csrf.ts';
import { renderPage, titleIn, withMistakes } from '../../web/render.ts';

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

/**
 * A form's fields in their order on the page, for the list of mistakes above it: the field's name in `errors`, the
 * key of the words that name it, and the id its link goes to when that is not the name (a group's choice).
 */
export type Fields = readonly (readonly [name: string, label: string, target?: string])[];

/**
 * `errors` (texts, by field name) become the list of mistakes above the form (views/includes/mistakes.pug), in the
 * order of `fields`; with mistakes, or an `alert` answering a refused form (status 400 or more), the title starts with
 * 錯誤： / Error: and `refused` is set (the page's alert takes the focus where no list does).
 */
export function renderBinding(
  ctx: Context,
  view: string,
  page: {
    title: string;
    step?: Step;
    status?: number;
    errors?: Record<string, string>;
    fields?: Fields;
    alert?: string;
  } & Record<string, unknown>,
) {
  const t = tr(ctx);
  const errors = page.errors ?? {};
  const fields = page.fields ?? [];
  const listed = new Set(fields.map(([name]) => name));
  const mistakes = [
    ...fields
      .filter(([name]) => errors[name])
      .map(([name, label, target]) => ({ id: target ?? name, label: t(label), message: errors[name]! })),
    // A mistake of a field not named in `fields` (none should be): still listed, its link to the name.
    ...Object.keys(errors)
      .filter((id) => !listed.has(id))
      .map((id) => ({ id, label: t('binding.mistake'), message: errors[id]! })),
  ];
  const refused = mistakes.length > 0 || Boolean(page.alert && (page.status ?? 200) >= 400);
  renderPage(
    ctx,
    `binding/${view}`,
    {
      ...page,
      errors,
      mistakes,
      refused,
      pageTitle: withMistakes(t, refused, titleIn(t(page.title), t('binding.title'))),
      heading: t(page.title),
      steps: STEPS,
      currentStep: page.step ? STEPS.indexOf(page.step) + 1 : undefined,
      csrfToken: csrfToken(ctx),
    },
    page.status,
  );
}
