// Renders pug views for our routes and for pages oidc-provider asks us to draw (errors, logout).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pug from 'pug';
import { chooseLocale, LOCALES, type Locale, translator } from '../platform/i18n/index.ts';
import { type TimeStyle, taipeiTime } from './taipei-time.ts';

const viewsDir = fileURLToPath(new URL('../../views/', import.meta.url));
const cache = new Map<string, pug.compileTemplate>();

function template(view: string): pug.compileTemplate {
  let fn = cache.get(view);
  if (!fn) {
    fn = pug.compileFile(path.join(viewsDir, `${view}.pug`), { basedir: viewsDir });
    cache.set(view, fn);
  }
  return fn;
}

/** The parts of a Koa context rendering needs; both our app's and oidc-provider's contexts have them. */
export type RenderContext = {
  method: string;
  query: Record<string, unknown>;
  path: string;
  host: string;
  querystring: string;
  secure: boolean;
  cookies: {
    get(name: string): string | undefined;
    set(name: string, value: string, opts: Record<string, unknown>): unknown;
  };
  acceptsLanguages(...langs: string[]): string | false;
  set(field: string, value: string): void;
  type: string;
  body: unknown;
  status: number;
  /**
   * Whether a GET of `path` draws one of our pages (our routers say; set for every request by web/app.ts). Absent
   * where nobody can say: then only the home page is known to be one.
   */
  hasPage?: (path: string) => boolean;
};

/** A browser tab's title for a page inside an area (a flow, a console): the page's, then the area's; the area's name
 *  once on its own first page, whose heading is the area's name. */
/** A page's title when the form on it has mistakes to correct: said first, so a screen reader hears it at once. */
export const withMistakes = (t: (key: string) => string, mistakes: boolean, title: string): string =>
  mistakes ? `${t('titleWithMistakes')}${title}` : title;

export const titleIn = (heading: string, area: string): string => (heading === area ? heading : `${heading} · ${area}`);

/** Always a path on this site: `//evil.example/x` (or `/\evil.example`) would name another one. */
const sitePath = (path: string) => `/${path.replace(/^[/\\]+/, '')}`;

/**
 * A language just chosen with a language link (`?lang=`) is kept, in a cookie, for the pages after (platform/i18n
 * chooseLocale): set by every page drawn, and by a page that sends the browser on instead (web/app.ts: the bureau
 * console's start page, say, sends one who is not signed in to sign in first, which is then drawn in that language).
 */
export function keepLanguageChoice(ctx: Pick<RenderContext, 'query' | 'cookies' | 'secure'>): void {
  const lang = ctx.query.lang;
  if (!LOCALES.includes(lang as Locale)) return;
  ctx.cookies.set('lang', lang as Locale, {
    httpOnly: true,
    sameSite: 'lax',
    secure: ctx.secure,
    maxAge: 365 * 86_400_000,
    overwrite: true,
  });
}

/** Deeper than any of our routes (`/school/:code/roster/:part/:key/leave` has six segments): no page is under it. */
const MAX_PAGE_DEPTH = 8;

/**
 * The page nearest to a request's address: its own when a GET of it draws one of our pages, else the nearest address
 * above it that does (`/admin/people/7/lock` → `/admin/people/7`, the page the form was on), else none (an address
 * that is oidc-provider's, or nothing's).
 */
export function pageNear(ctx: Pick<RenderContext, 'path' | 'hasPage'>): string | undefined {
  const hasPage = ctx.hasPage;
  if (!hasPage) return undefined;
  if (hasPage(ctx.path)) return ctx.path;
  const segments = ctx.path.split('/').filter(Boolean);
  if (segments.length > MAX_PAGE_DEPTH) return undefined;
  for (let n = segments.length - 1; n > 0; n--) {
    const above = `/${segments.slice(0, n).join('/')}`;
    if (hasPage(above)) return above;
  }
  return undefined;
}

/**
 * Where the language link of a page drawn in answer to a form (any method but GET or HEAD) leads when the page names no
 * place of its own (`formPage`, `switchPath`). Not the request's address as it is: the form's path often has no page of
 * its own (`POST /developers/apps/:id/secret`, a stale sign-out form's `/session/end/confirm`, the 405 of `POST /auth`,
 * a too-large or stale post to any of them): a GET of it is "not found". The same page in the other language is what
 * the link gives everywhere else, but here it cannot be had: what the page says is the answer to what was sent, at that
 * moment (a secret shown once, a record revealed and audited, an error about this very request), and only sending the
 * form again would draw it again — which a language link must never do (it would repeat what the form did). Where the
 * words are harmless to draw again from an address, the page names one itself (`switchPath`: the resent activation
 * mail's answer); an error page drawn from a name in its address would let any link show our warnings and buttons
 * ("sign out here", "start again") out of their place. So the link sets the language (`?lang=`, kept in the cookie) and
 * leads to the nearest page of ours: the form's own page when a GET of its address draws one (with its query:
 * `/developers/apps/new?org=…`), else the page above it the form was on, else the home page (oidc-provider's addresses:
 * a GET of `/auth` or `/session/end` is a new sign-in or sign-out request, never a page to read this one's words on).
 */
const languagePageFor = (ctx: RenderContext): string => pageNear(ctx) ?? '/';

export function renderPage(
  ctx: RenderContext,
  view: string,
  locals: Record<string, unknown> = {},
  status?: number,
): void {
  const locale = chooseLocale(ctx);
  keepLanguageChoice(ctx);
  const t = translator(locale);
  // A page drawn in answer to a form post may name (`formPage`) the page the form came from, when a GET of it draws
  // the same form afresh (the sign-in page and the identity menu: everything they need is in their address): the
  // page's script makes that the history entry, so that Back or reload to it asks for that page instead of offering
  // to send the form (a password too) again, and the language link leads there. Where the form's page keeps more than
  // its address says (a registration's app), none is named; such a page names where its language link goes
  // (`switchPath`).
  const formPage = ctx.method === 'POST' && typeof locals.formPage === 'string' ? sitePath(locals.formPage) : undefined;
  const reading = ctx.method === 'GET' || ctx.method === 'HEAD';
  const own =
    typeof locals.switchPath === 'string'
      ? locals.switchPath
      : (formPage ?? (reading ? ctx.path : languagePageFor(ctx)));
  // A place named with its query (`/password/forgot?interaction=…`, a kept form's `?typed=<token>`) keeps it, `lang`
  // added to it.
  const q = own.indexOf('?');
  const switchPath = sitePath(q < 0 ? own : own.slice(0, q));
  const params = new URLSearchParams(q >= 0 ? own.slice(q + 1) : own === ctx.path ? ctx.querystring : '');
  // What the address says once only (`?saved=1` after a post → redirect → get) the page names (`oneTimeQuery`), and its
  // language link leaves out: the page in the other language is the page as it is now, not the notice again.
  if (Array.isArray(locals.oneTimeQuery)) for (const name of locals.oneTimeQuery) params.delete(String(name));
  params.set('lang', t('lang.switchTo'));
  ctx.type = 'html';
  // A page is for one person at one moment (CSRF tokens, personal data, one-use links): never kept by a cache.
  ctx.set('Cache-Control', 'no-store');
  if (status) ctx.status = status;
  // `when(at)`: a time as people here read it (Taipei time, to the minute; `when(at, 'date')`, `'seconds'`).
  const when = (at: Date | string | null | undefined, style: TimeStyle = 'minutes') => taipeiTime(at, locale, style);
  ctx.body = template(view)({ ...locals, t, locale, when, switchUrl: `${switchPath}?${params}`, formPage });
}
