// The Koa application: request log, error handler, security headers, our routes, then oidc-provider.
import Router from '@koa/router';
import type { Middleware } from 'koa';
import Koa from 'koa';
import compose from 'koa-compose';
import helmet from 'koa-helmet';
import type { Logger } from '../platform/log.ts';
import type { Metrics } from '../platform/metrics.ts';
import { errorHandler } from './error-handler.ts';
import { requestLog } from './request-log.ts';

const securityHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: true,
    // Sign-in forms redirect on to the relying party; a form-action rule would block that hop.
    directives: { 'form-action': null, 'upgrade-insecure-requests': null },
  },
  hsts: false,
});

export function buildApp(opts: {
  log: Logger;
  metrics: Metrics;
  /** Behind TLS-offloading proxies: trust X-Forwarded-Proto and take the client's address `trustProxyHops` from the right. */
  trustProxy: boolean;
  trustProxyHops: number;
  /** Every URL we build names the issuer's host, whatever Host or X-Forwarded-Host a request carries. */
  issuer: string;
  cookieKeys: () => string[];
  /** Registers our routes (the flows). */
  routes: (router: Router) => void;
  provider: Middleware;
}): Koa {
  const app = new Koa({ proxy: opts.trustProxy, maxIpsCount: opts.trustProxyHops });
  const issuerHost = new URL(opts.issuer).host;
  Object.defineProperty(app, 'keys', { get: opts.cookieKeys, set: () => {} });
  app.silent = true;
  const router = new Router();
  opts.routes(router);

  // Our own pages get the security headers and our error pages; everything else is oidc-provider's.
  const ours = compose([
    securityHeaders,
    errorHandler(opts.log),
    router.routes() as Middleware,
    router.allowedMethods() as Middleware,
  ]);
  app.use((ctx, next) => {
    ctx.req.headers.host = issuerHost;
    delete ctx.req.headers['x-forwarded-host'];
    return next();
  });
  app.use(requestLog(opts.log, opts.metrics));
  // What neither we nor the provider answer gets our not-found page.
  const notFound = compose([securityHeaders, errorHandler(opts.log)]);
  // oidc-provider's answers get the same headers (its own pages, form_post: it adds its inline scripts' hashes to CSP).
  const theirs = compose([securityHeaders, opts.provider]);
  app.use((ctx, next) => (router.match(ctx.path, ctx.method).route ? ours(ctx, next) : theirs(ctx, next)));
  app.use((ctx) => notFound(ctx, async () => {}));
  return app;
}
