// Roster registration over HTTP (SPEC §4 flow 9, seed 000 §9): the school credential API (client authentication,
// the `roster` permission, the schools granted to the client, vocational and private schools only, row-indexed
// validation, all or nothing, listing without hashes), then
// the person's flow both ways (a new account; the identity added to an existing one), wrong and reused credentials,
// the person check after failures, and CSRF.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../../src/domain/people/passwords.ts';
import { upsertSchool } from '../../../src/domain/schools/schools.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { REGISTRATION, ROSTER_CHECK } from '../../../src/platform/limits.ts';
import { newPerson, signInToAccount } from '../../helpers/account.ts';
import { Agent, formAction, hiddenField, type Step } from '../../helpers/agent.ts';
import { challengeFields } from '../../helpers/challenge.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import { registerClient } from '../../helpers/rp.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const FORM = 'application/x-www-form-urlencoded';
const tag = () => crypto.randomBytes(4).toString('hex');
const randomSchoolCode = () => String(crypto.randomInt(900000, 1000000));
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe(`roster registration (${storageMode})`, () => {
  let server: TestServer;
  let base: string;
  const codes = new Set<string>();
  const newCode = () => {
    let code = randomSchoolCode();
    while (codes.has(code)) code = randomSchoolCode();
    codes.add(code);
    return code;
  };
  const school = newCode();
  const otherSchool = newCode();
  /** A municipal junior high: not a school roster registration is for. */
  const municipalSchool = newCode();
  /** A code no school has. */
  const noSchool = newCode();
  const roster = { id: `roster-${tag()}`, secret: `roster-secret-${tag()}-0123456789abcdef` };
  const bound = { id: `roster-bound-${tag()}`, secret: `bound-secret-${tag()}-0123456789abcdef` };
  const unscoped = { id: `roster-unscoped-${tag()}`, secret: `unscoped-secret-${tag()}-0123456789abcdef` };
  const municipal = { id: `roster-municipal-${tag()}`, secret: `municipal-secret-${tag()}-0123456789abcdef` };
  const plain = { id: `roster-none-${tag()}`, secret: `none-secret-${tag()}-0123456789abcdef` };

  before(async () => {
    server = await startTestServer();
    base = server.issuer;
    const db = server.storage.db;
    await upsertSchool(db, { code: school, name: `私立測試高職${school}`, level: 'vocational', kind: 'private' });
    await upsertSchool(db, {
      code: otherSchool,
      name: `私立另一高職${otherSchool}`,
      level: 'vocational',
      kind: 'private',
    });
    await upsertSchool(db, { code: municipalSchool, name: `市立測試國中${municipalSchool}`, level: 'junior' });
    await registerClient(
      server,
      { client_id: roster.id, permissions: ['roster'], school_codes: [school, noSchool] },
      roster.secret,
    );
    await registerClient(
      server,
      { client_id: bound.id, permissions: ['roster'], school_codes: [otherSchool] },
      bound.secret,
    );
    // Granted the permission but no school: it may act for none.
    await registerClient(server, { client_id: unscoped.id, permissions: ['roster'] }, unscoped.secret);
    await registerClient(
      server,
      { client_id: municipal.id, permissions: ['roster'], school_codes: [municipalSchool] },
      municipal.secret,
    );
    await registerClient(server, { client_id: plain.id }, plain.secret);
    for (const ip of ['127.0.0.1', '::1', '::ffff:127.0.0.1'])
      await server.services.throttle.reset(ROSTER_CHECK.address, ip);
  });
  after(async () => {
    await server?.close();
  });

  const api = (code: string, init: RequestInit = {}) => fetch(`${base}/api/schools/${code}/roster-credentials`, init);
  const put = (code: string, body: unknown, auth = basic(roster.id, roster.secret)) =>
    api(code, {
      method: 'PUT',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  /** Uploads one credential of its own; returns its account and password. */
  async function credential(role = 'student', extra: Record<string, unknown> = {}) {
    const account = `s${tag()}`;
    const password = `pw-${tag()}`;
    const res = await put(school, [
      { role, account, password, name: '陳同學', class_code: '101', seat: 7, student_no: `A${tag()}`, ...extra },
    ]);
    assert.equal(res.status, 200, await res.clone().text());
    return { account, password };
  }

  async function pickPage(agent: Agent) {
    const page = await agent.request(`${base}/register/roster`);
    assert.equal(page.status, 200);
    return page;
  }

  /** Posts the first page from the page shown (its CSRF token; the person check passed when it is asked). */
  async function postPick(agent: Agent, fields: Record<string, string>): Promise<Step> {
    const page = await pickPage(agent);
    const form: Record<string, string> = { _csrf: hiddenField(page.body, '_csrf'), school, kind: 'student', ...fields };
    if (page.body.includes('<altcha-widget')) Object.assign(form, await challengeFields(base));
    return agent.request(`${base}/register/roster`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams(form).toString(),
    });
  }

  const postForm = (agent: Agent, path: string, page: Step, fields: Record<string, string>) =>
    agent.request(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({ _csrf: hiddenField(page.body, '_csrf'), ...fields }).toString(),
    });

  const stored = (account: string) =>
    server.storage.db('roster_credentials').where({ school_code: school, account }).first();

  describe('the credential API', () => {
    it('refuses a missing or wrong client secret (401), a client without the permission or the school (403)', async () => {
      const row = [{ role: 'student', account: 'x1', password: 'pw-12345', name: '甲' }];
      const none = await api(school, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(row),
      });
      assert.equal(none.status, 401);
      assert.match(none.headers.get('www-authenticate') ?? '', /^Basic/);
      assert.equal((await put(school, row, basic(roster.id, 'wrong-secret'))).status, 401);
      assert.equal((await put(school, row, basic('no-such-client', 'x'))).status, 401);
      const noPermission = await put(school, row, basic(plain.id, plain.secret));
      assert.equal(noPermission.status, 403);
      assert.equal((await noPermission.json()).error, 'insufficient_permission');
      const otherBound = await put(school, row, basic(bound.id, bound.secret));
      assert.equal(otherBound.status, 403, 'bound to another school');
      assert.equal((await otherBound.json()).error, 'school_not_allowed');
      const noSchools = await put(school, row, basic(unscoped.id, unscoped.secret));
      assert.equal(noSchools.status, 403, 'the roster permission without schools is for no school');
      assert.equal((await noSchools.json()).error, 'school_not_allowed');
      const noSchoolsGet = await api(otherSchool, { headers: { authorization: basic(unscoped.id, unscoped.secret) } });
      assert.equal((await noSchoolsGet.json()).error, 'school_not_allowed');
      assert.equal((await api(school, { headers: { authorization: basic(plain.id, plain.secret) } })).status, 403);
      assert.equal((await api(school)).status, 401);
      assert.equal(await stored('x1'), undefined);
      // The bound client may write its own school.
      assert.equal((await put(otherSchool, row, basic(bound.id, bound.secret))).status, 200);
    });

    it('refuses schools roster registration is not for (403), and answers 404 for an unknown school only after authentication', async () => {
      const row = [{ role: 'student', account: 'x2', password: 'pw-12345', name: '甲' }];
      const notEligible = await put(municipalSchool, row, basic(municipal.id, municipal.secret));
      assert.equal(notEligible.status, 403);
      assert.equal((await notEligible.json()).error, 'school_not_eligible');
      const listing = await api(municipalSchool, { headers: { authorization: basic(municipal.id, municipal.secret) } });
      assert.equal((await listing.json()).error, 'school_not_eligible');
      // Whether the client lists the school or not.
      const listed = await put(municipalSchool, row, basic(roster.id, roster.secret));
      assert.equal((await listed.json()).error, 'school_not_eligible');
      assert.equal(
        await server.storage.db('roster_credentials').where({ school_code: municipalSchool }).first(),
        undefined,
      );

      const unknown = await put(noSchool, row, basic(roster.id, roster.secret));
      assert.equal(unknown.status, 404);
      assert.equal((await unknown.json()).error, 'unknown_school');
      assert.equal((await put(noSchool, row, basic(unscoped.id, unscoped.secret))).status, 404);
      assert.equal((await put(noSchool, row, basic(roster.id, 'wrong-secret'))).status, 401, 'strangers learn nothing');
      assert.equal((await put(noSchool, row, basic(plain.id, plain.secret))).status, 403);
    });

    it('answers 400 with errors by row index and writes nothing when any row is bad', async () => {
      const good = `ok${tag()}`;
      const res = await put(school, [
        { role: 'student', account: good, password: 'pw-12345', name: '乙' },
        { role: 'wizard', account: 'bad row!', name: '' },
        { role: 'teacher', account: good, password: 'pw-56789', name: '丙' },
        { role: 'student', account: `${good}x`, password: 'pw-12345', name: '乙😀' },
      ]);
      assert.equal(res.status, 400);
      const body = (await res.json()) as { error: string; errors: { index: number; field: string }[] };
      assert.equal(body.error, 'invalid_request');
      const fields = body.errors.map((e) => `${e.index}:${e.field}`);
      for (const f of ['1:role', '1:account', '1:name', '2:account', '3:name'])
        assert.ok(fields.includes(f), `${f} in ${fields.join(', ')}`);
      assert.ok(!body.errors.some((e) => e.index === 0));
      assert.equal(await stored(good), undefined, 'all or nothing');
      assert.equal((await put(school, { not: 'an array' })).status, 400);
      const broken = await api(school, {
        method: 'PUT',
        headers: { authorization: basic(roster.id, roster.secret), 'content-type': 'application/json' },
        body: '[{',
      });
      assert.equal(broken.status, 400);
      assert.equal((await put('12345', [])).status, 404);
    });

    it('refuses a slip password shorter than 8 characters (400, naming the row and field); 8 are taken; a hash as before', async () => {
      const short = `s${tag()}`;
      const refused = await put(school, [{ role: 'student', account: short, password: 'Tq7-kd2', name: '甲' }]);
      assert.equal(refused.status, 400);
      const body = (await refused.json()) as {
        error: string;
        errors: { index: number; field: string; message: string }[];
      };
      assert.equal(body.error, 'invalid_request');
      assert.deepEqual(body.errors, [{ index: 0, field: 'password', message: 'at least 8 characters' }]);
      assert.equal(await stored(short), undefined, 'nothing written');

      const enough = await put(school, [{ role: 'student', account: short, password: 'Tq7-kd2p', name: '甲' }]);
      assert.equal(enough.status, 200);
      assert.ok((await stored(short))?.password_hash, 'the 8-character password is kept (hashed)');
      const hashed = `h${tag()}`;
      const hash = await hashPassword('abc', 4);
      const taken = await put(school, [{ role: 'student', account: hashed, password_hash: hash, name: '乙' }]);
      assert.equal(taken.status, 200, 'a bcrypt hash is taken as it is');

      // The reference says so.
      const doc = await (await fetch(`${server.issuer}/api/openapi.json`)).json();
      const text = JSON.stringify(doc);
      assert.match(text, /"minLength":8/);
      assert.ok(text.includes('at least 8 characters'));
    });

    it('upserts by account and lists accounts with their claimed status, never hashes', async () => {
      const a = `u${tag()}`;
      const b = `u${tag()}`;
      const hash = await hashPassword('pre-hashed', 4);
      const first = await put(school, [
        {
          role: 'student',
          account: a,
          password: 'first-pw',
          name: '丁',
          class_code: '201',
          seat: 3,
          student_no: 'S001',
        },
        { role: 'teacher', account: b, password_hash: hash, name: '戊' },
      ]);
      assert.equal(first.status, 200);
      assert.deepEqual(await first.json(), { school, inserted: 2, updated: 0 });
      const again = await put(school, [{ role: 'student', account: a, password: 'second-pw', name: '丁二' }]);
      assert.deepEqual(await again.json(), { school, inserted: 0, updated: 1 });
      const row = await stored(a);
      assert.equal(row.name, '丁二');
      assert.match(row.password_hash, /^\$2[aby]\$/);
      assert.equal((await stored(b)).password_hash, hash);

      const list = await api(school, { headers: { authorization: basic(roster.id, roster.secret) } });
      assert.equal(list.status, 200);
      const text = await list.text();
      assert.ok(!text.includes('$2'), 'no hashes');
      const body = JSON.parse(text) as { school: string; credentials: { account: string; claimed: boolean }[] };
      assert.equal(body.school, school);
      assert.deepEqual(
        body.credentials.find((c) => c.account === a),
        {
          account: a,
          role: 'student',
          name: '丁二',
          class_code: null,
          seat: null,
          student_no: null,
          claimed: false,
          claimed_at: null,
        },
      );
    });
  });

  describe('the flow', () => {
    it('lists only schools with credentials, refuses a wrong credential with one generic message', async () => {
      const cred = await credential();
      const agent = new Agent();
      const page = await pickPage(agent);
      assert.ok(page.body.includes(`value="${school}"`));
      assert.match(page.body, /autocomplete="current-password"/);
      assert.ok(page.body.includes(zh('roster.hint.account')), 'where the verification account is found');
      assert.ok(page.body.includes('href="/register"') && page.body.includes('href="/"'), 'ways on for the wrong door');
      // Nothing filled in: each field says what it needs, marked for assistive technology; what was typed stays.
      const empty = await postPick(agent, { school: '', kind: '', account: '', password: '' });
      assert.equal(empty.status, 400);
      assert.ok(empty.body.includes(zh('roster.errors.missing')));
      for (const [id, key] of [
        ['school', 'roster.errors.school'],
        ['kind', 'roster.errors.kind'],
        ['account', 'roster.errors.account'],
        ['password', 'roster.errors.password'],
      ] as const) {
        assert.ok(empty.body.includes(`<p class="field-error" id="${id}-error">${zh(key)}</p>`), id);
        assert.match(
          empty.body,
          new RegExp(`id="${id}"[^>]*aria-invalid="true"[^>]*aria-describedby="[^"]*${id}-error`),
          id,
        );
      }
      const half = await postPick(agent, { account: 'typed-account', password: '' });
      assert.ok(half.body.includes('value="typed-account"') && half.body.includes('id="password-error"'));
      assert.ok(!half.body.includes('id="account-error"') && !half.body.includes('id="school-error"'));
      const wrong = await postPick(agent, { account: cred.account, password: 'not-it' });
      assert.equal(wrong.status, 400);
      assert.ok(wrong.body.includes(zh('roster.errors.wrong')));
      const unknown = await postPick(agent, { account: 'nobody-here', password: 'not-it' });
      assert.ok(unknown.body.includes(zh('roster.errors.wrong')), 'an unknown account gets the same message');
      const wrongKind = await postPick(agent, { account: cred.account, password: cred.password, kind: 'teacher' });
      assert.ok(wrongKind.body.includes(zh('roster.errors.wrong')), 'the identity must match too');
      assert.equal(agent.cookies.has('roster_ticket'), false);
      const choose = await agent.request(`${base}/register/roster/choose`);
      assert.equal(choose.status, 303, 'no ticket: back to the start');
    });

    it('asks for the person check after three failures', async () => {
      const agent = new Agent();
      for (let i = 0; i < 3; i++) await postPick(agent, { account: `nobody-${i}`, password: 'not-it' });
      const page = await pickPage(agent);
      assert.match(page.body, /<altcha-widget/);
      const missing = await agent.request(`${base}/register/roster`, {
        method: 'POST',
        headers: { 'content-type': FORM },
        body: new URLSearchParams({
          _csrf: hiddenField(page.body, '_csrf'),
          school,
          kind: 'student',
          account: 'a',
          password: 'b',
        }).toString(),
      });
      assert.equal(missing.status, 400);
      assert.ok(missing.body.includes(zh('challenge.required')));
      for (const ip of ['127.0.0.1', '::1', '::ffff:127.0.0.1'])
        await server.services.throttle.reset(ROSTER_CHECK.address, ip);
    });

    it('refuses even the right password after ten failures on one account (429)', async () => {
      const cred = await credential();
      const agent = new Agent();
      for (let i = 0; i < 10; i++) await postPick(agent, { account: cred.account, password: `guess-${i}` });
      const limited = await postPick(agent, { account: cred.account, password: cred.password });
      assert.equal(limited.status, 429);
      assert.ok(limited.body.includes(zh('roster.errors.limited')));
      for (const ip of ['127.0.0.1', '::1', '::ffff:127.0.0.1'])
        await server.services.throttle.reset(ROSTER_CHECK.address, ip);
    });

    it('refuses a form post without the CSRF token', async () => {
      const agent = new Agent();
      await pickPage(agent);
      const res = await agent.request(`${base}/register/roster`, {
        method: 'POST',
        headers: { 'content-type': FORM },
        body: new URLSearchParams({ school, kind: 'student', account: 'a', password: 'b' }).toString(),
      });
      assert.equal(res.status, 403);
      const res2 = await agent.request(`${base}/register/roster/new`, {
        method: 'POST',
        headers: { 'content-type': FORM },
        body: new URLSearchParams({ _csrf: 'x'.repeat(43), email: 'a@b.c' }).toString(),
      });
      assert.equal(res2.status, 403);
    });

    it('registers a new account: the name prefilled, the identity from the roster, the credential claimed, then not usable again', async () => {
      const cred = await credential();
      const agent = new Agent();
      const ok = await postPick(agent, { account: cred.account, password: cred.password });
      assert.equal(ok.status, 303, ok.body.slice(0, 300));
      assert.equal(ok.location, `${base}/register/roster/choose`);
      const choose = await agent.request(ok.location!);
      assert.equal(choose.status, 200);
      assert.ok(
        choose.body.includes('href="/register/roster/new"') && choose.body.includes('href="/account/roster-identity"'),
      );
      const enChoose = await agent.request(`${base}/register/roster/choose?lang=en`);
      assert.ok(enChoose.body.includes(translator('en')('roster.verified.register')));

      const form = await agent.request(`${base}/register/roster/new`);
      assert.equal(form.status, 200);
      assert.match(form.body, /<input id="name"[^>]*value="陳同學"/);
      const email = `roster-${tag()}@example.org`;
      const fields = {
        email,
        name: '陳同學',
        national_id: randomNationalId(),
        password: 'Blue-Kettle-1987',
        password_confirm: 'Blue-Kettle-1987',
        phone: '',
        gender: '',
      };
      const bad = await postForm(agent, '/register/roster/new', form, { ...fields, password_confirm: 'other' });
      assert.equal(bad.status, 400);
      assert.match(bad.body, /id="password_confirm-error"/);
      assert.ok(bad.body.includes(`value="${email}"`), 'typed values kept');
      const done = await postForm(agent, '/register/roster/new', bad, fields);
      assert.equal(done.status, 303, done.body.slice(0, 500));
      assert.equal(done.location, `${base}/register/done`);
      // Its ticket is used: the form sent again goes back to the start, which says why (it said nothing).
      const spent = await postForm(agent, '/register/roster/new', bad, fields);
      assert.equal(spent.location, `${base}/register/roster?again=1`);
      const start = await agent.request(spent.location!);
      assert.ok(start.body.includes(translator('en')('roster.errors.startAgain')), 'this agent chose English');

      const db = server.storage.db;
      const person = await db('persons').where({ email }).first();
      assert.equal(person.status, 'pending');
      const identity = await db('identities').where({ person_id: person.id }).first();
      assert.equal(identity.source, 'roster');
      assert.equal(identity.school_code, school);
      assert.equal(identity.role, 'student');
      assert.equal(identity.status, 'active');
      const attributes =
        typeof identity.attributes === 'string' ? JSON.parse(identity.attributes) : identity.attributes;
      assert.equal(attributes.seat, 7);
      const row = await stored(cred.account);
      assert.equal(row.claimed_by_person_id, person.id);
      assert.ok(row.claimed_at);

      const mail = await db('outbox_messages').where({ recipient: email, kind: 'registration_activation' }).first();
      const link = /(http\S+\/register\/activate\?token=[\w-]+)/.exec(mail.text_body)?.[1];
      assert.ok(link);
      const opener = new Agent();
      let activated = await opener.follow(link);
      // The link's page may ask for a press of its button (so that mail scanners activate no one).
      if (/<form[^>]*action="\/register\/activate"/.test(activated.body))
        activated = await opener.submit(formAction(activated.body, /\/register\/activate$/, activated.url), {
          _csrf: hiddenField(activated.body, '_csrf'),
          token: hiddenField(activated.body, 'token'),
          password: 'Blue-Kettle-1987',
        });
      assert.equal(activated.status, 200);
      assert.equal((await db('persons').where({ id: person.id }).first()).status, 'active');

      // The ticket is used up, and the claimed credential is refused with the generic message.
      assert.equal((await agent.request(`${base}/register/roster/new`)).status, 303);
      const reuse = await postPick(new Agent(), { account: cred.account, password: cred.password });
      assert.equal(reuse.status, 400);
      assert.ok(reuse.body.includes(zh('roster.errors.wrong')));
      const list = (await (
        await api(school, { headers: { authorization: basic(roster.id, roster.secret) } })
      ).json()) as { credentials: { account: string; claimed: boolean }[] };
      assert.equal(list.credentials.find((c) => c.account === cred.account)?.claimed, true);
    });

    it('tells whether a national ID or email is taken only so many times per slip and per address (429 past either)', async () => {
      const taken = await newPerson(server.storage.db);
      const fields = (email: string) => ({
        email,
        name: '陳同學',
        national_id: randomNationalId(),
        password: 'Blue-Kettle-1987',
        password_confirm: 'Blue-Kettle-1987',
        phone: '',
        gender: '',
      });
      // One slip, one ticket: the real pupil still hears that the email has an account, ten times.
      const cred = await credential();
      const agent = new Agent();
      assert.equal((await postPick(agent, { account: cred.account, password: cred.password })).status, 303);
      let page = await agent.request(`${base}/register/roster/new`);
      for (let i = 0; i < ROSTER_CHECK.lookupsPerSlip.max; i++) {
        page = await postForm(agent, '/register/roster/new', page, fields(taken.email));
        assert.equal(page.status, 400, `lookup ${i + 1}`);
        assert.ok(page.body.includes(zh('registration.errors.emailTaken')), `lookup ${i + 1} says why`);
      }
      // Past the slip's limit: the translated 429 page, whatever is typed; a new ticket for the same slip changes nothing.
      const over = await postForm(agent, '/register/roster/new', page, fields(`roster-${tag()}@example.org`));
      assert.equal(over.status, 429);
      assert.ok(over.body.includes(zh('error.tooMany')));
      assert.ok(!over.body.includes(zh('registration.errors.emailTaken')));
      const again = new Agent();
      assert.equal((await postPick(again, { account: cred.account, password: cred.password })).status, 303);
      const form = await again.request(`${base}/register/roster/new`);
      const still = await postForm(again, '/register/roster/new', form, fields(taken.email));
      assert.equal(still.status, 429);
      assert.ok(!still.body.includes(zh('registration.errors.emailTaken')));
      assert.equal((await stored(cred.account)).claimed_by_person_id, null, 'the slip is not used up');

      // Per network address, counted with /register's step 1: a fresh slip is refused once the address used its checks.
      const ips = ['127.0.0.1', '::1', '::ffff:127.0.0.1'];
      const { throttle } = server.services;
      for (const ip of ips)
        while ((await throttle.count(REGISTRATION.lookupsPerAddress, ip)) < REGISTRATION.lookupsPerAddress.max)
          await throttle.hit(REGISTRATION.lookupsPerAddress, ip);
      try {
        const fresh = await credential();
        const other = new Agent();
        assert.equal((await postPick(other, { account: fresh.account, password: fresh.password })).status, 303);
        const freshForm = await other.request(`${base}/register/roster/new`);
        const refused = await postForm(other, '/register/roster/new', freshForm, fields(taken.email));
        assert.equal(refused.status, 429);
        assert.ok(refused.body.includes(zh('error.tooMany')));
        assert.ok(!refused.body.includes(zh('registration.errors.emailTaken')));
      } finally {
        for (const ip of ips) await throttle.reset(REGISTRATION.lookupsPerAddress, ip);
      }
    });

    it('adds the identity to an existing account after signing in through the account portal', async () => {
      const cred = await credential('teacher', { class_code: undefined, seat: undefined, student_no: undefined });
      const person = await newPerson(server.storage.db);
      const agent = new Agent();
      const ok = await postPick(agent, { account: cred.account, password: cred.password, kind: 'teacher' });
      assert.equal(ok.status, 303);
      const redirect = await agent.request(`${base}/account/roster-identity`);
      assert.equal(redirect.status, 302);
      assert.match(redirect.location!, /\/account\/sign-in\?return_to=%2Faccount%2Froster-identity$/);
      const page = await signInToAccount(base, agent, person.username, person.password, '/account/roster-identity');
      assert.equal(page.status, 200);
      assert.ok(page.body.includes('陳同學'));
      const added = await postForm(agent, '/account/roster-identity', page, {});
      assert.equal(added.status, 303);
      assert.equal(added.location, `${base}/account/identities`);
      const identity = await server.storage
        .db('identities')
        .where({ person_id: person.id, school_code: school })
        .first();
      assert.equal(identity.role, 'teacher');
      assert.equal(identity.source, 'roster');
      assert.equal((await stored(cred.account)).claimed_by_person_id, person.id);
      const audit = await server.storage
        .db('audit_events')
        .where({ subject: person.id, action: 'roster_credential.claimed' })
        .first();
      assert.ok(audit);

      // The ticket was used once; the credential cannot be verified again.
      assert.equal((await agent.request(`${base}/account/roster-identity`)).status, 303);
      const reuse = await postPick(agent, { account: cred.account, password: cred.password, kind: 'teacher' });
      assert.ok(reuse.body.includes(zh('roster.errors.wrong')));
    });
  });
});
