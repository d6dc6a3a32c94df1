import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Cluster, Redis } from 'ioredis';
import pg from 'pg';
import { isStoreUnavailable } from './unavailable.ts';

// Real clients aimed at a port nobody listens on: what they reject with must read as "out of reach" (503).
const NOBODY = { host: '127.0.0.1', port: 1 };

describe('isStoreUnavailable', () => {
  it('reads a Redis Cluster with every node out of reach as unavailable', async () => {
    const cluster = new Cluster([NOBODY], {
      enableOfflineQueue: false,
      clusterRetryStrategy: () => null,
      redisOptions: { connectTimeout: 500, maxRetriesPerRequest: 0 },
    });
    cluster.on('error', () => {});
    try {
      const err = await cluster.get('k').then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof Error, 'the command fails');
      assert.equal(isStoreUnavailable(err), true, (err as Error).message);
    } finally {
      cluster.disconnect();
    }
  });

  it('reads a single Redis out of reach as unavailable', async () => {
    const redis = new Redis({ ...NOBODY, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    redis.on('error', () => {});
    try {
      const err = await redis.get('k').then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.equal(isStoreUnavailable(err), true, (err as Error).message);
    } finally {
      redis.disconnect();
    }
  });

  it('reads a PostgreSQL whose Unix-domain socket is gone as unavailable, and not a missing file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'campus-sso-socket-'));
    const client = new pg.Client({ host: dir, port: 5432, user: 'nobody', database: 'nothing' });
    try {
      const err = await client.connect().then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.equal(isStoreUnavailable(err), true, (err as Error).message);
      const missing = await fs.promises.readFile(path.join(dir, 'nothing.pug')).catch((e: unknown) => e);
      assert.equal(isStoreUnavailable(missing), false, 'a file not found is a fault of the code');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('does not read a fault of the request or of the code as unavailable', () => {
    assert.equal(isStoreUnavailable(new TypeError("Cannot read properties of undefined (reading 'id')")), false);
    assert.equal(isStoreUnavailable(Object.assign(new Error('duplicate key'), { code: '23505' })), false);
    assert.equal(isStoreUnavailable(undefined), false);
  });
});
