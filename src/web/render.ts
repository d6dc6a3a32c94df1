// Renders pug views for our routes and for pages oidc-provider asks us to draw (errors, logout).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pug from 'pug';
import { chooseLocale, translator } from '../platform/i18n/index.ts';
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
};

/** A browser tab's title for a page inside an area (a flow, a console): the page's, then the area's; the area's name
 *  once on its own first page, whose heading is the area's name. */
/** A page's title when the form on it has mistakes to correct: said first, so a screen reader hears it at once. */
export const withMistakes = (t: (key: string) => string, mistakes: boolean, title: string): string =>
  mistakes ? `${t('titleWithMistakes')}${title}` : title;

export const titleIn = (heading: string, area: string): string => (heading === area ? heading : `${heading} · ${area}`);

/** Always a path on this site: `//evil.example/x` (or `/\evil.example`) would name another one. */
const sitePath = (path: string) => `/${path.replace(/^[/\\]+/, '')}`;

export function renderPage(
  ctx: RenderContext,
  view: string,
  locals: Record<string, unknown> = {},
  status?: number,
): void {
  const locale = chooseLocale(ctx);
  if (ctx.query.lang === locale) {
    ctx.cookies.set('lang', locale, {
      httpOnly: true,
      sameSite: 'lax',
      secure: ctx.secure,
      maxAge: 365 * 86_400_000,
      overwrite: true,
    });
  }
  const t = translator(locale);
  // A page drawn in answer to a form post may name (`formPage`) the page the form came from, when a GET of it draws
  // the same form afresh (the sign-in page and the identity menu: everything they need is in their address): the
  // page's script makes that the history entry, so that Back or reload to it asks for that page instead of offering
  // to send the form (a password too) again, and the language link leads there. Where the form's page keeps more than
  // its address says (a registration's app), none is named; such a page names where its language link goes
  // (`switchPath`).
  const formPage = ctx.method === 'POST' && typeof locals.formPage === 'string' ? sitePath(locals.formPage) : undefined;
  const own = typeof locals.switchPath === 'string' ? locals.switchPath : (formPage ?? ctx.path);
  const switchPath = sitePath(own);
  const params = new URLSearchParams(own === ctx.path ? ctx.querystring : '');
  params.set('lang', t('lang.switchTo'));
  ctx.type = 'html';
  // A page is for one person at one moment (CSRF tokens, personal data, one-use links): never kept by a cache.
  ctx.set('Cache-Control', 'no-store');
  if (status) ctx.status = status;
  // `when(at)`: a time as people here read it (Taipei time, to the minute; `when(at, 'date')`, `'seconds'`).
  const when = (at: Date | string | null | undefined, style: TimeStyle = 'minutes') => taipeiTime(at, locale, style);
  ctx.body = template(view)({ ...locals, t, locale, when, switchUrl: `${switchPath}?${params}`, formPage });
}
