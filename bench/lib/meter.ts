// What one operation costs besides time: CPU by process, SQL statements the server sent, Redis commands it ran.
import { Redis } from 'ioredis';
import type { ChildServer } from './child.ts';
import { cpuSnapshot } from './cpu.ts';
import type { Meter } from './timing.ts';

/** Total calls of every Redis command so far (INFO commandstats), or undefined without Redis. */
async function redisCalls(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  return [...info.matchAll(/:calls=(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
}

export function serverMeter(child: ChildServer<unknown>, redisUrl?: string): { meter: Meter; close(): void } {
  const redis = redisUrl ? new Redis(redisUrl, { lazyConnect: true }) : undefined;
  return {
    async meter() {
      const [stats, calls] = await Promise.all([
        child.ask<{ sql?: number }>('stats').catch(() => ({ sql: undefined })),
        redis ? redisCalls(redis) : undefined,
      ]);
      // The meter's own INFO call counts once per reading.
      return {
        ...cpuSnapshot(child.pid),
        ...(stats.sql === undefined ? {} : { sql: stats.sql }),
        ...(calls === undefined ? {} : { redis: calls }),
      };
    },
    close: () => redis?.disconnect(),
  };
}
