// The upstream providers people may sign in with (issue 13, item 1), configured with the campus-sso command: added
// (printing the redirect URI to register), listed without secrets, updated, disabled; secrets sealed; every change
// audited; bad options refused with one line.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/process.ts';
import { startTestServer, storageMode, type TestServer } from '../helpers/server.ts';

describe(`campus-sso upstream (${storageMode})`, () => {
  let server: TestServer;
  const id = `city-${crypto.randomBytes(3).toString('hex')}`;
  const secret = `upstream-secret-${crypto.randomBytes(8).toString('hex')}`;
  const cli = (...args: string[]) => runCli({ ...process.env, ...server.env, LOG_LEVEL: 'silent' }, ...args);
  const row = () => server.storage.db('upstream_providers').where({ id }).first();

  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('adds an OpenID provider, prints the redirect URI, lists it without the secret, which is sealed', async () => {
    const added = await cli(
      'upstream',
      'add',
      '--id',
      id,
      '--name',
      '臺北市 OpenID',
      '--issuer',
      'https://id.example.gov.tw/',
      '--client-id',
      'campus-sso',
      '--client-secret',
      secret,
      '--icon',
      'city',
    );
    assert.equal(added.status, 0, added.stderr);
    assert.match(added.stdout, new RegExp(`upstream ${id} added`));
    assert.match(added.stdout, new RegExp(`/federation/${id}/callback`));
    const stored = await row();
    assert.equal(stored.issuer, 'https://id.example.gov.tw');
    assert.equal(stored.scope, 'openid email profile');
    assert.equal(stored.kind, 'oidc');
    assert.ok(!JSON.stringify(stored).includes(secret), 'the secret is sealed');
    assert.equal(await server.services.upstreams.secret(id), secret);

    const listed = await cli('upstream', 'list');
    assert.equal(listed.status, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`${id}\\t臺北市 OpenID\\toidc\\thttps://id.example.gov.tw\\tcampus-sso`));
    assert.doesNotMatch(listed.stdout, new RegExp(secret));

    const again = await cli(
      'upstream',
      'add',
      '--id',
      id,
      '--name',
      'x',
      '--issuer',
      'https://x.example',
      '--client-id',
      'x',
      '--client-secret',
      'x',
    );
    assert.equal(again.status, 1);
    assert.match(again.stderr, /exists already/);
  });

  it('updates only what is given, seals a new secret, disables and enables; each change audited', async () => {
    const renamed = await cli(
      'upstream',
      'update',
      '--id',
      id,
      '--name',
      '臺北市單一身分驗證',
      '--client-secret',
      'new-secret',
    );
    assert.equal(renamed.status, 0, renamed.stderr);
    const stored = await row();
    assert.equal(stored.name, '臺北市單一身分驗證');
    assert.equal(stored.client_id, 'campus-sso', 'kept');
    assert.equal(await server.services.upstreams.secret(id), 'new-secret');
    assert.equal((await cli('upstream', 'disable', '--id', id)).status, 0);
    assert.equal((await row()).enabled, false);
    assert.match((await cli('upstream', 'list')).stdout, new RegExp(`${id}\\t.*\\tdisabled`));
    assert.equal((await cli('upstream', 'update', '--id', id, '--enable')).status, 0);
    assert.equal((await row()).enabled, true);
    const audit = await server.storage
      .db('audit_events')
      .where({ subject: id })
      .orderBy('at')
      .select('action', 'detail');
    assert.deepEqual(
      audit.map((a: { action: string }) => a.action),
      ['upstream.added', 'upstream.updated', 'upstream.disabled', 'upstream.updated'],
    );
    assert.ok(!JSON.stringify(audit).includes('new-secret'), 'no secret in the audit log');
  });

  it('adds Facebook with its endpoints, and refuses bad options with one line naming the problem', async () => {
    const fb = `fb-${crypto.randomBytes(3).toString('hex')}`;
    const added = await cli(
      'upstream',
      'add',
      '--id',
      fb,
      '--name',
      'Facebook',
      '--kind',
      'facebook',
      '--issuer',
      'https://www.facebook.com',
      '--client-id',
      '1234',
      '--client-secret',
      's',
      '--authorization-endpoint',
      'https://www.facebook.com/v19.0/dialog/oauth',
      '--token-endpoint',
      'https://graph.facebook.com/v19.0/oauth/access_token',
      '--userinfo-endpoint',
      'https://graph.facebook.com/me',
    );
    assert.equal(added.status, 0, added.stderr);
    const stored = await server.services.upstreams.find(fb);
    assert.equal(stored?.scope, 'email public_profile');
    assert.equal(stored?.endpoints?.token_endpoint, 'https://graph.facebook.com/v19.0/oauth/access_token');

    const base = ['--name', 'X', '--client-id', 'x', '--client-secret', 'x'];
    const bad: [string[], RegExp][] = [
      [['--id', 'Bad_Id', '--issuer', 'https://x.example', ...base], /^campus-sso: --id: lower-case letters/],
      [['--id', 'x1', '--issuer', 'ftp://x.example', ...base], /issuer: must be an https URL/],
      [['--id', 'x2', '--issuer', 'http://upstream.example', ...base], /issuer: must be an https URL/],
      [['--id', 'x3', '--issuer', 'https://x.example#f', ...base], /issuer: must have no fragment/],
      [['--id', 'x4', '--issuer', 'https://x.example', '--kind', 'saml', ...base], /kind:/],
      [
        ['--id', 'x5', '--issuer', 'https://x.example', '--scope', 'email profile', ...base],
        /scope: an OpenID Connect upstream needs the openid scope/,
      ],
      [['--id', 'x6', '--issuer', 'https://x.example', '--name', 'X'], /--client-id is required/],
    ];
    for (const [args, message] of bad) {
      const answer = await cli('upstream', 'add', ...args);
      assert.equal(answer.status, 2, `bad usage: ${args.join(' ')}`);
      const [first, ...rest] = answer.stderr.trim().split('\n');
      assert.match(first!, message, 'the first line names the problem');
      assert.match(rest.join('\n'), /usage: campus-sso/, 'then the usage');
    }
    assert.equal(
      await server.storage.db('upstream_providers').whereIn('id', ['x1', 'x2', 'x3', 'x4', 'x5', 'x6']).first(),
      undefined,
    );
    assert.equal((await cli('upstream', 'update', '--id', 'nobody-here', '--name', 'x')).status, 1);
    const notUrl = await cli('upstream', 'update', '--id', fb, '--issuer', 'not a url');
    assert.equal(notUrl.status, 2, 'bad usage');
    assert.match(notUrl.stderr, /^campus-sso: --issuer: must be an absolute https URL: not a url\n/);
    assert.equal((await server.services.upstreams.find(fb))?.issuer, 'https://www.facebook.com', 'unchanged');
  });
});
