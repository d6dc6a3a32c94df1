import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { termOn } from '../../src/domain/schools/calendar.ts';
import { Agent } from '../helpers/agent.ts';
import { authorizationUrl, CALLBACK, discover, pkce, signIn } from '../helpers/rp.ts';
import { startTestServer, storageMode, type TestServer, testEnv } from '../helpers/server.ts';

const bin = new URL('../../bin/campus-sso.js', import.meta.url).pathname;
/** Unique per run: `client add` refuses an id already taken, and a DATABASE_URL may outlive one run. */
const rpId = `cli-rp-${crypto.randomBytes(3).toString('hex')}`;
/** Client secrets have at least 32 characters. */
const rpSecret = 'cli-secret-0123456789abcdef-0123456789';

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

  /** A school code no school has yet (`school add` refuses a code taken, and a DATABASE_URL may outlive one run). */
  const newSchoolCode = async (from = 300000, to = 900000): Promise<string> => {
    for (;;) {
      const code = String(crypto.randomInt(from, to));
      if (!(await server.storage.db('schools').where({ code }).first())) return code;
    }
  };

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
      '--keep-password',
    );
    assert.equal(person.status, 0, person.stderr);
    assert.match(person.stdout.trim(), /^[0-9a-f-]{36}$/);

    const client = await cli(
      'client',
      'add',
      '--id',
      rpId,
      '--secret',
      rpSecret,
      '--redirect-uri',
      CALLBACK,
      '--first-party',
    );
    assert.equal(client.status, 0, client.stderr);

    const conf = await discover(server.issuer, rpId, rpSecret);
    const p = await pkce();
    const callback = await signIn(new Agent(), authorizationUrl(conf, p), user, 'Cli-Password-1');
    const tokens = await oidc.authorizationCodeGrant(conf, callback, {
      pkceCodeVerifier: p.verifier,
      expectedState: p.state,
      expectedNonce: p.nonce,
    });
    assert.equal(tokens.claims()!.sub, person.stdout.trim());

    const duplicate = await cli('person', 'add', '--username', user, '--password', 'Another-Pass-9', '--name', 'x');
    assert.equal(duplicate.status, 1);
    assert.match(duplicate.stderr, /already exists/);
  });

  it('adds a person only with a password the policy accepts, to be changed at the first sign-in', async () => {
    const user = `cli-${crypto.randomBytes(3).toString('hex')}`;
    const weak = await cli('person', 'add', '--username', user, '--password', 'password1', '--name', '弱密碼');
    assert.equal(weak.status, 2, 'bad usage');
    assert.match(weak.stderr, /--password: /);
    assert.equal(await server.storage.db('persons').where({ username: user }).first(), undefined, 'nobody added');

    const added = await cli('person', 'add', '--username', user, '--password', 'Temporary-Pass-7', '--name', '新同學');
    assert.equal(added.status, 0, added.stderr);
    const row = await server.storage.db('persons').where({ username: user }).first();
    assert.equal(row.must_change_password, true, 'an operator-chosen password is changed at the first sign-in');
  });

  it('keeps a username and an email in the form sign-in finds them', async () => {
    const tag = crypto.randomBytes(3).toString('hex');
    // Full-width letters and digits, as a Chinese input method types them, and an address in capitals.
    const typed = `ｗｉｄｅ-${[...tag].map((c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0)).join('')}`;
    const added = await cli(
      'person',
      'add',
      '--username',
      typed,
      '--password',
      'Wide-Letters-2026',
      '--name',
      '全形 使用者',
      '--email',
      ` Wide-${tag}@Example.ORG `,
    );
    assert.equal(added.status, 0, added.stderr);
    const row = await server.storage.db('persons').where({ id: added.stdout.trim() }).first('username', 'email');
    assert.deepEqual(row, { username: `wide-${tag}`, email: `wide-${tag}@example.org` });
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
    const code = await newSchoolCode();
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
    // A school's classes come with its roster: class 101 as a published roster leaves it.
    const term = termOn(new Date());
    await server.storage.db('classes').insert({
      id: crypto.randomUUID(),
      school_code: code,
      academic_year: term.academicYear,
      semester: term.semester,
      code: '101',
      name: '1年1班',
    });
    const user = `pupil-${crypto.randomBytes(3).toString('hex')}`;
    assert.equal(
      (
        await cli(
          'person',
          'add',
          '--username',
          user,
          '--password',
          'Pupil-Password-1',
          '--name',
          '小學生',
          '--keep-password',
        )
      ).status,
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

    const conf = await discover(server.issuer, rpId, rpSecret);
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
    assert.equal(badLevel.status, 2, 'bad usage');
    assert.match(badLevel.stderr, /--level/);
    assert.match((await cli('school', 'add', '--code', '12', '--name', 'x', '--level', 'junior')).stderr, /6 digits/);
    assert.match(
      (await cli('identity', 'add', '--person', user, '--school', '999999', '--role', 'student')).stderr,
      /unknown school/,
    );
    assert.match((await cli('identity', 'add', '--person', user, '--role', 'wizard')).stderr, /--role must be one of/);
    assert.match(
      (await cli('identity', 'add', '--person', 'nobody-at-all', '--school', code, '--role', 'parent')).stderr,
      /no person/,
    );
    const twice = await cli('identity', 'add', '--person', user, '--school', code, '--role', 'student');
    assert.equal(twice.status, 1);
    assert.match(twice.stderr, new RegExp(`already has a student identity at ${code} \\(${identity.stdout.trim()}\\)`));
  });

  it("adds a student's identity only in a class the school has this semester", async () => {
    const user = `klass-${crypto.randomBytes(3).toString('hex')}`;
    const added = await cli('person', 'add', '--username', user, '--password', 'Klass-Pass-2026', '--name', '班級測試');
    assert.equal(added.status, 0, added.stderr);
    const personId = added.stdout.trim();
    const classesBefore = await server.storage.db('classes').count({ n: '*' }).first();

    // The demo school 353604 has class 701 (seeded), and no class 999.
    const missing = await cli(
      'identity',
      'add',
      '--person',
      user,
      '--school',
      '353604',
      '--role',
      'student',
      '--class',
      '999',
    );
    assert.equal(missing.status, 1, missing.stdout);
    assert.equal(missing.stderr.trim().split('\n').length, 1, missing.stderr);
    assert.match(
      missing.stderr,
      /school 353604 has no class 999 in academic year \d+, semester [12] \(its classes: .*701/,
    );
    // A school without classes yet says where they come from.
    const bare = await newSchoolCode();
    assert.equal(
      (await cli('school', 'add', '--code', bare, '--name', '無班級測試國中', '--level', 'junior')).status,
      0,
    );
    const none = await cli(
      'identity',
      'add',
      '--person',
      user,
      '--school',
      bare,
      '--role',
      'student',
      '--class',
      '701',
    );
    assert.equal(none.status, 1);
    assert.match(none.stderr, new RegExp(`school ${bare} has no classes in .*roster.*/school/${bare}`));
    assert.deepEqual(await server.storage.db('identities').where({ person_id: personId }), [], 'no identity added');
    assert.deepEqual(await server.storage.db('classes').count({ n: '*' }).first(), classesBefore, 'no class made');

    const ok = await cli(
      'identity',
      'add',
      '--person',
      user,
      '--school',
      '353604',
      '--role',
      'student',
      '--class',
      '701',
    );
    assert.equal(ok.status, 0, ok.stderr);
    const row = await server.storage
      .db('identities as i')
      .join('classes as c', 'c.id', 'i.class_id')
      .where({ 'i.id': ok.stdout.trim() })
      .first('c.code', 'i.school_code');
    assert.deepEqual(row, { code: '701', school_code: '353604' });

    // The bureau's role has no school; a second one is named as such.
    assert.equal((await cli('identity', 'add', '--person', user, '--role', 'bureau_admin')).status, 0);
    const twice = await cli('identity', 'add', '--person', user, '--role', 'bureau_admin');
    assert.equal(twice.status, 1);
    assert.match(twice.stderr, /already has a bureau_admin identity of the bureau/);
  });

  it('adds a school only under a new code: an existing one is refused and left as it was', async () => {
    const code = await newSchoolCode();
    const added = await cli(
      'school',
      'add',
      '--code',
      code,
      '--name',
      '私立測試高級職業學校',
      '--level',
      'vocational',
      '--kind',
      'private',
    );
    assert.equal(added.status, 0, added.stderr);
    assert.match(added.stdout, new RegExp(`school ${code} 私立測試高級職業學校 added`));
    const row = () => server.storage.db('schools').where({ code }).first('name', 'level', 'kind');
    const before = await row();

    const again = await cli('school', 'add', '--code', code, '--name', '改名', '--level', 'elementary');
    assert.equal(again.status, 1, again.stdout);
    assert.equal(again.stderr.trim().split('\n').length, 1, again.stderr);
    assert.match(
      again.stderr,
      new RegExp(`school ${code} \\(私立測試高級職業學校, vocational, private\\) exists already`),
    );
    assert.match(again.stderr, /nothing changed/);
    assert.match(again.stderr, new RegExp(`/admin/schools/${code}`), 'where a school is changed');
    assert.deepEqual(await row(), before, 'the school is as it was');
    assert.deepEqual(before, { name: '私立測試高級職業學校', level: 'vocational', kind: 'private' });
    const audit = await server.storage.db('audit_events').where({ subject: code }).select('actor', 'action');
    assert.deepEqual(audit, [{ actor: 'cli', action: 'school.added' }], 'the refusal wrote nothing');
  });

  describe('clients', () => {
    const keep = {
      id: `cli-keep-${crypto.randomBytes(3).toString('hex')}`,
      secret: 'keep-secret-one-0123456789abcdefghij',
    };
    const newSecret = 'keep-secret-two-9876543210abcdefghij';
    const roster = {
      id: `cli-roster-${crypto.randomBytes(3).toString('hex')}`,
      secret: 'roster-secret-0123456789abcdefghij',
    };
    const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
    const token = async (id: string, secret: string) => {
      const res = await fetch(`${server.issuer}/token`, {
        method: 'POST',
        headers: { authorization: basic(id, secret), 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      });
      return { status: res.status, error: ((await res.json()) as { error?: string }).error };
    };
    /** The authorization endpoint's answer: 303 to our sign-in page, or an error page. */
    const authorize = async (id: string) => {
      const url = new URL(`${server.issuer}/auth`);
      url.search = new URLSearchParams({
        client_id: id,
        response_type: 'code',
        redirect_uri: CALLBACK,
        scope: 'openid',
        code_challenge: crypto.randomBytes(32).toString('base64url'),
        code_challenge_method: 'S256',
      }).toString();
      const res = await fetch(url, { redirect: 'manual' });
      await res.arrayBuffer();
      return res.status;
    };
    const rosterApi = async (code: string, id = roster.id, secret = roster.secret) => {
      const res = await fetch(`${server.issuer}/api/schools/${code}/roster-credentials`, {
        headers: { authorization: basic(id, secret) },
      });
      return { status: res.status, error: ((await res.json()) as { error?: string }).error };
    };
    /** The server hears of a change made by the CLI (another process) a few milliseconds after it commits. */
    async function eventually(check: () => Promise<boolean>) {
      for (let i = 0; i < 60; i++) {
        if (await check()) return true;
        await new Promise((r) => setTimeout(r, 50));
      }
      return false;
    }
    const ok = (r: { status: number | null; stderr: string }) => assert.equal(r.status, 0, r.stderr);
    /** Exit 1 with one clear line. */
    const refused = (r: { status: number | null; stdout: string; stderr: string }, message: RegExp) => {
      assert.equal(r.status, 1, r.stdout);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, message);
    };
    /** Exit 2 (bad usage): what is wrong on the first line, the command's usage after it. */
    const misused = (r: { status: number | null; stdout: string; stderr: string }, message: RegExp) => {
      assert.equal(r.status, 2, r.stdout + r.stderr);
      assert.match(r.stderr.split('\n')[0]!, message);
      assert.match(r.stderr, /usage: campus-sso/);
    };
    const show = async (id: string) => {
      const out = await cli('client', 'show', '--id', id);
      ok(out);
      return { text: out.stdout, metadata: JSON.parse(out.stdout) as Record<string, unknown> };
    };

    it('adds a client and refuses to add one with an id already taken, changing nothing', async () => {
      ok(
        await cli(
          'client',
          'add',
          '--id',
          keep.id,
          '--secret',
          keep.secret,
          '--name',
          '保留測試',
          '--redirect-uri',
          CALLBACK,
          '--first-party',
          '--grant-type',
          'authorization_code',
          '--grant-type',
          'refresh_token',
          '--grant-type',
          'client_credentials',
          '--allowed-role',
          'teacher',
        ),
      );
      ok(await cli('client', 'permissions', '--id', keep.id, '--grant', 'sis'));
      const before = (await show(keep.id)).metadata;

      const again = await cli(
        'client',
        'add',
        '--id',
        keep.id,
        '--secret',
        'other-secret-0123456789abcdefghijklmn',
        '--redirect-uri',
        CALLBACK,
      );
      refused(again, /already exists/);
      assert.deepEqual((await show(keep.id)).metadata, before);
      assert.equal((await token(keep.id, keep.secret)).status, 200);
      assert.equal((await token(keep.id, 'other-secret-0123456789abcdefghijklmn')).status, 401);
    });

    it('updates only what is given: a new secret keeps roles, first party, grant types and permissions', async () => {
      const renamed = await cli(
        'client',
        'update',
        '--id',
        keep.id,
        '--name',
        '保留測試二',
        '--add-redirect-uri',
        'https://keep.example/cb',
      );
      ok(renamed);
      assert.match(renamed.stdout, /updated: client_name, redirect_uris/);
      misused(await cli('client', 'update', '--id', keep.id, '--add-redirect-uri', 'not a url'), /absolute URL/);
      misused(
        await cli('client', 'update', '--id', keep.id, '--add-post-logout-redirect-uri', '/relative'),
        /absolute URL/,
      );
      refused(
        await cli(
          'client',
          'update',
          '--id',
          keep.id,
          '--remove-redirect-uri',
          CALLBACK,
          '--remove-redirect-uri',
          'https://keep.example/cb',
        ),
        /needs a redirect URI/,
      );
      misused(await cli('client', 'update', '--id', keep.id, '--grant-type', 'password'), /grant type must be one of/);
      misused(
        await cli('client', 'update', '--id', keep.id, '--allowed-role', 'wizard'),
        /allowed role must be one of/,
      );
      refused(
        await cli('client', 'update', '--id', 'no-such-client', '--name', 'x'),
        /no client with id no-such-client/,
      );
      misused(await cli('client', 'update', '--id', keep.id), /nothing to change/);

      const update = await cli('client', 'update', '--id', keep.id, '--secret', newSecret);
      ok(update);
      assert.match(update.stdout, /updated: client_secret$/m);
      assert.ok(!update.stdout.includes(newSecret));
      assert.ok(
        await eventually(async () => (await token(keep.id, keep.secret)).status === 401),
        'the old secret fails',
      );
      assert.equal((await token(keep.id, newSecret)).status, 200);
      assert.equal((await token(keep.id, keep.secret)).error, 'invalid_client');

      const { text, metadata } = await show(keep.id);
      assert.ok(!text.includes(newSecret) && !text.includes(keep.secret), 'show never prints the secret');
      assert.equal(metadata.client_secret, '(set)');
      assert.equal(metadata.client_name, '保留測試二');
      assert.equal(metadata.first_party, true);
      assert.deepEqual(metadata.allowed_roles, ['teacher']);
      assert.deepEqual(metadata.permissions, ['sis']);
      assert.deepEqual(metadata.grant_types, ['authorization_code', 'refresh_token', 'client_credentials']);
      assert.deepEqual(metadata.redirect_uris, [CALLBACK, 'https://keep.example/cb']);
      assert.equal(metadata.disabled, false);
      refused(await cli('client', 'show', '--id', 'no-such-client'), /no client/);
    });

    it('lists clients, one line each', async () => {
      const list = await cli('client', 'list');
      ok(list);
      const line = list.stdout.split('\n').find((l) => l.startsWith(`${keep.id}  `));
      assert.equal(line, `${keep.id}  保留測試二  first-party  permissions=sis  schools=-  enabled`);
      assert.ok(list.stdout.split('\n').some((l) => l.startsWith(`${rpId}  ${rpId}  first-party  permissions=-`)));
      assert.ok(!list.stdout.includes(newSecret));
    });

    it('grants roster for named schools only, and revokes it', async () => {
      const [mine, other, municipal] = [await newSchoolCode(), await newSchoolCode(), await newSchoolCode()];
      ok(await cli('school', 'add', '--code', mine, '--name', '市立測試高工', '--level', 'vocational'));
      ok(
        await cli('school', 'add', '--code', other, '--name', '私立測試高中', '--level', 'senior', '--kind', 'private'),
      );
      ok(await cli('school', 'add', '--code', municipal, '--name', '市立測試國中', '--level', 'junior'));
      ok(
        await cli('client', 'add', '--id', roster.id, '--secret', roster.secret, '--grant-type', 'client_credentials'),
      );
      assert.deepEqual(await rosterApi(mine), { status: 403, error: 'insufficient_permission' });

      refused(
        await cli('client', 'permissions', '--id', roster.id, '--grant', 'roster', '--school', municipal),
        /cannot use roster/,
      );
      refused(
        await cli('client', 'permissions', '--id', roster.id, '--grant', 'roster', '--school', '000001'),
        /unknown school 000001/,
      );
      misused(
        await cli('client', 'permissions', '--id', roster.id, '--grant', 'sis', '--school', mine),
        /not bound to schools/,
      );
      misused(await cli('client', 'permissions', '--id', roster.id, '--grant', 'payroll'), /one of sis, roster/);
      misused(await cli('client', 'permissions', '--id', roster.id), /one of --grant and --revoke/);
      assert.equal((await show(roster.id)).metadata.permissions, undefined, 'nothing granted by a refusal');

      const grant = await cli('client', 'permissions', '--id', roster.id, '--grant', 'roster', '--school', mine);
      ok(grant);
      assert.match(grant.stdout, new RegExp(`permissions roster; schools ${mine}`));
      assert.ok(await eventually(async () => (await rosterApi(mine)).status === 200));
      assert.deepEqual(await rosterApi(other), { status: 403, error: 'school_not_allowed' });
      assert.deepEqual(await rosterApi(municipal), { status: 403, error: 'school_not_eligible' });
      const listed = (await cli('client', 'list')).stdout.split('\n').find((l) => l.startsWith(`${roster.id}  `));
      assert.equal(listed, `${roster.id}  ${roster.id}  third-party  permissions=roster  schools=${mine}  enabled`);

      ok(await cli('client', 'permissions', '--id', roster.id, '--revoke', 'roster'));
      assert.ok(await eventually(async () => (await rosterApi(mine)).status === 403));
      assert.deepEqual(await rosterApi(mine), { status: 403, error: 'insufficient_permission' });
      const metadata = (await show(roster.id)).metadata;
      assert.equal(metadata.permissions, undefined);
      assert.equal(metadata.school_codes, undefined, 'the schools went with the permission');

      // The permission alone is for no school.
      const bare = await cli('client', 'permissions', '--id', roster.id, '--grant', 'roster');
      ok(bare);
      assert.match(bare.stdout, /schools none/);
      assert.ok(await eventually(async () => (await rosterApi(mine)).error === 'school_not_allowed'));
    });

    it('disables a client (no token, no sign-in, no API) and enables it again', async () => {
      assert.equal(await authorize(keep.id), 303);
      const disable = await cli('client', 'disable', '--id', keep.id);
      ok(disable);
      assert.match(disable.stdout, /disabled/);
      assert.ok(await eventually(async () => (await token(keep.id, newSecret)).status === 401));
      assert.equal((await token(keep.id, newSecret)).error, 'invalid_client');
      assert.equal(await authorize(keep.id), 400);
      assert.match((await cli('client', 'disable', '--id', keep.id)).stdout, /already disabled/);
      assert.match((await cli('client', 'list')).stdout, new RegExp(`^${keep.id} .* disabled$`, 'm'));
      assert.equal((await show(keep.id)).metadata.disabled, true);
      refused(
        await cli(
          'client',
          'add',
          '--id',
          keep.id,
          '--secret',
          'x-secret-0123456789abcdefghijklmnopqr',
          '--redirect-uri',
          CALLBACK,
        ),
        /already exists/,
      );

      ok(await cli('client', 'disable', '--id', roster.id));
      assert.ok(await eventually(async () => (await rosterApi('000001')).status === 401), 'nor the API');

      ok(await cli('client', 'enable', '--id', keep.id));
      ok(await cli('client', 'enable', '--id', roster.id));
      assert.ok(await eventually(async () => (await token(keep.id, newSecret)).status === 200));
      assert.equal(await authorize(keep.id), 303);
      assert.ok(await eventually(async () => (await rosterApi('000001')).status === 404));
      const { metadata } = await show(keep.id);
      assert.equal(metadata.disabled, false);
      assert.deepEqual(metadata.permissions, ['sis'], 'enable restores the client as it was');
    });

    it('audits every change, never with the secret', async () => {
      const rows: { actor: string; action: string; subject: string; detail: unknown }[] = await server.storage
        .db('audit_events')
        .whereIn('subject', [keep.id, roster.id])
        .orderBy('id');
      const actions = (id: string) => rows.filter((r) => r.subject === id).map((r) => r.action);
      assert.deepEqual(actions(keep.id), [
        'client.created',
        'client.permissions',
        'client.updated',
        'client.updated',
        'client.disabled',
        'client.enabled',
      ]);
      assert.deepEqual(actions(roster.id), [
        'client.created',
        'client.permissions',
        'client.permissions',
        'client.permissions',
        'client.disabled',
        'client.enabled',
      ]);
      assert.ok(rows.every((r) => r.actor === 'cli'));
      const detail = (r: { detail: unknown }) =>
        (typeof r.detail === 'string' ? JSON.parse(r.detail) : r.detail) as Record<string, unknown>;
      const updates = rows.filter((r) => r.subject === keep.id && r.action === 'client.updated').map(detail);
      assert.deepEqual(updates, [{ fields: ['client_name', 'redirect_uris'] }, { fields: ['client_secret'] }]);
      const grant = rows.find((r) => r.subject === roster.id && r.action === 'client.permissions' && detail(r).grant);
      assert.ok(grant && Array.isArray(detail(grant).school_codes));
      const text = JSON.stringify(rows);
      for (const secret of [keep.secret, newSecret, roster.secret]) assert.ok(!text.includes(secret));
    });
  });

  it('explains bad usage with exit code 2', async () => {
    const unknown = await cli('frobnicate');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /usage: campus-sso/);
    const badFlag = await cli('person', 'add', '--bogus');
    assert.equal(badFlag.status, 2);
    const missing = await cli('client', 'add', '--id', 'x', '--secret', 'y');
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /--redirect-uri is required/);
    const badUri = await cli('client', 'add', '--id', 'x', '--secret', 'y', '--redirect-uri', 'not a url');
    assert.equal(badUri.status, 2);
  });

  it('works without a running server too', { skip: process.env.DATABASE_URL ? 'embedded mode only' : false }, () => {
    const env = { ...process.env, ...testEnv() };
    const run = spawnSync(
      process.execPath,
      [bin, 'person', 'add', '--username', 'offline', '--password', 'Solo-Pass-4829', '--name', 'Offline'],
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
