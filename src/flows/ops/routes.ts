// Liveness, readiness and Prometheus metrics.
import type Router from '@koa/router';
import type { Redis } from 'ioredis';
import type { Knex } from 'knex';
import type { Metrics } from '../../platform/metrics.ts';

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);

export function opsRoutes(router: Router, deps: { db: Knex; redis?: Redis; metrics: Metrics }) {
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const check = async (name: string, probe: () => Promise<unknown>) => {
      try {
        await withTimeout(probe(), 2000);
        return [name, 'ok'] as const;
      } catch {
        return [name, 'unavailable'] as const;
      }
    };
    const checks = [await check('postgres', () => deps.db.raw('select 1'))];
    if (deps.redis) checks.push(await check('redis', () => deps.redis!.ping()));
    const ready = checks.every(([, state]) => state === 'ok');
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'unavailable', checks: Object.fromEntries(checks) };
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = deps.metrics.registry.contentType;
    ctx.body = await deps.metrics.registry.metrics();
  });
}
