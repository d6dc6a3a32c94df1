import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { createInitialAccessToken } from '../../src/oidc/initial-access-token.ts';
import { CALLBACK } from '../helpers/rp.ts';
import { startTestServer, storageMode, type TestServer } from '../helpers/server.ts';

type Registered = Record<string, unknown> & {
  client_id: string;
  client_secret: string;
  registration_access_token: string;
  registration_client_uri: string;
};

describe(`dynamic client registration, RFC 7591/7592 (${storageMode})`, () => {
  let server: TestServer;
  let iat: string;
  const call = (url: string, method: string, token: string, body?: unknown) =>
    fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });

  before(async () => {
    server = await startTestServer();
    iat = await createInitialAccessToken(server.adapter, 600);
  });
  after(() => server.close());

  it('creates, reads, updates and deletes a client; the client works in between', async () => {
    const created = await call(`${server.issuer}/reg`, 'POST', iat, {
      client_name: 'Vendor app',
      redirect_uris: [CALLBACK],
      grant_types: ['client_credentials'],
      response_types: [],
    });
    assert.equal(created.status, 201);
    const client = (await created.json()) as Registered;
    assert.ok(client.client_id && client.client_secret && client.registration_access_token);

    const conf = await oidc.discovery(new URL(server.issuer), client.client_id, client.client_secret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    assert.ok((await oidc.clientCredentialsGrant(conf)).access_token);

    const read = await call(client.registration_client_uri, 'GET', client.registration_access_token);
    assert.equal(read.status, 200);
    const current = (await read.json()) as Registered;
    assert.equal(current.client_name, 'Vendor app');

    const {
      registration_access_token: _t,
      registration_client_uri: _u,
      client_secret_expires_at: _e,
      client_id_issued_at: _i,
      ...metadata
    } = current;
    const updated = await call(client.registration_client_uri, 'PUT', current.registration_access_token, {
      ...metadata,
      client_name: 'Vendor app v2',
    });
    assert.equal(updated.status, 200);
    const afterUpdate = (await updated.json()) as Registered;
    assert.equal(afterUpdate.client_name, 'Vendor app v2');
    assert.notEqual(
      afterUpdate.registration_access_token,
      current.registration_access_token,
      'the registration token rotates',
    );

    const stale = await call(client.registration_client_uri, 'GET', current.registration_access_token);
    assert.equal(stale.status, 401);

    const deleted = await call(client.registration_client_uri, 'DELETE', afterUpdate.registration_access_token);
    assert.equal(deleted.status, 204);
    await assert.rejects(
      oidc.clientCredentialsGrant(conf),
      (e: oidc.ResponseBodyError) => e.error === 'invalid_client',
    );
    assert.equal(await server.storage.db('oidc_clients').where({ client_id: client.client_id }).first(), undefined);
  });

  it('a pairwise client cannot move itself off its sector, nor stop being pairwise; it cannot choose a sector', async () => {
    const created = await call(`${server.issuer}/reg`, 'POST', iat, {
      client_name: 'Pairwise vendor',
      redirect_uris: [CALLBACK],
      subject_type: 'pairwise',
    });
    assert.equal(created.status, 201);
    const registered = (await created.json()) as Registered;
    const read = await call(registered.registration_client_uri, 'GET', registered.registration_access_token);
    const client = (await read.json()) as Registered & Record<string, unknown>;
    assert.equal(client.pairwise_sector, '127.0.0.1:9', 'its sector, shown in its registration');
    const {
      registration_access_token: token,
      registration_client_uri: uri,
      client_secret_expires_at: _e,
      client_id_issued_at: _i,
      ...metadata
    } = client;
    // Another host: an app registered with another app's host could otherwise move to its own and keep that app's
    // sector, so every person's `sub` there. Refused, nothing stored (the registration access token stays good).
    const moved = await call(uri, 'PUT', token, { ...metadata, redirect_uris: ['http://localhost:9/cb'] });
    assert.equal(moved.status, 400, await moved.clone().text());
    const refusal = (await moved.json()) as { error: string; error_description: string };
    assert.equal(refusal.error, 'invalid_redirect_uri');
    assert.match(refusal.error_description, /must stay on 127\.0\.0\.1:9/);
    const publicNow = await call(uri, 'PUT', token, { ...metadata, subject_type: 'public' });
    assert.equal(publicNow.status, 400, await publicNow.clone().text());
    assert.equal(((await publicNow.json()) as { error: string }).error, 'invalid_client_metadata');
    const stored = await server.storage.db('oidc_clients').where({ client_id: registered.client_id }).first('metadata');
    assert.deepEqual(stored.metadata.redirect_uris, [CALLBACK]);
    assert.equal(stored.metadata.subject_type, 'pairwise');
    // On its own host it may change its addresses; the sector stays.
    const samehost = `${new URL(CALLBACK).origin}/other-callback`;
    const changed = await call(uri, 'PUT', token, { ...metadata, redirect_uris: [samehost] });
    assert.equal(changed.status, 200, await changed.clone().text());
    const after = (await changed.json()) as Record<string, unknown>;
    assert.deepEqual(after.redirect_uris, [samehost]);
    assert.equal(after.pairwise_sector, '127.0.0.1:9');
    const chosen = await call(`${server.issuer}/reg`, 'POST', iat, {
      redirect_uris: [CALLBACK],
      subject_type: 'pairwise',
      pairwise_sector: 'victim.example.org',
    });
    assert.equal(chosen.status, 400);
    assert.equal(((await chosen.json()) as { error: string }).error, 'invalid_client_metadata');
  });

  it("an offering organisation is not the registrant's to say; one stored before is kept when sent back unchanged", async () => {
    const claimed = await call(`${server.issuer}/reg`, 'POST', iat, {
      redirect_uris: [CALLBACK],
      organization: '臺北市政府教育局',
    });
    assert.equal(claimed.status, 400, await claimed.clone().text());
    assert.equal(((await claimed.json()) as { error: string }).error, 'invalid_client_metadata');
    const created = await call(`${server.issuer}/reg`, 'POST', iat, { redirect_uris: [CALLBACK], client_name: 'Echo' });
    const registered = (await created.json()) as Registered;
    // One registered before registrations lost the field: its organisation is in its stored metadata.
    await server.storage.db.raw(
      `update oidc_clients set metadata = jsonb_set(metadata::jsonb, '{organization}', '"Echo Ltd"')::json where client_id = ?`,
      [registered.client_id],
    );
    server.services.clients.forget(registered.client_id);
    const read = await call(registered.registration_client_uri, 'GET', registered.registration_access_token);
    const {
      registration_access_token: token,
      registration_client_uri: uri,
      client_secret_expires_at: _e,
      client_id_issued_at: _i,
      ...metadata
    } = (await read.json()) as Registered & Record<string, unknown>;
    assert.equal(metadata.organization, 'Echo Ltd');
    const echoed = await call(uri, 'PUT', token, { ...metadata, client_name: 'Echo 2' });
    assert.equal(echoed.status, 200, await echoed.clone().text());
    const { registration_access_token: next } = (await echoed.json()) as Registered;
    const changed = await call(uri, 'PUT', next, { ...metadata, organization: '臺北市政府教育局' });
    assert.equal(changed.status, 400, await changed.clone().text());
  });

  it('audits registration, update and deletion (actor registration, never the secret) and keeps what the bureau granted', async () => {
    const created = await call(`${server.issuer}/reg`, 'POST', iat, {
      client_name: 'Audited app',
      redirect_uris: [CALLBACK],
      grant_types: ['client_credentials'],
      response_types: [],
    });
    assert.equal(created.status, 201);
    const client = (await created.json()) as Registered;
    await server.services.clients.setPermission(client.client_id, { grant: 'sis' }, 'test');

    const read = (await (
      await call(client.registration_client_uri, 'GET', client.registration_access_token)
    ).json()) as Registered;
    const {
      registration_access_token: _t,
      registration_client_uri: _u,
      client_secret_expires_at: _e,
      client_id_issued_at: _i,
      permissions,
      ...metadata
    } = read;
    assert.deepEqual(permissions, ['sis']);
    const refused = await call(client.registration_client_uri, 'PUT', client.registration_access_token, {
      ...metadata,
      permissions,
    });
    assert.equal(refused.status, 400, 'the client cannot set its permissions');
    const updated = await call(client.registration_client_uri, 'PUT', client.registration_access_token, {
      ...metadata,
      client_name: 'Audited app v2',
    });
    assert.equal(updated.status, 200);
    const token = ((await updated.json()) as Registered).registration_access_token;
    const stored = await server.services.clients.find(client.client_id);
    assert.equal(stored?.client_name, 'Audited app v2');
    assert.deepEqual(stored?.permissions, ['sis'], 'an update that leaves out the bureau grant keeps it');

    assert.equal((await call(client.registration_client_uri, 'DELETE', token)).status, 204);

    const rows: { actor: string; action: string; detail: unknown }[] = await server.storage
      .db('audit_events')
      .where({ subject: client.client_id })
      .orderBy('id');
    const detail = (r: { detail: unknown }) =>
      (typeof r.detail === 'string' ? JSON.parse(r.detail) : r.detail) as { fields?: string[] };
    const byRegistration = rows.filter((r) => r.actor === 'registration');
    assert.deepEqual(
      byRegistration.map((r) => r.action),
      ['client.registered', 'client.updated', 'client.deleted'],
    );
    assert.ok(detail(byRegistration[0]!).fields?.includes('redirect_uris'));
    assert.deepEqual(detail(byRegistration[1]!).fields, ['client_name']);
    assert.ok(rows.some((r) => r.actor === 'test' && r.action === 'client.permissions'));
    const text = JSON.stringify(rows);
    assert.ok(!text.includes(client.client_secret), 'no secret in the audit');
    assert.ok(!text.includes(client.registration_access_token) && !text.includes(token));
  });

  it('rejects invalid registration metadata with invalid_client_metadata or invalid_redirect_uri', async () => {
    const cases: [unknown, string][] = [
      ['{"redirect_uris": [', 'invalid_request'],
      [[], 'invalid_request'],
      [{ redirect_uris: 'not-an-array' }, 'invalid_redirect_uri'],
      [{ redirect_uris: ['not a url'] }, 'invalid_redirect_uri'],
      [{ redirect_uris: [CALLBACK], grant_types: ['bogus'] }, 'invalid_client_metadata'],
      [{ redirect_uris: [CALLBACK], token_endpoint_auth_method: 'bogus' }, 'invalid_client_metadata'],
      [{ redirect_uris: [CALLBACK], first_party: true }, 'invalid_client_metadata'],
      [{ redirect_uris: [CALLBACK], allowed_roles: 'teacher' }, 'invalid_client_metadata'],
      [{ redirect_uris: [CALLBACK], permissions: ['sis'] }, 'invalid_client_metadata'],
      [{ redirect_uris: [CALLBACK], permissions: 'sis' }, 'invalid_client_metadata'],
      [{ redirect_uris: [CALLBACK], client_name: 'x\u0000y', subject_type: 'bogus' }, 'invalid_client_metadata'],
    ];
    for (const [body, error] of cases) {
      const res = await call(`${server.issuer}/reg`, 'POST', iat, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(((await res.json()) as { error: string }).error, error, JSON.stringify(body));
    }
  });

  it('refuses an expired initial access token', async () => {
    const short = await createInitialAccessToken(server.adapter, 1);
    await new Promise((r) => setTimeout(r, 1500));
    const res = await call(`${server.issuer}/reg`, 'POST', short, { redirect_uris: [CALLBACK] });
    assert.equal(res.status, 401);
  });
});
