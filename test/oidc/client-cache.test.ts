// Clients are kept in memory by every server process; a change made anywhere (here: plain SQL, as another process or an
// operator would) reaches them through PostgreSQL's notices, and a process that is not listening reads the database.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { registerClient } from '../helpers/rp.ts';
import { startTestServer, storageMode, type TestServer } from '../helpers/server.ts';

const SECRET = 'client-cache-test-secret-0123456789abc';

async function clientCredentials(server: TestServer, clientId: string) {
  const res = await fetch(`${server.issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${SECRET}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const refusedGrantType = (r: { status: number; body: Record<string, unknown> }) =>
  r.status === 400 && /grant type is not allowed/.test(String(r.body.error_description));

/** Polls (at most 3 s) until `check` holds: a notice arrives asynchronously, a few milliseconds after the commit. */
async function eventually(check: () => Promise<boolean>) {
  for (let i = 0; i < 60; i++) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

describe(`client cache (${storageMode})`, () => {
  let server: TestServer;
  let clientReads = 0;
  /** A connection of its own, like another process. */
  let other: pg.Client;

  before(async () => {
    server = await startTestServer();
    server.storage.db.on('query', (q: { sql: string }) => {
      if (/from "oidc_clients"/.test(q.sql)) clientReads++;
    });
    other = new pg.Client((server.storage.db.client as { connectionSettings: pg.ClientConfig }).connectionSettings);
    await other.connect();
  });
  after(async () => {
    await other.end();
    await server.close();
  });

  it('reads a client from the database once, then from memory', async () => {
    await registerClient(
      server,
      { client_id: 'cache-rp', grant_types: ['client_credentials'], response_types: [], redirect_uris: [] },
      SECRET,
    );
    assert.equal((await clientCredentials(server, 'cache-rp')).status, 200);
    const before = clientReads;
    for (let i = 0; i < 5; i++) assert.equal((await clientCredentials(server, 'cache-rp')).status, 200);
    assert.equal(clientReads, before, 'no further reads of oidc_clients');
  });

  it('sees a change made by someone else', async () => {
    await clientCredentials(server, 'cache-rp');
    await other.query(
      `update oidc_clients set metadata = jsonb_set(metadata::jsonb, '{grant_types}', '["authorization_code"]')::json where client_id = 'cache-rp'`,
    );
    assert.ok(await eventually(async () => refusedGrantType(await clientCredentials(server, 'cache-rp'))));
  });

  it('forgets a client deleted by someone else, and an unknown client that is then created', async () => {
    await other.query(`delete from oidc_clients where client_id = 'cache-rp'`);
    assert.ok(
      await eventually(async () => (await clientCredentials(server, 'cache-rp')).body.error === 'invalid_client'),
    );
    const before = clientReads;
    assert.equal((await clientCredentials(server, 'cache-rp')).body.error, 'invalid_client');
    assert.equal(clientReads, before, 'an unknown client is remembered too');
    await other.query(`insert into oidc_clients (client_id, metadata, source) values ('cache-rp', $1, 'test')`, [
      JSON.stringify({
        client_id: 'cache-rp',
        client_secret: SECRET,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      }),
    ]);
    assert.ok(await eventually(async () => (await clientCredentials(server, 'cache-rp')).status === 200));
  });

  it('takes a change made in this process at once', async () => {
    await registerClient(server, { client_id: 'cache-rp', grant_types: ['authorization_code'] }, SECRET);
    assert.ok(refusedGrantType(await clientCredentials(server, 'cache-rp')));
  });

  it('reads the database while it cannot listen for changes', async () => {
    await registerClient(
      server,
      { client_id: 'cache-rp', grant_types: ['client_credentials'], response_types: [], redirect_uris: [] },
      SECRET,
    );
    assert.equal((await clientCredentials(server, 'cache-rp')).status, 200);
    // Cut the listening connection from the server side; until it is back, every request reads the table.
    await other.query(
      `select pg_terminate_backend(pid) from pg_stat_activity where query = 'listen oidc_clients_changed' and datname = current_database()`,
    );
    await new Promise((r) => setTimeout(r, 100));
    const before = clientReads;
    await clientCredentials(server, 'cache-rp');
    assert.ok(clientReads > before, 'read from the database');
    assert.ok(
      await eventually(async () => {
        const n = clientReads;
        await clientCredentials(server, 'cache-rp');
        await clientCredentials(server, 'cache-rp');
        return clientReads === n;
      }),
      'listening again after the reconnect',
    );
  });
});
