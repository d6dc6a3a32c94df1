// SharedStore on PostgreSQL (the embedded default): two small tables, expired rows ignored and purged.
import type { Knex } from 'knex';
import { prepared } from '../storage/prepared.ts';
import type { SharedStore } from './types.ts';

type Read = {
  table: 'counters' | 'ephemeral_values';
  key: string;
  resolve(row: unknown): void;
  reject(e: unknown): void;
};

/** The most reads one statement answers. */
const READS_AT_ONCE = 6;
const readStatements = new Map<string, string>();
/**
 * The read of `counters` counters and `values` values, one text per number of each (the keys one value each: as one
 * array value, PostgreSQL could not tell how many rows to expect and planned the read anew at every run, 18 times its
 * execution).
 */
function readStatement(counters: number, values: number): string {
  const shape = `${counters}:${values}`;
  let sql = readStatements.get(shape);
  if (!sql) {
    const keys = (n: number) => Array(n).fill('?').join(', ');
    const reads = [
      ...(counters
        ? [
            `select 'counters' as t, key, count::text as value from counters
            where key in (${keys(counters)}) and expires_at > now()`,
          ]
        : []),
      ...(values
        ? [
            `select 'ephemeral_values' as t, key, value from ephemeral_values
            where key in (${keys(values)}) and expires_at > now()`,
          ]
        : []),
    ];
    sql = reads.join(' union all ');
    readStatements.set(shape, sql);
  }
  return sql;
}

/**
 * Reads of counters and values asked for in the same tick are answered by one query (the sign-in guard asks for an
 * account's count, an address's count and a lock together).
 */
function batchedReads(db: Knex) {
  let pending: Read[] = [];
  const run = async (batch: Read[]): Promise<void> => {
    // A few at a time: one statement text per number of keys (see readStatement), so few texts.
    if (batch.length > READS_AT_ONCE) {
      await Promise.all([run(batch.slice(0, READS_AT_ONCE)), run(batch.slice(READS_AT_ONCE))]);
      return;
    }
    const keys = (table: Read['table']) => batch.filter((r) => r.table === table).map((r) => r.key);
    const [counters, values] = [keys('counters'), keys('ephemeral_values')];
    const { rows } = (await prepared(db, readStatement(counters.length, values.length), [...counters, ...values])) as {
      rows: Array<{ t: Read['table']; key: string; value: string }>;
    };
    for (const r of batch) r.resolve(rows.find((row) => row.t === r.table && row.key === r.key)?.value);
  };
  return (table: Read['table'], key: string) =>
    new Promise<string | undefined>((resolve, reject) => {
      pending.push({ table, key, resolve: (v) => resolve(v as string | undefined), reject });
      if (pending.length > 1) return;
      queueMicrotask(() => {
        const batch = pending;
        pending = [];
        run(batch).catch((err) => {
          for (const r of batch) r.reject(err);
        });
      });
    });
}

export function postgresSharedStore(db: Knex): SharedStore {
  const read = batchedReads(db);
  return {
    async increment(key, windowSeconds) {
      const { rows } = await prepared<{ rows: Array<{ count: string }> }>(
        db,
        `insert into counters (key, count, expires_at) values (?, 1, now() + make_interval(secs => ?))
         on conflict (key) do update set
           count = case when counters.expires_at <= now() then 1 else counters.count + 1 end,
           expires_at = case when counters.expires_at <= now() then excluded.expires_at else counters.expires_at end
         returning count`,
        [key, windowSeconds],
      );
      return Number(rows[0]!.count);
    },
    async count(key) {
      return Number((await read('counters', key)) ?? 0);
    },
    async decrement(key) {
      await prepared(db, 'update counters set count = count - 1 where key = ? and count > 0 and expires_at > now()', [
        key,
      ]);
    },
    async reset(key) {
      await db('counters').where({ key }).delete();
    },
    async put(key, value, ttlSeconds) {
      await prepared(
        db,
        `insert into ephemeral_values (key, value, expires_at) values (?, ?, now() + make_interval(secs => ?))
         on conflict (key) do update set value = excluded.value, expires_at = excluded.expires_at`,
        [key, value, ttlSeconds],
      );
    },
    peek(key) {
      return read('ephemeral_values', key);
    },
    async take(key) {
      const { rows } = await prepared<{ rows: Array<{ value: string; live: boolean }> }>(
        db,
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
