// A sign-out stays in the language it started in. An app sends a person to /session/end?ui_locales=en; the question is
// drawn in English (provider-pages.ts), but oidc-provider's answer to it (POST /session/end/confirm) sends the browser
// on to /session/end/success without the app's wish, and the page that says "you are signed out" came in the
// browser's language. The wish travels along in the addresses instead: in the question's form (provider-pages.ts), in
// the form oidc-provider posts by itself when nobody is signed in, and in the redirect to our own page after it (here,
// in front of oidc-provider) — never in the redirect to an app's post_logout_redirect_uri. Only a language we speak is
// carried ('en' or 'zh-TW'); the person's own choice (?lang=, the lang cookie) still wins (platform/i18n chooseLocale).
import type { Middleware } from 'koa';
import { fromUiLocales, type Locale } from '../../platform/i18n/index.ts';

/** oidc-provider's sign-out addresses (its default routes; it matches them regardless of case). */
const END = '/session/end';
const CONFIRM = '/session/end/confirm';
const SUCCESS = '/session/end/success';

/** The sign-out's language as the app asked for it in this address (`ui_locales`), if it is one we speak. */
export function signOutLocale(query: Record<string, unknown>): Locale | undefined {
  // Only what chooseLocale follows; the parameter twice (an array) is no wish.
  return fromUiLocales(query.ui_locales);
}

/** `url` (absolute or a path) with the sign-out's language in its query, or as it is when there is none. */
export function withSignOutLocale(url: string, locale: Locale | undefined): string {
  if (!locale) return url;
  const parsed = new URL(url, 'http://relative.invalid');
  parsed.searchParams.set('ui_locales', locale);
  return parsed.origin === 'http://relative.invalid' ? `${parsed.pathname}${parsed.search}${parsed.hash}` : parsed.href;
}

/** An attribute value as oidc-provider writes it in its forms (its helpers/html_safe). */
const attribute = (value: string) =>
  value.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll("'", '&#39;').replaceAll('<', '&lt;');

/**
 * A form of oidc-provider's (`html`: its sign-out form, or its page that posts one by itself) posting to `action`,
 * made to post to the same address with the sign-out's language.
 */
export function formWithSignOutLocale(html: string, action: string, locale: Locale | undefined): string {
  if (!locale) return html;
  return html.replace(`action="${attribute(action)}"`, `action="${attribute(withSignOutLocale(action, locale))}"`);
}

const pathOf = (path: string) => path.toLowerCase().replace(/(.)\/$/, '$1');

/**
 * In front of oidc-provider: the sign-out's language (`ui_locales` of /session/end, then of the confirm form's address)
 * for the page oidc-provider posts by itself and for the redirect to our own /session/end/success.
 */
export const signOutLanguage: Middleware = async (ctx, next) => {
  const path = pathOf(ctx.path);
  if (path !== END && path !== CONFIRM) return next();
  const locale = signOutLocale(ctx.query);
  if (!locale) return next();
  // Where oidc-provider's addresses point (its urlFor: relative to this request's address, the issuer's host as app.ts
  // set it).
  const origin = new URL(ctx.href).origin;
  // Its page that posts the answer by itself (nobody signed in here) is drawn in this language too (form-post-page.ts).
  if (path === END) ctx.state.uiLocales = locale;
  await next();
  if (path === END) {
    // The question's own form carries it already (provider-pages.ts): this finds the form of the page oidc-provider
    // draws itself, whose address is still the plain one.
    if (ctx.method === 'GET' && typeof ctx.body === 'string' && ctx.status === 200)
      ctx.body = formWithSignOutLocale(ctx.body, new URL(CONFIRM, origin).href, locale);
    return;
  }
  const location = ctx.response.get('Location');
  if (!location || ctx.status !== 303) return;
  const to = URL.canParse(location, origin) ? new URL(location, origin) : undefined;
  // Only our own page: an app's post_logout_redirect_uri is the app's, as it registered it.
  if (to?.origin === origin && pathOf(to.pathname) === SUCCESS) ctx.redirect(withSignOutLocale(to.href, locale));
};
