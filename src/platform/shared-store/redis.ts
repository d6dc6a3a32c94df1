// SharedStore on Redis: INCR with an expiry set on the first hit; GETDEL for one-use values. Each operation touches
// one key (the MULTI of increment included), so it runs on a Redis Cluster as on one server.
import type { RedisClient } from '../storage/redis-connection.ts';
import type { SharedStore } from './types.ts';

const DECREMENT = "if (tonumber(redis.call('get', KEYS[1]) or '0') > 0) then redis.call('decr', KEYS[1]) end";

export function redisSharedStore(redis: RedisClient, prefix: string): SharedStore {
  const k = (key: string) => `${prefix}store:${key}`;
  return {
    async increment(key, windowSeconds) {
      const results = await redis.multi().incr(k(key)).expire(k(key), windowSeconds, 'NX').exec();
      const [err, value] = results?.[0] ?? [new Error('no reply')];
      if (err) throw err;
      return Number(value);
    },
    async count(key) {
      return Number((await redis.get(k(key))) ?? 0);
    },
    async decrement(key) {
      // Only a counter that exists (a DECR of a missing key would leave a -1 without a lifetime), never below zero.
      await redis.eval(DECREMENT, 1, k(key));
    },
    async reset(key) {
      await redis.del(k(key));
    },
    async put(key, value, ttlSeconds) {
      await redis.set(k(key), value, 'EX', ttlSeconds);
    },
    async peek(key) {
      return (await redis.get(k(key))) ?? undefined;
    },
    async take(key) {
      return (await redis.getdel(k(key))) ?? undefined;
    },
  };
}
