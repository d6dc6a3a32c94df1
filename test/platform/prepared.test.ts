// Named prepared statements (src/platform/storage/prepared.ts) against the real database of this run.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import type { Knex } from 'knex';
import type { Storage } from '../../src/platform/storage/open.ts';
import { prepared } from '../../src/platform/storage/prepared.ts';
import { useTestStorage } from '../helpers/server.ts';

describe('prepared statements', () => {
  let storage: Storage;
  const table = `prepared_${crypto.randomBytes(4).toString('hex')}`;

  useTestStorage(
    async (opened) => {
      storage = opened;
      await storage.db.schema.createTable(table, (t) => {
        t.text('id').primary();
        t.text('name');
      });
      await storage.db(table).insert([
        { id: 'a', name: 'Ann' },
        { id: 'b', name: 'Bo' },
      ]);
    },
    (opened) => opened.db.schema.dropTableIfExists(table),
  );

  it('answers each call with its own values, on every pooled connection', async () => {
    const sql = `select * from ${table} where id = ?`;
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        prepared<{ rows: Array<{ name: string }> }>(storage.db, sql, [i % 2 ? 'b' : 'a']),
      ),
    );
    assert.deepEqual(
      answers.map((a) => a.rows[0]?.name),
      Array.from({ length: 12 }, (_, i) => (i % 2 ? 'Bo' : 'Ann')),
    );
  });

  it('still answers a select * after the table gained a column (a migration during a rolling upgrade)', async () => {
    const sql = `select * from ${table} where id = ?`;
    // Prepared on every connection of the pool first.
    await Promise.all(Array.from({ length: 10 }, () => prepared(storage.db, sql, ['a'])));
    await storage.db.schema.alterTable(table, (t) => {
      t.text('nickname');
    });
    await storage.db(table).where({ id: 'a' }).update({ nickname: 'Annie' });
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => prepared<{ rows: Array<{ nickname: string }> }>(storage.db, sql, ['a'])),
    );
    for (const a of answers) assert.equal(a.rows[0]?.nickname, 'Annie');
  });

  it("runs as knex would: its 'query' event, a transaction's own connection, named values, an escaped ? operator", async () => {
    const sql = `select name from ${table} where id = ?`;
    let events = 0;
    const count = () => {
      events++;
    };
    storage.db.on('query', count);
    try {
      for (let i = 0; i < 5; i++) await prepared(storage.db, sql, ['a']);
    } finally {
      storage.db.off('query', count);
    }
    assert.equal(events, 5, 'every statement is seen by whoever counts them');
    // In a transaction: its connection, so its own uncommitted row is seen; gone after the rollback.
    await assert.rejects(
      storage.db.transaction(async (trx) => {
        await trx(table).insert({ id: 'c', name: 'Cy' });
        const { rows } = await prepared<{ rows: Array<{ name: string }> }>(trx, sql, ['c']);
        assert.equal(rows[0]?.name, 'Cy');
        throw new Error('roll back');
      }),
      /roll back/,
    );
    assert.deepEqual((await prepared(storage.db, sql, ['c'])).rows, []);
    const named = await prepared<{ rows: Array<{ name: string }> }>(
      storage.db,
      `select name from ${table} where id = :id`,
      { id: 'b' },
    );
    assert.equal(named.rows[0]?.name, 'Bo');
    const operator = await prepared<{ rows: Array<{ has: boolean }> }>(
      storage.db,
      `select '{"k": 1}'::jsonb \\? ? as has`,
      ['k'],
    );
    assert.equal(operator.rows[0]?.has, true);
    // A list of texts is one array parameter, outside a transaction and in one.
    const listed = `select name from ${table} where id = any(?) order by name`;
    const names = async (db: Knex, ids: string[]) =>
      (await prepared<{ rows: Array<{ name: string }> }>(db, listed, [ids])).rows.map((r) => r.name);
    assert.deepEqual(await names(storage.db, ['a', 'b', 'zz']), ['Ann', 'Bo']);
    assert.deepEqual(await names(storage.db, []), []);
    assert.deepEqual(await names(storage.db, ["b', 'a"]), [], 'a value, not SQL');
    assert.deepEqual(await storage.db.transaction((trx) => names(trx, ['b'])), ['Bo']);
  });

  it('fails a statement PostgreSQL refuses with its error, and the pool goes on', async () => {
    await assert.rejects(prepared(storage.db, 'select ?::int as n', ['not a number']), { code: '22P02' });
    const { rows } = await prepared<{ rows: Array<{ n: number }> }>(storage.db, 'select ?::int as n', ['7']);
    assert.equal(rows[0]?.n, 7);
  });
});
