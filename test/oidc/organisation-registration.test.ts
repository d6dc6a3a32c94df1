// Dynamic registration at /reg with an organisation's initial access token (the developer portal's automatic
// registration) is held to the portal's own rules: https URIs (http only to localhost outside production) without
// wildcards, fragments or credentials, redirect URIs on one host, only the roles an app may serve — for a new client
// and for its changes (RFC 7592) alike.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DEVELOPER_ORG_POLICY } from '../../src/domain/developers/organisations.ts';
import { createInitialAccessToken } from '../../src/oidc/initial-access-token.ts';
import { newPerson } from '../helpers/account.ts';
import { CALLBACK } from '../helpers/rp.ts';
import { startTestServer, storageMode, type TestServer } from '../helpers/server.ts';

type Answer = { status: number; body: Record<string, unknown> };

describe(`/reg with an organisation's token: the developer portal's rules (${storageMode})`, () => {
  let server: TestServer;
  let token: string;
  let orgId: string;
  let orgName: string;

  const register = async (metadata: Record<string, unknown>, bearer = token, url?: string, method = 'POST') => {
    const res = await fetch(url ?? `${server.issuer}/reg`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: JSON.stringify(metadata),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> } satisfies Answer;
  };
  const refused = (answer: Answer, error: string, mentions: string) => {
    assert.equal(answer.status, 400, JSON.stringify(answer.body));
    assert.equal(answer.body.error, error);
    assert.match(String(answer.body.error_description), new RegExp(mentions));
  };

  before(async () => {
    server = await startTestServer();
    const owner = await newPerson(server.storage.db);
    const { organisations } = server.services.developers;
    orgName = `組織 ${crypto.randomUUID()}`;
    const org = await organisations.create(orgName, owner.id);
    orgId = org;
    token = await createInitialAccessToken(server.adapter, 600, [DEVELOPER_ORG_POLICY]);
    await organisations.recordToken(org, token, new Date(Date.now() + 600_000), owner.id);
  });
  after(() => server.close());

  it('refuses what the portal refuses, each with invalid_redirect_uri or invalid_client_metadata and what is wrong', async () => {
    const publicClient = { token_endpoint_auth_method: 'none', client_name: 'SPA' };
    refused(
      await register({ ...publicClient, redirect_uris: ['http://evil.example/cb'] }),
      'invalid_redirect_uri',
      'redirect_uris: "http://evil.example/cb" must use https',
    );
    refused(
      await register({ redirect_uris: ['https://app.example/cb#x'] }),
      'invalid_redirect_uri',
      'must not contain a fragment',
    );
    refused(
      await register({ redirect_uris: ['https://user:pw@app.example/cb'] }),
      'invalid_redirect_uri',
      'user name or password',
    );
    refused(
      await register({ redirect_uris: ['https://app.example/cb', 'https://other.example/cb'] }),
      'invalid_redirect_uri',
      'one host',
    );
    refused(
      await register({ redirect_uris: [CALLBACK], post_logout_redirect_uris: ['http://evil.example/'] }),
      'invalid_client_metadata',
      'post_logout_redirect_uris: "http://evil.example/" must use https',
    );
    refused(
      await register({ redirect_uris: [CALLBACK], backchannel_logout_uri: 'http://169.254.169.254/latest' }),
      'invalid_client_metadata',
      'backchannel_logout_uri: "http://169.254.169.254/latest" must use https',
    );
    refused(
      await register({ redirect_uris: [CALLBACK], allowed_roles: ['student', 'bureau_admin'] }),
      'invalid_client_metadata',
      'allowed_roles: "bureau_admin" may not be served',
    );
    refused(
      await register({ redirect_uris: [CALLBACK], allowed_roles: ['school_admin'] }),
      'invalid_client_metadata',
      'allowed_roles: "school_admin"',
    );
    refused(
      await register({ redirect_uris: [CALLBACK], logo_uri: 'http://evil.example/logo.png' }),
      'invalid_client_metadata',
      'logo_uri',
    );
    const registered = await server.storage.db('oidc_clients').whereRaw("metadata->>'client_name' = ?", ['SPA']);
    assert.equal(registered.length, 0, 'nothing was registered');
  });

  it('registers what the portal accepts, and holds a change (RFC 7592) to the same rules', async () => {
    const created = await register({
      client_name: 'Portal-like app',
      redirect_uris: ['https://app.example/cb'],
      post_logout_redirect_uris: ['https://app.example/'],
      backchannel_logout_uri: 'https://app.example/logout',
      allowed_roles: ['student', 'parent'],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.subject_type, 'pairwise');
    assert.deepEqual(created.body.allowed_roles, ['student', 'parent']);
    // http to this machine outside production, as the portal lets through.
    const local = await register({ client_name: 'Local app', redirect_uris: [CALLBACK] });
    assert.equal(local.status, 201, JSON.stringify(local.body));

    const {
      registration_access_token: rat,
      registration_client_uri: uri,
      client_secret_expires_at: _e,
      client_id_issued_at: _i,
      ...metadata
    } = created.body;
    const changed = await register(
      { ...metadata, redirect_uris: ['http://evil.example/cb'] },
      String(rat),
      String(uri),
      'PUT',
    );
    refused(changed, 'invalid_redirect_uri', 'must use https');
    const roles = await register({ ...metadata, allowed_roles: ['bureau_admin'] }, String(rat), String(uri), 'PUT');
    refused(roles, 'invalid_client_metadata', 'bureau_admin');
  });

  it("names the organisation as the app's provider, whatever the app says; implicit and hybrid flows are refused", async () => {
    const created = await register({
      client_name: 'Vendor app',
      redirect_uris: ['https://vendor.example/cb'],
      organization: '臺北市政府教育局',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.organization, orgName, 'the consent page shows who registered it');
    for (const response_types of [['id_token'], ['code id_token'], ['code', 'id_token']])
      refused(
        await register({ redirect_uris: ['https://vendor.example/cb'], response_types }),
        'invalid_client_metadata',
        'response_types',
      );
  });

  it('a registration token ends with its maker: once they are no longer an owner, or their account is locked', async () => {
    const { organisations } = server.services.developers;
    const db = server.storage.db;
    const makeToken = async (maker: string) => {
      const t = await createInitialAccessToken(server.adapter, 600, [DEVELOPER_ORG_POLICY]);
      await organisations.recordToken(orgId, t, new Date(Date.now() + 600_000), maker);
      return t;
    };
    const second = await newPerson(db);
    await db('dev_org_members').insert({ org_id: orgId, person_id: second.id, role: 'owner' });
    const theirs = await makeToken(second.id);
    assert.equal((await register({ redirect_uris: [CALLBACK] }, theirs)).status, 201, 'good while they own it');
    const owner = await db('dev_org_members').where({ org_id: orgId }).whereNot({ person_id: second.id }).first();
    await organisations.removeMember(orgId, second.id, owner.person_id);
    refused(await register({ redirect_uris: [CALLBACK] }, theirs), 'invalid_client_metadata', 'not valid any more');

    const third = await newPerson(db);
    await db('dev_org_members').insert({ org_id: orgId, person_id: third.id, role: 'owner' });
    const locked = await makeToken(third.id);
    await db('persons').where({ id: third.id }).update({ status: 'locked' });
    refused(await register({ redirect_uris: [CALLBACK] }, locked), 'invalid_client_metadata', 'not valid any more');
  });
});
