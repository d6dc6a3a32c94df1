// The Koa application: request log, error handler, security headers, our routes, then oidc-provider.
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import Koa from 'koa';
import compose from 'koa-compose';
import helmet from 'koa-helmet';
import type { CookieSigner } from '../platform/cookie-signer.ts';
import { chooseLocale, translator } from '../platform/i18n/index.ts';
import type { Logger } from '../platform/log.ts';
import type { Metrics } from '../platform/metrics.ts';
import { errorHandler, renderError } from './error-handler.ts';
import { AppError } from './errors.ts';
import { formPostWords } from './form-post-page.ts';
import { keepLanguageChoice, renderPage } from './render.ts';
import { requestLog } from './request-log.ts';

const helmetHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: true,
    // Sign-in forms redirect on to the relying party; a form-action rule would block that hop.
    directives: { 'form-action': null, 'upgrade-insecure-requests': null },
  },
  hsts: false,
});

/**
 * The headers helmet sets, worked out once: with no per-request part (no nonce) they are the same on every response,
 * and helmet would assemble them anew for each (the CSP from its directives, eleven headers through eleven steps).
 */
const SECURITY_HEADERS: [string, string][] = [];
await helmetHeaders(
  {
    req: {},
    res: { setHeader: (name: string, value: string) => SECURITY_HEADERS.push([name, value]), removeHeader() {} },
  } as never,
  async () => {},
);

const headersOf =
  (set: [string, string][]): Middleware =>
  (ctx, next) => {
    for (const [name, value] of set) ctx.res.setHeader(name, value);
    return next();
  };
const securityHeaders = headersOf(SECURITY_HEADERS);

/**
 * oidc-provider's endpoints that programs call and that answer JSON (or a JWT), never a page: the token endpoint with
 * introspection and revocation under it, userinfo, the keys, discovery, registration, pushed authorization requests,
 * CIBA. (`/device` is a page and `/device/auth` an endpoint: that segment keeps the full set.) Their answers get the
 * headers OWASP's REST Security Cheat Sheet names for API answers; those guarding a page (its scripts, styles, fonts,
 * images, window and DNS prefetching) have nothing to guard in JSON, and each costs the server and every caller
 * parsing it (ten headers of ~600 bytes, a few per cent of an introspection's CPU).
 */
const API_SEGMENTS = new Set(['token', 'me', 'jwks', '.well-known', 'reg', 'request', 'backchannel']);
const apiHeaders = headersOf([
  ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
]);

const PROBES = new Set(['/healthz', '/readyz', '/metrics']);

/** A path's first segment, lower case (routes match regardless of case): `/token/introspection` → `token`. */
const firstSegmentOf = (path: string) => (path.split('/', 2)[1] ?? '').toLowerCase();

/**
 * Our routes by the first segment of their paths (`/admin/…` → `admin`), each group in a router of its own: a request
 * under any other first segment — oidc-provider's /token, /auth, /me, most of the traffic — goes to it without being
 * tried against each of our routes (7 % of the server's CPU per introspection), and one of ours is matched against
 * the few routes under its segment, not all ~170 (twice: whether it is ours, then to dispatch it; 2–3 % of the
 * server's CPU per sign-in). The layers are the same objects, with their parameter handlers. Undefined when a route's
 * first segment is not a plain word (a parameter, a pattern) or a middleware applies to every path: then one router
 * tries every request.
 */
function routersBySegment(router: Router): Map<string, Router> | undefined {
  const groups = new Map<string, Router['stack']>();
  for (const layer of router.stack) {
    if (typeof layer.path !== 'string') return undefined;
    const first = firstSegmentOf(layer.path);
    if (!/^[\w.-]*$/.test(first) || (first === '' && layer.methods.length === 0)) return undefined;
    const group = groups.get(first) ?? [];
    group.push(layer);
    groups.set(first, group);
  }
  return new Map(
    [...groups].map(([first, layers]) => {
      const own = new Router();
      own.stack = layers;
      return [first, own];
    }),
  );
}

/**
 * A language link to one of our pages that sends the browser on (to sign in first, or to the page's new address): the
 * language chosen is kept for where it goes, as a page drawn keeps it (render.ts keepLanguageChoice).
 */
const languageOnRedirect: Middleware = async (ctx, next) => {
  if (!ctx.querystring.includes('lang=')) return next();
  await next();
  if (ctx.status >= 300 && ctx.status < 400) keepLanguageChoice(ctx);
};

/** Our error page for whatever `next` throws (and for what nobody answered). */
const notFoundOrError = (log: Logger) => compose([securityHeaders, errorHandler(log)]);

/**
 * Opened directly (no proxy) under another name than the issuer's (127.0.0.1 for localhost, a LAN address), a sign-in
 * would lose its cookies on the way: a page a person opens says which address to use instead. Calls of programs
 * (no text/html wanted) are answered as usual.
 */
function sameHostOnly(issuer: string): Middleware {
  const address = new URL(issuer);
  return (ctx, next) => {
    const requested = ctx.state.requestedHost as string | undefined;
    if (!requested || requested === address.host || ctx.method !== 'GET' || !ctx.get('accept').includes('text/html'))
      return next();
    const t = translator(chooseLocale(ctx));
    const vars = { current: `${address.protocol}//${requested}`, address: address.origin };
    return securityHeaders(ctx, async () =>
      renderPage(
        ctx,
        'error',
        {
          pageTitle: t('error.hostMismatchTitle'),
          heading: t('error.hostMismatchTitle'),
          message: t('error.hostMismatch', vars),
          ways: [{ href: `${address.origin}${ctx.originalUrl}`, label: 'error.hostMismatchGo', labelVars: vars }],
        },
        421,
      ),
    );
  };
}

function httpsOnly(log: Logger, page: Middleware): Middleware {
  let warned = false;
  return (ctx, next) => {
    if (ctx.protocol === 'https' || PROBES.has(ctx.path)) return next();
    if (!warned) {
      warned = true;
      log.warn('a request reached us without X-Forwarded-Proto: https; the TLS proxy in front must send it');
    }
    return page(ctx, () => {
      throw new AppError('https_required', 400);
    });
  };
}

/**
 * oidc-provider's pages that an app sends a person to with GET only: `enableHttpPostMethods` stays off (POST to them
 * would need the session cookies SameSite=None). Another method is the app's mistake, said so (405), not "not found".
 */
const GET_ONLY = new Map([
  ['/auth', 'sign_in_method_not_allowed'],
  ['/session/end', 'sign_out_method_not_allowed'],
]);

/** An error oidc-provider makes for its callers (OIDCProviderError: invalid_grant and the like). */
function isProviderError(err: unknown): err is { status: number; error: string; error_description?: string } {
  const e = err as { status?: unknown; error?: unknown; expose?: unknown } | null;
  return !!e && e.expose === true && typeof e.error === 'string' && typeof e.status === 'number' && e.status < 500;
}

export function buildApp(opts: {
  log: Logger;
  metrics: Metrics;
  /** Behind TLS-offloading proxies: trust X-Forwarded-Proto and take the client's address `trustProxyHops` from the right. */
  trustProxy: boolean;
  trustProxyHops: number;
  /** Every URL we build names the issuer's host, whatever Host or X-Forwarded-Host a request carries. */
  issuer: string;
  /**
   * Production: a request the proxy did not mark as https is refused (a cookie sent over it would lack Secure), except
   * the probes an orchestrator makes from inside (/healthz, /readyz, /metrics).
   */
  requireHttps?: boolean;
  /** The cookie keys, or their signer (src/platform/cookie-signer.ts): what Koa's `app.keys` takes. */
  cookieKeys: () => string[] | CookieSigner;
  /** Ends the grants of codes or refresh tokens two requests used at once (the second one refused). */
  reused?: (used: { model: string; id: string }[]) => Promise<void>;
  /** Registers our routes (the flows). */
  routes: (router: Router) => void;
  provider: Middleware;
  /**
   * Whether this browser is signed in (its provider session, by the session cookie, names an account): a sign-out sent
   * by POST to a browser that is not says there is nothing to do, not "you were not signed out". Unknown: signed in.
   */
  signedIn?: (ctx: Context) => Promise<boolean>;
  /**
   * Runs each request's handling (after the request log), e.g. keeping its storage writes for the end (see
   * src/oidc/adapters/deferred-writes.ts); what it throws gets our error page, and a redirect made before is dropped.
   */
  aroundRequest?: (handle: () => Promise<void>) => Promise<void>;
}): Koa {
  const app = new Koa({ proxy: opts.trustProxy, maxIpsCount: opts.trustProxyHops });
  const issuerHost = new URL(opts.issuer).host;
  // Served as https (behind the TLS proxy): browsers are told to come back only over https for a year (RFC 6797), so
  // that no first hop to the sign-in pages goes over plain http where it could be redirected. Browsers ignore it over
  // http, so it goes on every answer.
  const hsts = opts.issuer.startsWith('https:');
  Object.defineProperty(app, 'keys', { get: opts.cookieKeys, set: () => {} });
  app.silent = true;
  const router = new Router();
  opts.routes(router);

  // Our own pages get the security headers and our error pages; everything else is oidc-provider's.
  const ours = (r: Router) =>
    compose([
      securityHeaders,
      errorHandler(opts.log),
      languageOnRedirect,
      r.routes() as Middleware,
      r.allowedMethods() as Middleware,
    ]);
  app.use((ctx, next) => {
    if (hsts) ctx.res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    ctx.state.issuer = opts.issuer;
    ctx.state.requestedHost = ctx.req.headers.host;
    ctx.req.headers.host = issuerHost;
    delete ctx.req.headers['x-forwarded-host'];
    // The proxy's word on the scheme: http or https, nothing else (anything else would end up in the URLs we build).
    const proto = String(ctx.req.headers['x-forwarded-proto'] ?? '')
      .split(',')[0]!
      .trim()
      .toLowerCase();
    if (proto === 'http' || proto === 'https') ctx.req.headers['x-forwarded-proto'] = proto;
    else delete ctx.req.headers['x-forwarded-proto'];
    return next();
  });
  app.use(requestLog(opts.log, opts.metrics));
  const around = opts.aroundRequest;
  if (around)
    app.use(async (ctx, next) => {
      try {
        await around(next);
      } catch (err) {
        ctx.remove('Location');
        // oidc-provider's own error, thrown after its handler (a code or refresh token another request used meanwhile,
        // found as the request's writes are stored): answered as oidc-provider answers it.
        if (isProviderError(err)) {
          const reused = (err as { reused?: { model: string; id: string }[] }).reused;
          if (reused && opts.reused)
            await opts.reused(reused).catch((e) => opts.log.error({ err: e }, 'ending a reused grant failed'));
          ctx.status = err.status;
          ctx.body = { error: err.error, error_description: err.error_description };
          ctx.set('Cache-Control', 'no-store');
          return;
        }
        renderError(ctx, err, opts.log);
      }
    });
  if (!opts.trustProxy) app.use(sameHostOnly(opts.issuer));
  if (opts.requireHttps) app.use(httpsOnly(opts.log, notFoundOrError(opts.log)));
  // What neither we nor the provider answer gets our not-found page (and a GET-only page of theirs, other methods).
  const errorPage = notFoundOrError(opts.log);
  // oidc-provider's pages get the same headers (form_post: it adds its inline scripts' hashes to CSP); its JSON
  // endpoints, the API set.
  const theirs = compose([securityHeaders, formPostWords, opts.provider]);
  const theirApi = compose([apiHeaders, opts.provider]);
  const bySegment = routersBySegment(router);
  const handlers = new Map([...(bySegment?.values() ?? [router])].map((r) => [r, ours(r)]));
  // Whether a GET of a path draws one of our pages: where a page's language link and an error page's way on may lead
  // (render.ts pageNear). Only a route made for the address counts: a GET route matching it with as few parameters as
  // any route there (`GET /school/:code` matches `/school/sign-out`, but that address is `POST /school/sign-out`'s, not
  // a school's page). On every context's prototype: oidc-provider's pages are drawn with the same context.
  app.context.hasPage = (path: string) => {
    const own = bySegment ? bySegment.get(firstSegmentOf(path)) : router;
    const routes = own?.match(path, 'GET').path.filter((layer) => layer.methods.length > 0) ?? [];
    const fewest = Math.min(...routes.map((layer) => layer.paramNames.length));
    return routes.some((layer) => layer.methods.includes('GET') && layer.paramNames.length === fewest);
  };
  app.use((ctx, next) => {
    const segment = firstSegmentOf(ctx.path);
    const own = bySegment ? bySegment.get(segment) : router;
    if (own?.match(ctx.path, ctx.method).route) return handlers.get(own)!(ctx, next);
    const getOnly = GET_ONLY.get(ctx.path.toLowerCase().replace(/(.)\/$/, '$1'));
    if (getOnly && ctx.method !== 'GET' && ctx.method !== 'HEAD')
      return errorPage(ctx, async () => {
        ctx.set('Allow', 'GET');
        // Not signed in here: the page says so (error-handler.ts); the code stays the same for programs.
        if (getOnly === 'sign_out_method_not_allowed' && opts.signedIn && !(await opts.signedIn(ctx)))
          ctx.state.signedOut = true;
        throw new AppError(getOnly, 405);
      });
    return API_SEGMENTS.has(segment) ? theirApi(ctx, next) : theirs(ctx, next);
  });
  app.use((ctx) => errorPage(ctx, async () => {}));
  return app;
}
