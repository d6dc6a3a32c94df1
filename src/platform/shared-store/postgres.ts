// SharedStore on PostgreSQL (the embedded default): two small tables, expired rows ignored and purged.
import type { Knex } from 'knex';
import type { SharedStore } from './types.ts';

export function postgresSharedStore(db: Knex): SharedStore {
  return {
    async increment(key, windowSeconds) {
      const { rows } = await db.raw(
        `insert into counters (key, count, expires_at) values (?, 1, now() + make_interval(secs => ?))
         on conflict (key) do update set
           count = case when counters.expires_at <= now() then 1 else counters.count + 1 end,
           expires_at = case when counters.expires_at <= now() then excluded.expires_at else counters.expires_at end
         returning count`,
        [key, windowSeconds],
      );
      return Number(rows[0].count);
    },
    async count(key) {
      const row = await db('counters').where({ key }).andWhere('expires_at', '>', db.fn.now()).first();
      return row ? Number(row.count) : 0;
    },
    async reset(key) {
      await db('counters').where({ key }).delete();
    },
    async put(key, value, ttlSeconds) {
      await db.raw(
        `insert into ephemeral_values (key, value, expires_at) values (?, ?, now() + make_interval(secs => ?))
         on conflict (key) do update set value = excluded.value, expires_at = excluded.expires_at`,
        [key, value, ttlSeconds],
      );
    },
    async peek(key) {
      const row = await db('ephemeral_values').where({ key }).andWhere('expires_at', '>', db.fn.now()).first();
      return row ? String(row.value) : undefined;
    },
    async take(key) {
      const { rows } = await db.raw(
        'delete from ephemeral_values where key = ? returning value, expires_at > now() as live',
        [key],
      );
      return rows[0]?.live ? String(rows[0].value) : undefined;
    },
  };
}

export async function purgeSharedStore(db: Knex): Promise<void> {
  await db('counters').where('expires_at', '<', db.fn.now()).delete();
  await db('ephemeral_values').where('expires_at', '<', db.fn.now()).delete();
}
