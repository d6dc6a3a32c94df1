import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { Agent } from '../helpers/agent.ts';
import { authorizationUrl, CALLBACK, discover, pkce, signIn } from '../helpers/rp.ts';
import { startTestServer, storageMode, type TestServer, testEnv } from '../helpers/server.ts';

const bin = new URL('../../bin/campus-sso.js', import.meta.url).pathname;

describe(`campus-sso CLI (${storageMode})`, () => {
  let server: TestServer;
  const cli = (...args: string[]) =>
    // Asynchronous, so the in-process server keeps answering (and closing idle sockets) while the CLI runs.
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [bin, ...args],
        { env: { ...process.env, ...server.env }, encoding: 'utf8', timeout: 60_000 },
        (err, stdout, stderr) => {
          resolve({ status: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
        },
      );
    });

  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('adds a person and a client while the server runs, and they sign in', async () => {
    const user = `cli-${crypto.randomBytes(3).toString('hex')}`;
    const person = await cli(
      'person',
      'add',
      '--username',
      user,
      '--password',
      'Cli-Password-1',
      '--name',
      '命令列使用者',
      '--email',
      `${user}@example.org`,
    );
    assert.equal(person.status, 0, person.stderr);
    assert.match(person.stdout.trim(), /^[0-9a-f-]{36}$/);

    const client = await cli(
      'client',
      'add',
      '--id',
      'cli-rp',
      '--secret',
      'cli-secret-0123456789abcdef',
      '--redirect-uri',
      CALLBACK,
      '--first-party',
    );
    assert.equal(client.status, 0, client.stderr);

    const conf = await discover(server.issuer, 'cli-rp', 'cli-secret-0123456789abcdef');
    const p = await pkce();
    const callback = await signIn(new Agent(), authorizationUrl(conf, p), user, 'Cli-Password-1');
    const tokens = await oidc.authorizationCodeGrant(conf, callback, {
      pkceCodeVerifier: p.verifier,
      expectedState: p.state,
      expectedNonce: p.nonce,
    });
    assert.equal(tokens.claims()!.sub, person.stdout.trim());

    const duplicate = await cli('person', 'add', '--username', user, '--password', 'x', '--name', 'x');
    assert.equal(duplicate.status, 1);
    assert.match(duplicate.stderr, /already exists/);
  });

  it('rotates keys, lists them, creates an initial access token and migrates', async () => {
    const rotate = await cli('keys', 'rotate', '--lead', '0');
    assert.equal(rotate.status, 0, rotate.stderr);
    await server.holder.refresh();
    const kids = ((await (await fetch(`${server.issuer}/jwks`)).json()) as { keys: { kid: string }[] }).keys.map(
      (k) => k.kid,
    );
    for (const kid of /new keys (.+) published/.exec(rotate.stdout)![1]!.split(', ').slice(0, 2))
      assert.ok(kids.includes(kid));
    assert.match((await cli('keys', 'list')).stdout, /signing\s+RS256/);

    const iat = await cli('iat', 'create', '--ttl', '600');
    assert.equal(iat.status, 0, iat.stderr);
    const reg = await fetch(`${server.issuer}/reg`, {
      method: 'POST',
      headers: { authorization: `Bearer ${iat.stdout.trim()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: [CALLBACK] }),
    });
    assert.equal(reg.status, 201);
    assert.equal((await cli('migrate')).status, 0);
    assert.equal((await cli('seed-demo')).status, 0);
  });

  it('adds a school and an identity that relying parties then receive', async () => {
    const code = String(300000 + crypto.randomInt(99999));
    const school = await cli(
      'school',
      'add',
      '--code',
      code,
      '--name',
      '臺北市立測試國民小學',
      '--level',
      'elementary',
    );
    assert.equal(school.status, 0, school.stderr);
    const user = `pupil-${crypto.randomBytes(3).toString('hex')}`;
    assert.equal(
      (await cli('person', 'add', '--username', user, '--password', 'Pupil-Password-1', '--name', '小學生')).status,
      0,
    );
    const identity = await cli(
      'identity',
      'add',
      '--person',
      user,
      '--school',
      code,
      '--role',
      'student',
      '--class',
      '101',
      '--seat',
      '7',
      '--student-no',
      'E0001',
    );
    assert.equal(identity.status, 0, identity.stderr);

    const conf = await discover(server.issuer, 'cli-rp', 'cli-secret-0123456789abcdef');
    const p = await pkce();
    const callback = await signIn(
      new Agent(),
      authorizationUrl(conf, p, { scope: 'openid identity' }),
      user,
      'Pupil-Password-1',
    );
    const tokens = await oidc.authorizationCodeGrant(conf, callback, {
      pkceCodeVerifier: p.verifier,
      expectedState: p.state,
      expectedNonce: p.nonce,
    });
    const info = await oidc.fetchUserInfo(conf, tokens.access_token, tokens.claims()!.sub);
    assert.deepEqual(info.identity, {
      id: identity.stdout.trim(),
      role: 'student',
      school: { code, name: '臺北市立測試國民小學' },
      class: { code: '101', name: '1年1班' },
      seat: 7,
      student_no: 'E0001',
    });

    const badLevel = await cli('school', 'add', '--code', code, '--name', 'x', '--level', 'university');
    assert.equal(badLevel.status, 1);
    assert.match(badLevel.stderr, /--level/);
    assert.match((await cli('school', 'add', '--code', '12', '--name', 'x', '--level', 'junior')).stderr, /6 digits/);
    assert.match(
      (await cli('identity', 'add', '--person', user, '--school', '999999', '--role', 'student')).stderr,
      /unknown school/,
    );
    assert.match((await cli('identity', 'add', '--person', user, '--role', 'wizard')).stderr, /--role must be one of/);
    assert.match((await cli('identity', 'add', '--person', 'nobody-at-all', '--role', 'parent')).stderr, /no person/);
  });

  it('explains bad usage with exit code 2', async () => {
    const unknown = await cli('frobnicate');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /usage: campus-sso/);
    const badFlag = await cli('person', 'add', '--bogus');
    assert.equal(badFlag.status, 2);
    const missing = await cli('client', 'add', '--id', 'x', '--secret', 'y');
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /--redirect-uri is required/);
    const badUri = await cli('client', 'add', '--id', 'x', '--secret', 'y', '--redirect-uri', 'not a url');
    assert.equal(badUri.status, 1);
  });

  it('works without a running server too', { skip: process.env.DATABASE_URL ? 'embedded mode only' : false }, () => {
    const env = { ...process.env, ...testEnv() };
    const run = spawnSync(
      process.execPath,
      [bin, 'person', 'add', '--username', 'offline', '--password', 'p', '--name', 'Offline'],
      { env, encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.equal(
      spawnSync(process.execPath, [bin, 'keys', 'rotate'], { env, encoding: 'utf8', timeout: 60_000 }).status,
      0,
    );
    const again = spawnSync(process.execPath, [bin, 'keys', 'list'], { env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /cookie/);
  });
});
