// oidc-provider answers some requests with a page of its own that posts a form by itself (response_mode=form_post
// to an app, a sign-out without a session, a sign-in that switches accounts): its title and the words shown without
// scripts are English. They are put in the page's language here; the form, its fields and its script stay as they are
// (the script's hash is in the page's CSP); the page gets the site's width and stylesheet.
import type { Middleware } from 'koa';
import pug from 'pug';
import { chooseLocale, translator } from '../platform/i18n/index.ts';

const TITLE = '<title>Submitting Callback</title>';
const NOSCRIPT =
  /Your browser does not support JavaScript or you've disabled it\.<br\/>\s*<button autofocus type="submit">Continue<\/button>/;

/** Escaped as the views' text is: pug's own escaping (its runtime, which @types/pug does not declare). */
const htmlText = (text: string): string =>
  (pug as unknown as { runtime: { escape(text: string): string } }).runtime.escape(text);

export const formPostWords: Middleware = async (ctx, next) => {
  await next();
  const body = ctx.body;
  if (typeof body !== 'string' || !body.startsWith('<!DOCTYPE html>') || !body.includes(TITLE)) return;
  const locale = chooseLocale(ctx);
  const t = translator(locale);
  ctx.body = body
    .replace('<html>', `<html lang="${locale}">`)
    // Read on a phone without scripts too: the site's width and look.
    .replace(
      '<head>',
      '<head>\n  <meta name="viewport" content="width=device-width, initial-scale=1">\n  <link rel="stylesheet" href="/static/app.css">',
    )
    .replace('<body>', '<body>\n<main><section class="card">')
    .replace('</body>', '</section></main>\n</body>')
    .replace(TITLE, `<title>${htmlText(t('formPost.title'))}</title>`)
    .replace(
      NOSCRIPT,
      `<p>${htmlText(t('formPost.noScript'))}</p>\n      <button class="primary" autofocus type="submit">${htmlText(t('formPost.continue'))}</button>`,
    );
};
