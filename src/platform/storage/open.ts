// Opens everything durable: the master key, PostgreSQL (configured or embedded, migrated), Redis if set, and the
// store of short-lived shared state on whichever of the two holds it.
import path from 'node:path';
import type { Knex } from 'knex';
import { Keyring } from '../keyring.ts';
import { resolveSecretKey } from '../secrets.ts';
import type { Settings } from '../settings.ts';
import { postgresSharedStore } from '../shared-store/postgres.ts';
import { redisSharedStore } from '../shared-store/redis.ts';
import type { SharedStore } from '../shared-store/types.ts';
import { openDatabase } from './database.ts';
import { migrate } from './migrate.ts';
import { connectRedis, describeRedis, type RedisClient } from './redis-connection.ts';
import { isWrongPassword, recordSecret, verifySecret, WrongSecret } from './secret-check.ts';

export type Storage = {
  db: Knex;
  /** Connections that do not wait for the disk at commit: see Database.ephemeral. */
  ephemeral: Knex;
  /** One server, a cluster, or a master found through Sentinels (REDIS_URL). */
  redis?: RedisClient;
  redisPrefix: string;
  keyring: Keyring;
  /** Counters and one-use values shared by every server process. */
  shared: SharedStore;
  describe: string;
  /** Whether PostgreSQL (and Redis, when used) answer. */
  health(): Promise<Record<string, 'ok' | 'unavailable'>>;
  close(): Promise<void>;
};

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);

async function probe(check: () => Promise<unknown>): Promise<'ok' | 'unavailable'> {
  try {
    await withTimeout(check(), 2000);
    return 'ok';
  } catch {
    return 'unavailable';
  }
}

export async function openStorage(settings: Settings): Promise<Storage> {
  const keyring = new Keyring(resolveSecretKey(settings));
  const source = settings.secretKey ? 'SECRET_KEY' : `The secret in ${path.join(settings.dataDir, 'secret.key')}`;
  const database = await openDatabase(settings, keyring.key('embedded-db').toString('base64url')).catch((err) => {
    // The embedded cluster's password is derived from the secret: another secret cannot log in.
    throw isWrongPassword(err) && !settings.databaseUrl ? new WrongSecret(source) : err;
  });
  let redis: RedisClient | undefined;
  try {
    await verifySecret(database.db, keyring, source);
    await migrate(database.db);
    await recordSecret(database.db, keyring, source);
    if (settings.redisUrl) redis = await connectRedis(settings.redisUrl);
  } catch (err) {
    await database.close();
    throw err;
  }
  const { db } = database;
  return {
    db,
    ephemeral: database.ephemeral,
    redis,
    redisPrefix: settings.redisPrefix,
    keyring,
    shared: redis ? redisSharedStore(redis, settings.redisPrefix) : postgresSharedStore(db),
    describe: `${database.embedded ? 'embedded PostgreSQL' : 'PostgreSQL'}${redis ? ` + ${describeRedis(redis)}` : ''}`,
    async health() {
      const checks: Record<string, 'ok' | 'unavailable'> = { postgres: await probe(() => db.raw('select 1')) };
      if (redis) checks.redis = await probe(() => redis.ping());
      return checks;
    },
    async close() {
      redis?.disconnect();
      await database.close();
    },
  };
}
