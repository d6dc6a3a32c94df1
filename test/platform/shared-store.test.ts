import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { parseSettings } from '../../src/platform/settings.ts';
import { postgresSharedStore } from '../../src/platform/shared-store/postgres.ts';
import { redisSharedStore } from '../../src/platform/shared-store/redis.ts';
import type { SharedStore } from '../../src/platform/shared-store/types.ts';
import { openStorage, type Storage } from '../../src/platform/storage/open.ts';
import { testEnv } from '../helpers/server.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/9';

function contract(name: string, make: () => SharedStore) {
  describe(`shared store contract: ${name}`, () => {
    const key = () => `t:${crypto.randomBytes(6).toString('hex')}`;
    it('counts within a window and starts again after it', async () => {
      const store = make();
      const k = key();
      assert.equal(await store.count(k), 0);
      assert.equal(await store.increment(k, 1), 1);
      assert.equal(await store.increment(k, 1), 2);
      assert.equal(await store.count(k), 2);
      await new Promise((r) => setTimeout(r, 1300));
      assert.equal(await store.count(k), 0);
      assert.equal(await store.increment(k, 60), 1);
      await store.reset(k);
      assert.equal(await store.count(k), 0);
    });
    it('counts concurrent hits from many callers exactly', async () => {
      const store = make();
      const k = key();
      const results = await Promise.all(Array.from({ length: 25 }, () => store.increment(k, 60)));
      assert.deepEqual(
        results.sort((a, b) => a - b),
        Array.from({ length: 25 }, (_, i) => i + 1),
      );
    });
    it('answers reads asked together, each its own (counts and values, present, missing and expired)', async () => {
      const store = make();
      const [a, b, v, gone, missing] = [key(), key(), key(), key(), key()];
      await store.increment(a, 60);
      await store.increment(a, 60);
      await store.increment(b, 60);
      await store.put(v, 'value of v', 60);
      await store.put(gone, 'short', 1);
      await new Promise((r) => setTimeout(r, 1100));
      const read = await Promise.all([
        store.count(a),
        store.count(b),
        store.count(missing),
        store.peek(v),
        store.peek(gone),
        store.peek(missing),
        store.count(a),
      ]);
      assert.deepEqual(read, [2, 1, 0, 'value of v', undefined, undefined, 2]);
    });
    it('answers many reads asked together, of counts only, of values only, or both', async () => {
      const store = make();
      const counted = Array.from({ length: 9 }, key);
      const valued = Array.from({ length: 8 }, key);
      for (const [i, k] of counted.entries()) for (let n = 0; n <= i; n++) await store.increment(k, 60);
      for (const [i, k] of valued.entries()) await store.put(k, `value ${i}`, 60);
      const counts = counted.map((_, i) => i + 1);
      const values = valued.map((_, i) => `value ${i}`);
      assert.deepEqual(await Promise.all(counted.map((k) => store.count(k))), counts);
      assert.deepEqual(await Promise.all(valued.map((k) => store.peek(k))), values);
      assert.deepEqual(
        await Promise.all([...counted.map((k) => store.count(k)), ...valued.map((k) => store.peek(k))]),
        [...counts, ...values],
      );
    });
    it('gives a stored value once, and nothing after it expired', async () => {
      const store = make();
      const k = key();
      await store.put(k, 'v1', 60);
      assert.equal(await store.peek(k), 'v1');
      assert.equal(await store.peek(k), 'v1', 'peeking leaves it');
      const [a, b] = await Promise.all([store.take(k), store.take(k)]);
      assert.deepEqual([a, b].sort(), [undefined, 'v1'].sort());
      assert.equal(await store.take(k), undefined);
      await store.put(k, 'v2', 1);
      await new Promise((r) => setTimeout(r, 1300));
      assert.equal(await store.take(k), undefined);
    });
  });
}

let storage: Storage;
let redis: Redis | undefined;
before(async () => {
  storage = await openStorage(parseSettings(testEnv({ REDIS_URL: undefined })));
  const candidate = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  candidate.on('error', () => {});
  try {
    await candidate.connect();
    redis = candidate;
  } catch {
    candidate.disconnect();
  }
});
after(async () => {
  redis?.disconnect();
  await storage.close();
});

contract('PostgreSQL', () => postgresSharedStore(storage.db));
describe('redis', { skip: process.env.REDIS_URL ? false : undefined }, () => {
  contract('Redis', () => {
    if (!redis) throw new Error(`no Redis at ${REDIS_URL}`);
    return redisSharedStore(redis, `test:${crypto.randomBytes(4).toString('hex')}:`);
  });
});
