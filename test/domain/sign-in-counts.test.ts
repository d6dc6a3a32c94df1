// A client's sign-ins per day, counted in memory and added together (src/domain/activity/sign-in-counts.ts), against
// the real database (embedded, or DATABASE_URL).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import { SignInCounts } from '../../src/domain/activity/sign-in-counts.ts';
import { createLogger } from '../../src/platform/log.ts';
import type { Storage } from '../../src/platform/storage/open.ts';
import { useTestStorage } from '../helpers/server.ts';
import { taipeiToday } from '../helpers/taipei.ts';

const RUN = `sic-${crypto.randomBytes(4).toString('hex')}`;
const log = createLogger('silent');
let storage: Storage;
let db: Knex;

useTestStorage(
  (opened) => {
    storage = opened;
    db = opened.db;
  },
  (opened) => opened.db('client_sign_in_days').where('client_id', 'like', `${RUN}%`).del(),
);

/** Today's count of a client (Taipei's day), as the developer portal reads it. */
async function today(clientId: string): Promise<number> {
  const row = await db('client_sign_in_days')
    .where({ client_id: clientId })
    .andWhere('day', taipeiToday())
    .first('count');
  return row ? Number(row.count) : 0;
}

describe('SignInCounts', () => {
  it('adds the counts of every client together, to what the day already holds', async () => {
    const [a, b] = [`${RUN}-a`, `${RUN}-b`];
    await db('client_sign_in_days').insert({ client_id: a, day: taipeiToday(), count: 5 });
    const counts = new SignInCounts(storage.ephemeral, log, 60_000);
    for (let i = 0; i < 3; i++) counts.count(a);
    counts.count(b);
    assert.equal(await today(a), 5, 'not written on every sign-in');
    await counts.flush();
    assert.equal(await today(a), 8);
    assert.equal(await today(b), 1);
    counts.count(b);
    await counts.close();
    assert.equal(await today(b), 2, 'closing adds what is still counted');
  });

  it('adds them by itself shortly after', async () => {
    const c = `${RUN}-c`;
    const counts = new SignInCounts(storage.ephemeral, log, 50);
    counts.count(c);
    counts.count(c);
    for (let i = 0; i < 100 && (await today(c)) < 2; i++) await sleep(20);
    assert.equal(await today(c), 2);
    await counts.close();
  });

  it('keeps the counts for the next time when the database refuses them', async () => {
    const d = `${RUN}-d`;
    const counts = new SignInCounts(storage.ephemeral, log, 60_000);
    counts.count(d);
    await db.raw('alter table client_sign_in_days rename to client_sign_in_days_away');
    try {
      await counts.flush();
    } finally {
      await db.raw('alter table client_sign_in_days_away rename to client_sign_in_days');
    }
    assert.equal(await today(d), 0);
    counts.count(d);
    await counts.close();
    assert.equal(await today(d), 2, 'the refused count and the later one');
  });
});
