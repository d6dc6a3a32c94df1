// Migrations applied by processes starting together on one new database (src/platform/storage/migrate.ts): both
// start, one applies every migration, the other finds nothing left (knex's own lock alone made the second, and at
// times both, fail with "Migration table is already locked").
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import knex, { type Knex } from 'knex';
import { migrate } from '../../src/platform/storage/migrate.ts';
import type { Storage } from '../../src/platform/storage/open.ts';
import { useTestStorage } from '../helpers/server.ts';

describe('migrations started together', () => {
  let storage: Storage;
  const database = `migrate_race_${crypto.randomBytes(4).toString('hex')}`;
  useTestStorage(
    async (opened) => {
      storage = opened;
      await storage.db.raw(`create database ${database}`);
    },
    (opened) => opened.db.raw(`drop database if exists ${database} with (force)`),
  );

  it('are applied once, and every process starts', async () => {
    const base = storage.db.client.config.connection as { connectionString: string };
    const url = new URL(base.connectionString);
    url.pathname = `/${database}`;
    const processes: Knex[] = Array.from({ length: 3 }, () =>
      knex({ client: 'pg', connection: { connectionString: url.href }, pool: { min: 0, max: 4 } }),
    );
    try {
      const applied = await Promise.all(processes.map((db) => migrate(db)));
      const counts = applied.map((names) => names.length).sort((a, b) => b - a);
      assert.ok(counts[0]! > 20, `one process applied them all (${counts.join()})`);
      assert.deepEqual(counts.slice(1), [0, 0], 'the others found nothing left to do');
      const [{ n }] = (await processes[0]!.raw('select count(*)::int as n from knex_migrations')).rows;
      assert.equal(n, counts[0]);
    } finally {
      await Promise.all(processes.map((db) => db.destroy()));
    }
  });
});
