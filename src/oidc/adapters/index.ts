// Chooses the store for each oidc-provider model: clients in PostgreSQL, the rest in Redis when configured.
import type { Redis } from 'ioredis';
import type { Knex } from 'knex';
import type { ClientCache } from '../../domain/clients/cache.ts';
import { ClientAdapter } from './clients.ts';
import { PostgresAdapter } from './postgres.ts';
import { RedisAdapter } from './redis.ts';
import type { AdapterFactory } from './types.ts';

export function adapterFactory(db: Knex, redis?: { client: Redis; prefix: string }, clients?: ClientCache, ephemeral?: Knex): AdapterFactory {
  return (model) => {
    if (model === 'Client') return new ClientAdapter(db, clients);
    return redis ? new RedisAdapter(redis.client, redis.prefix, model) : new PostgresAdapter(db, model, ephemeral);
  };
}
