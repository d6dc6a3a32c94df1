// One log line and one metric sample per request, tagged with a request id.
import crypto from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../platform/log.ts';
import type { Metrics } from '../platform/metrics.ts';

const SAFE_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** A label of bounded cardinality: the matched route, the provider route, or a coarse bucket. */
function routeLabel(ctx: Parameters<Middleware>[0]): string {
  const oidcRoute = (ctx as unknown as { oidc?: { route?: string } }).oidc?.route;
  if (oidcRoute) return `oidc:${oidcRoute}`;
  if (ctx._matchedRoute) return String(ctx._matchedRoute);
  return ctx.status === 404 ? 'not_found' : 'other';
}

export function requestLog(log: Logger, metrics: Metrics): Middleware {
  return async (ctx, next) => {
    const start = process.hrtime.bigint();
    const given = ctx.get('x-request-id');
    const id = SAFE_ID.test(given) ? given : crypto.randomUUID();
    ctx.state.requestId = id;
    ctx.set('X-Request-Id', id);
    try {
      await next();
    } finally {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const route = routeLabel(ctx);
      metrics.httpDuration.observe({ route, method: ctx.method, status: String(ctx.status) }, seconds);
      log.info(
        { reqId: id, method: ctx.method, path: ctx.path, route, status: ctx.status, ms: Math.round(seconds * 1000) },
        'request',
      );
    }
  };
}
