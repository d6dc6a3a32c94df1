// Migrations that change data, on a database that holds what came before them. 0031: a parent with two parent
// identities at one school (one per child's slip claimed) — the later one is folded into the oldest (the slip, the
// grant's and the remembered choice point at the oldest) and ends; then the unique index holds. 0032: a pairwise
// client gets the sector its people's ids were made for pinned; other clients are left as they are.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import knex, { type Knex } from 'knex';
import { insertPerson } from '../../src/domain/people/persons.ts';
import { upsertSchool } from '../../src/domain/schools/schools.ts';
import { migrationSource } from '../../src/platform/storage/migrate.ts';
import type { Storage } from '../../src/platform/storage/open.ts';
import { useTestStorage } from '../helpers/server.ts';

const FIRST = '20261207_0031_one_identity_per_role.ts';

describe('migrations that change data', () => {
  let storage: Storage;
  const database = `data_migrations_${crypto.randomBytes(4).toString('hex')}`;
  useTestStorage(
    async (opened) => {
      storage = opened;
      await storage.db.raw(`create database ${database}`);
    },
    (opened) => opened.db.raw(`drop database if exists ${database} with (force)`),
  );

  it('folds the duplicates made before into the oldest, then refuses another', async () => {
    const base = storage.db.client.config.connection as { connectionString: string };
    const url = new URL(base.connectionString);
    url.pathname = `/${database}`;
    const db: Knex = knex({ client: 'pg', connection: { connectionString: url.href }, pool: { min: 0, max: 2 } });
    try {
      const before: Knex.MigrationSource<string> = {
        ...migrationSource,
        getMigrations: async (loaders) => (await migrationSource.getMigrations(loaders)).filter((m) => m < FIRST),
      };
      await db.migrate.latest({ migrationSource: before });
      await upsertSchool(db, { code: '512345', name: '私立遷移測試高職', level: 'vocational', kind: 'private' });
      const parent = await insertPerson(db, { email: 'parent@example.org', name: '陳媽媽', passwordHash: 'x' });
      const other = await insertPerson(db, { email: 'other@example.org', name: '王爸爸', passwordHash: 'x' });
      const identity = (person: string, role: string, at: string) => ({
        id: crypto.randomUUID(),
        person_id: person,
        school_code: '512345',
        role,
        attributes: '{}',
        source: 'roster',
        status: 'active',
        created_at: at,
      });
      const oldest = identity(parent.id, 'parent', '2026-09-01T08:00:00Z');
      const later = identity(parent.id, 'parent', '2026-09-02T08:00:00Z');
      const teacher = identity(parent.id, 'teacher', '2026-09-03T08:00:00Z');
      const othersOwn = identity(other.id, 'parent', '2026-09-04T08:00:00Z');
      await db('identities').insert([oldest, later, teacher, othersOwn]);
      const slip = (id: string, account: string) => ({
        id: crypto.randomUUID(),
        school_code: '512345',
        role: 'parent',
        account,
        name: '陳媽媽',
        claimed_by_person_id: parent.id,
        identity_id: id,
      });
      await db('roster_credentials').insert([slip(oldest.id, 'p1-1'), slip(later.id, 'p2-1')]);
      await db('identity_choices').insert({ person_id: parent.id, client_id: 'portfolio', identity_id: later.id });
      await db('grant_identities').insert({
        grant_id: 'grant-1',
        person_id: parent.id,
        client_id: 'portfolio',
        identity_id: later.id,
      });

      const client = (id: string, extra: Record<string, unknown>) => ({
        client_id: id,
        metadata: JSON.stringify({ client_id: id, redirect_uris: ['https://app.example.edu.tw:8443/cb'], ...extra }),
        source: 'test',
      });
      await db('oidc_clients').insert([
        client('pairwise-app', { subject_type: 'pairwise' }),
        client('sector-app', {
          subject_type: 'pairwise',
          sector_identifier_uri: 'https://sector.example.org/uris.json',
        }),
        client('public-app', {}),
      ]);

      await db.migrate.latest({ migrationSource });

      const sectors = Object.fromEntries(
        (await db('oidc_clients').select('client_id', 'metadata')).map((r) => [
          r.client_id,
          (typeof r.metadata === 'string' ? JSON.parse(r.metadata) : r.metadata).pairwise_sector,
        ]),
      );
      assert.deepEqual(sectors, {
        'pairwise-app': 'app.example.edu.tw:8443',
        'sector-app': 'sector.example.org',
        'public-app': undefined,
      });

      const rows = await db('identities').where({ person_id: parent.id }).orderBy('created_at');
      assert.deepEqual(
        rows.map((r) => [r.id, r.status, r.ended_at !== null]),
        [
          [oldest.id, 'active', false],
          [later.id, 'ended', true],
          [teacher.id, 'active', false],
        ],
      );
      assert.deepEqual(
        (await db('roster_credentials').orderBy('account')).map((r) => r.identity_id),
        [oldest.id, oldest.id],
      );
      assert.equal((await db('identity_choices').first()).identity_id, oldest.id);
      assert.equal((await db('grant_identities').first()).identity_id, oldest.id);
      assert.equal((await db('identities').where({ id: othersOwn.id }).first()).status, 'active', 'others untouched');

      await assert.rejects(
        db('identities').insert(identity(parent.id, 'parent', '2026-12-01T08:00:00Z')),
        (err: { code?: string }) => err.code === '23505',
      );
      // An ended one beside the current one is allowed (the history stays).
      await db('identities').insert({ ...identity(parent.id, 'parent', '2026-12-01T08:00:00Z'), status: 'ended' });
    } finally {
      await db.destroy();
    }
  });
});
