// Liveness, readiness and Prometheus metrics.
import crypto from 'node:crypto';
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Services } from '../../web/services.ts';

/**
 * Whether a request may read /metrics (sign-in outcomes, OIDC events, route timings: not for the public). With
 * METRICS_TOKEN, only with it as a bearer token. Without, only a request the trusted proxy did not forward (it adds
 * X-Forwarded-For to everything it forwards, and a client cannot take it off): a scraper inside the cluster's network.
 */
function mayReadMetrics(ctx: Context, gate: Services['metricsGate']): boolean {
  if (gate.token) {
    const given = /^Bearer (\S+)$/.exec(ctx.get('authorization'))?.[1] ?? '';
    const [a, b] = [crypto.hash('sha256', given, 'buffer'), crypto.hash('sha256', gate.token, 'buffer')];
    return crypto.timingSafeEqual(a, b);
  }
  return !(gate.trustProxy && ctx.get('x-forwarded-for'));
}

export function opsRoutes(router: Router, s: Services) {
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const checks = await s.health();
    const ready = Object.values(checks).every((state) => state === 'ok');
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'unavailable', checks };
  });
  router.get('/metrics', async (ctx) => {
    if (!mayReadMetrics(ctx, s.metricsGate)) {
      ctx.status = s.metricsGate.token ? 401 : 403;
      if (s.metricsGate.token) ctx.set('WWW-Authenticate', 'Bearer realm="metrics"');
      ctx.body = {
        error: s.metricsGate.token
          ? 'metrics need the METRICS_TOKEN as a bearer token'
          : 'metrics are served inside the network only (or with METRICS_TOKEN), not through the proxy',
      };
      return;
    }
    ctx.type = s.metrics.registry.contentType;
    ctx.body = await s.metrics.registry.metrics();
  });
}
