// Opens everything durable: the master key, PostgreSQL (configured or embedded, migrated) and Redis if set.
import { Redis } from 'ioredis';
import type { Knex } from 'knex';
import type { Settings } from '../settings.ts';
import { resolveSecretKey } from '../secrets.ts';
import { Keyring } from '../keyring.ts';
import { openDatabase } from './database.ts';
import { migrate } from './migrate.ts';
import { startClientCache } from '../../domain/clients/cache.ts';
import { adapterFactory } from '../../oidc/adapters/index.ts';
import type { AdapterFactory } from '../../oidc/adapters/types.ts';
import { postgresSharedStore } from '../shared-store/postgres.ts';
import { redisSharedStore } from '../shared-store/redis.ts';
import type { SharedStore } from '../shared-store/types.ts';

export type Storage = {
  db: Knex;
  /** Connections that do not wait for the disk at commit: see Database.ephemeral. */
  ephemeral: Knex;
  redis?: Redis;
  keyring: Keyring;
  adapter: AdapterFactory;
  /** Counters and one-use values shared by every server process. */
  shared: SharedStore;
  describe: string;
  close(): Promise<void>;
};

export async function openStorage(settings: Settings): Promise<Storage> {
  const keyring = new Keyring(resolveSecretKey(settings));
  const database = await openDatabase(settings, keyring.key('embedded-db').toString('base64url'));
  let redis: Redis | undefined;
  let clients: Awaited<ReturnType<typeof startClientCache>> | undefined;
  try {
    await migrate(database.db);
    clients = await startClientCache(database.db);
    if (settings.redisUrl) {
      redis = new Redis(settings.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
      await redis.connect();
      // Later outages surface as failed requests and as 503 from /readyz; ioredis reconnects by itself.
      redis.on('error', () => {});
    }
  } catch (err) {
    redis?.disconnect();
    await clients?.stop();
    await database.close();
    throw err;
  }
  return {
    db: database.db,
    ephemeral: database.ephemeral,
    redis,
    keyring,
    adapter: adapterFactory(database.db, redis ? { client: redis, prefix: settings.redisPrefix } : undefined, clients.cache, database.ephemeral),
    shared: redis ? redisSharedStore(redis, settings.redisPrefix) : postgresSharedStore(database.db),
    describe: `${database.embedded ? 'embedded PostgreSQL' : 'PostgreSQL'}${redis ? ' + Redis' : ''}`,
    async close() {
      redis?.disconnect();
      await clients!.stop();
      await database.close();
    },
  };
}
