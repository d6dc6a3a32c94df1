// Liveness, readiness and Prometheus metrics.
import type Router from '@koa/router';
import type { Services } from '../../web/services.ts';

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
    ctx.type = s.metrics.registry.contentType;
    ctx.body = await s.metrics.registry.metrics();
  });
}
