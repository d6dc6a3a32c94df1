// Chooses the store for each oidc-provider model: clients in the client registry, the rest in Redis when configured,
// else in PostgreSQL.
import type { Knex } from 'knex';
import type { ClientRegistry } from '../../domain/clients/registry.ts';
import type { RedisClient } from '../../platform/storage/redis-connection.ts';
import { ClientAdapter } from './clients.ts';
import { PostgresAdapter } from './postgres.ts';
import { RedisAdapter } from './redis.ts';
import type { AdapterFactory } from './types.ts';

export function adapterFactory(s: {
  clients: ClientRegistry;
  db: Knex;
  ephemeral?: Knex;
  redis?: { client: RedisClient; prefix: string };
}): AdapterFactory {
  return (model) => {
    if (model === 'Client') return new ClientAdapter(s.clients);
    return s.redis
      ? new RedisAdapter(s.redis.client, s.redis.prefix, model)
      : new PostgresAdapter(s.db, model, s.ephemeral);
  };
}
