// Registration and identity change pushed by the school-affairs system (SPEC §4 flows 2–3, seed 000 §2, §3, §8),
// over HTTP: the two server-to-server calls (client authentication, the `sis` permission, validation, lookup),
// then the browser side in both modes — consent, the prefilled wizard, activation, the identity added — and every
// refusal: a handle used twice, expired, opened in another browser, declined, the wrong person signed in.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { activeIdentities } from '../../../src/domain/identities/identities.ts';
import { maskNationalId } from '../../../src/domain/people/national-id.ts';
import { sealNationalId } from '../../../src/domain/people/national-id-store.ts';
import { insertPerson } from '../../../src/domain/people/persons.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { API_CLIENT_AUTH } from '../../../src/platform/limits.ts';
import { oneUseKey } from '../../../src/platform/one-use.ts';
import { newPerson, signInToAccount } from '../../helpers/account.ts';
import { Agent, activateByLink, hiddenField, type Step } from '../../helpers/agent.ts';
import { challengeFields } from '../../helpers/challenge.ts';
import { randomNationalId, withWrongCheckDigit } from '../../helpers/national-ids.ts';
import { registerClient } from '../../helpers/rp.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const SCHOOL = '353604'; // 臺北市立示範國民中學 (demo data), class 701
const SIS = 'https://sis.example.test';
const RETURN = `${SIS}/sso/back`;
const SECRET = 'sis-secret-0123456789abcdefghijklmnop';
const PASSWORD = 'Blue-Kettle-1987';
const FORM = 'application/x-www-form-urlencoded';

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const uniqueEmail = () => `sis-${crypto.randomBytes(4).toString('hex')}@example.org`;

describe(`registration pushed by the school-affairs system (${storageMode})`, () => {
  let server: TestServer;
  let base: string;
  const db = () => server.storage.db;

  before(async () => {
    server = await startTestServer();
    base = server.issuer;
    await registerClient(server, { client_id: 'sis-test', redirect_uris: [`${SIS}/cb`], permissions: ['sis'] }, SECRET);
    await registerClient(server, { client_id: 'sis-noperm', redirect_uris: [`${SIS}/cb`] }, SECRET);
  });
  after(async () => {
    await server?.close();
  });

  function api(path: string, body: unknown, auth = basic('sis-test', SECRET)) {
    return fetch(`${base}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...(auth ? { authorization: auth } : {}),
      },
      body: JSON.stringify(body),
    });
  }

  function person(overrides: Record<string, unknown> = {}) {
    return {
      mode: 'register',
      national_id: randomNationalId(),
      name: '何超人',
      birthdate: '1980-04-12',
      gender: 'male',
      email: uniqueEmail(),
      mobile: '0912345678',
      role: 'student',
      school_code: SCHOOL,
      class: '701',
      seat: 12,
      student_number: 'S1130012',
      return_url: RETURN,
      ...overrides,
    };
  }

  async function push(body: Record<string, unknown>): Promise<{ handle: string; url: string }> {
    const res = await api('/api/sis/handles', body);
    const json = await res.json();
    assert.equal(res.status, 201, JSON.stringify(json));
    return json as { handle: string; url: string };
  }

  async function lookup(body: Record<string, unknown>) {
    const res = await api('/api/sis/lookup', body);
    assert.equal(res.status, 200);
    return res.json();
  }

  const issued = async () =>
    Number((await db()('audit_events').where({ action: 'sis.handoff_issued' }).count({ n: '*' }).first())!.n);

  function post(agent: Agent, path: string, fields: Record<string, string>) {
    return agent.request(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams(fields).toString(),
    });
  }

  /** Opens the handle's URL and lands on the consent page. */
  async function openConsent(agent: Agent, url: string): Promise<Step> {
    const start = await agent.request(url);
    assert.equal(start.status, 303, start.body.slice(0, 200));
    assert.equal(start.location, `${base}/register/sis/consent`);
    return agent.request(start.location!);
  }

  describe('the API', () => {
    it('refuses a client without credentials, with a wrong secret or unknown (401 invalid_client) and one without the sis permission (403)', async () => {
      const before = await issued();
      for (const auth of ['', basic('sis-test', 'wrong-secret'), basic('nobody', SECRET), 'Bearer abc']) {
        const res = await api('/api/sis/handles', person(), auth);
        assert.equal(res.status, 401, auth);
        assert.match(res.headers.get('www-authenticate') ?? '', /^Basic /);
        assert.equal((await res.json()).error, 'invalid_client');
      }
      const lookupRes = await api('/api/sis/lookup', { national_id: randomNationalId() }, basic('sis-test', 'nope'));
      assert.equal(lookupRes.status, 401);
      const forbidden = await api('/api/sis/handles', person(), basic('sis-noperm', SECRET));
      assert.equal(forbidden.status, 403);
      assert.equal((await forbidden.json()).error, 'insufficient_permission');
      assert.equal(
        (await api('/api/sis/lookup', { national_id: randomNationalId() }, basic('sis-noperm', SECRET))).status,
        403,
      );
      assert.equal(await issued(), before, 'no handle issued');
    });

    it('counts failed client authentications per client (at an address) and per address: past the limit, 429 even with the right secret', async () => {
      const throttle = server.services.throttle;
      await registerClient(
        server,
        { client_id: 'sis-guessed', redirect_uris: [`${SIS}/cb`], permissions: ['sis'] },
        SECRET,
      );
      const loopback = ['127.0.0.1', '::ffff:127.0.0.1', '::1'];
      const lookup = (auth: string) => api('/api/sis/lookup', { national_id: randomNationalId() }, auth);
      try {
        for (let i = 0; i < API_CLIENT_AUTH.client.max; i++)
          assert.equal((await lookup(basic('sis-guessed', `guess-${i}`))).status, 401);
        const limited = await lookup(basic('sis-guessed', SECRET));
        assert.equal(limited.status, 429);
        assert.equal(limited.headers.get('retry-after'), String(API_CLIENT_AUTH.client.windowSeconds));
        assert.equal((await limited.json()).error, 'too_many');
        assert.equal((await lookup(basic('sis-test', SECRET))).status, 200, 'another client goes on');

        for (const a of loopback)
          for (let i = 0; i < API_CLIENT_AUTH.address.max; i++) await throttle.hit(API_CLIENT_AUTH.address, a);
        assert.equal(
          (await lookup(basic('sis-test', SECRET))).status,
          429,
          'and an address that failed so often waits',
        );
      } finally {
        for (const a of loopback) await throttle.reset(API_CLIENT_AUTH.client, `sis-guessed\0${a}`);
        for (const a of loopback) await throttle.reset(API_CLIENT_AUTH.address, a);
      }
      assert.equal((await lookup(basic('sis-guessed', SECRET))).status, 200);
    });

    it('answers bad fields with 400 and each field named: checksum, unknown school, unknown class, foreign return URL, missing mode', async () => {
      const before = await issued();
      const cases: [Record<string, unknown>, string, string][] = [
        [{ national_id: withWrongCheckDigit(randomNationalId()) }, 'national_id', 'invalid_national_id'],
        [{ school_code: '999999' }, 'school_code', 'unknown_school'],
        [{ school_code: 'abc' }, 'school_code', 'unknown_school'],
        [{ class: '799' }, 'class', 'unknown_class'],
        [{ return_url: 'https://evil.example.test/x' }, 'return_url', 'return_url_not_registered'],
        [{ mode: undefined }, 'mode', 'invalid_value'],
        [{ role: 'admin' }, 'role', 'invalid_value'],
      ];
      for (const [overrides, field, code] of cases) {
        const res = await api('/api/sis/handles', person(overrides));
        const json = await res.json();
        assert.equal(res.status, 400, field);
        assert.equal(json.error, 'invalid_request');
        assert.equal(json.fields[field], code, `${field}: ${JSON.stringify(json.fields)}`);
      }
      const notJson = await fetch(`${base}/api/sis/handles`, {
        method: 'POST',
        headers: {
          authorization: basic('sis-test', SECRET),
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: '{',
      });
      assert.equal(notJson.status, 400);
      assert.equal(await issued(), before, 'no handle issued');
      const badLookup = await api('/api/sis/lookup', { national_id: withWrongCheckDigit(randomNationalId()) });
      assert.equal(badLookup.status, 400);
      assert.equal((await badLookup.json()).fields.national_id, 'invalid_national_id');
    });

    it('issues a one-use handle for 10 minutes, stored sealed', async () => {
      const p = person();
      const res = await api('/api/sis/handles', p);
      assert.equal(res.status, 201);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const json = await res.json();
      assert.deepEqual(Object.keys(json).sort(), ['expires_in', 'handle', 'url']);
      assert.equal(json.expires_in, 600);
      assert.equal(json.url, `${base}/register/sis?handle=${json.handle}`);
      const stored = await server.storage.shared.peek(oneUseKey('sis-handle', json.handle));
      assert.ok(stored && !stored.includes(p.national_id) && !stored.includes(p.name), 'sealed');
    });
  });

  describe('register mode', () => {
    it('consent → prefilled wizard with the pushed fields fixed → mail → active account with the verified identity; lookup follows', async () => {
      const p = person();
      assert.deepEqual(await lookup({ national_id: p.national_id, role: 'student', school_code: SCHOOL }), {
        has_account: false,
        has_identity: false,
      });
      const { url } = await push(p);
      const agent = new Agent();
      const consent = await openConsent(agent, url);
      assert.equal(consent.status, 200);
      assert.ok(consent.body.includes(`我願意授權讓「${zh('brand')}」自校務行政系統（sis-test）中取得我的基本資料`));
      assert.ok(consent.body.includes('何超人'));
      assert.ok(!consent.body.includes(p.national_id), 'national ID masked');
      // A reload in the same browser shows the consent again.
      assert.equal((await agent.request(url)).location, `${base}/register/sis/consent`);
      // No CSRF token: refused.
      assert.equal((await post(agent, '/register/sis/consent', { decision: 'agree' })).status, 403);

      const agreed = await post(agent, '/register/sis/consent', {
        _csrf: hiddenField(consent.body, '_csrf'),
        decision: 'agree',
      });
      assert.equal(agreed.status, 303);
      assert.match(
        agreed.location!,
        new RegExp(`^${base}/register/prefill\\?ticket=`),
        'the form goes to the wizard filled in',
      );
      // The link opened in another browser first (sent on, say): an empty form there, the ticket left unused.
      const elsewhere = new Agent();
      assert.equal((await elsewhere.request(agreed.location!)).location, `${base}/register`);
      const empty = await elsewhere.request(`${base}/register`);
      assert.ok(!empty.body.includes('id="sis-locked"') && !empty.body.includes('何超人'), 'nothing pushed there');
      const prefilled = await agent.request(agreed.location!);
      assert.equal(prefilled.location, `${base}/register`);
      const step1 = await agent.request(prefilled.location!);
      assert.equal(step1.status, 200);
      assert.ok(step1.body.includes('id="sis-locked"'));
      assert.match(step1.body, /<input id="name"[^>]*value="何超人"[^>]*readonly/);
      const shown = /<input id="national_id"[^>]*value="([^"]*)"[^>]*readonly/.exec(step1.body);
      assert.equal(shown?.[1], maskNationalId(p.national_id), 'the pushed ID masked, as on the consent page');
      assert.doesNotMatch(shown![0], /name=/, 'and not sent back (the draft keeps it)');
      assert.ok(!step1.body.includes(p.national_id), 'never whole on the page');
      assert.match(step1.body, new RegExp(`<input id="email"[^>]*value="${p.email}"`));
      assert.match(step1.body, /<input id="school"[^>]*value="臺北市立示範國民中學"[^>]*readonly/);

      // The posted form tries to change the fixed fields: the pushed values stay.
      const res = await post(agent, '/register', {
        _csrf: hiddenField(step1.body, '_csrf'),
        ...(await challengeFields(server.issuer)),
        school: '000000',
        kind: 'teacher',
        name: '別人',
        national_id: randomNationalId(),
        email: p.email,
        phone: '0912345678',
        gender: 'male',
        password: PASSWORD,
        password_confirm: PASSWORD,
      });
      assert.equal(res.status, 303, res.body.slice(0, 300));
      const confirm = await agent.request(res.location!);
      assert.ok(confirm.body.includes('何超人') && !confirm.body.includes('別人'));
      const submitted = await post(agent, '/register/confirm', { _csrf: hiddenField(confirm.body, '_csrf') });
      assert.equal(submitted.status, 303);

      const row = await db()('persons').whereRaw('lower(email) = ?', [p.email]).first();
      assert.equal(row.name, '何超人');
      assert.equal(row.status, 'pending');
      assert.equal(
        row.contact_phone,
        '0912345678',
        'the pushed mobile is the contact phone (not a verified sign-in mobile)',
      );
      assert.equal(row.mobile, null);
      assert.equal(
        String(row.birthdate instanceof Date ? row.birthdate.toISOString().slice(0, 10) : row.birthdate).slice(0, 10)
          .length,
        10,
      );
      const identities = await db()('identities').where({ person_id: row.id });
      assert.equal(identities.length, 1);
      assert.equal(identities[0].role, 'student');
      assert.equal(identities[0].source, 'sis');
      assert.equal(identities[0].status, 'active');
      assert.equal(identities[0].attributes.class, '701');
      assert.equal(identities[0].attributes.seat, 12);
      assert.equal(identities[0].attributes.student_no, 'S1130012');
      assert.ok(identities[0].class_id);
      assert.deepEqual(
        await lookup({ national_id: p.national_id }),
        { has_account: false, has_identity: false },
        'waiting for its email, the registration holds nothing yet',
      );

      const mail = await db()('outbox_messages').where({ recipient: p.email, kind: 'registration_activation' }).first();
      const link = /(http\S+\/register\/activate\?token=\S+)/.exec(mail.text_body)![1]!;
      assert.equal((await activateByLink(agent, link)).status, 303);
      assert.equal((await db()('persons').where({ id: row.id }).first()).status, 'active');
      assert.equal((await activeIdentities(db(), row.id)).length, 1, 'the identity works at once');
      const welcome = await db()('outbox_messages').where({ recipient: p.email, kind: 'registration_welcome' }).first();
      assert.ok(
        welcome.text_body.includes('校務行政系統、學習歷程檔案系統、校園繳費系統'),
        'says where else the account works',
      );
      assert.ok(welcome.text_body.includes('已由校務行政系統確認'));
      assert.deepEqual(await lookup({ national_id: p.national_id, role: 'student', school_code: SCHOOL }), {
        has_account: true,
        has_identity: true,
      });
      assert.deepEqual(await lookup({ national_id: p.national_id, role: 'teacher' }), {
        has_account: true,
        has_identity: false,
      });

      // The handle was used: opening it again (this browser or another) is refused.
      for (const a of [agent, new Agent()]) {
        const again = await a.request(url);
        assert.equal(again.status, 409);
        assert.ok(again.body.includes(zh('sis.refusal.used')));
      }
    });

    it('wins over a registration that waits for its email with the same national ID', async () => {
      const p = person();
      // Someone registered with this person's national ID and never confirmed their (own) email.
      const squatter = await insertPerson(db(), {
        email: `squat-${crypto.randomBytes(4).toString('hex')}@example.org`,
        name: '佔用者',
        passwordHash: 'x',
        status: 'pending',
        nationalId: sealNationalId(server.storage.keyring, p.national_id),
      });
      assert.deepEqual(await lookup({ national_id: p.national_id }), { has_account: false, has_identity: false });

      const agent = new Agent();
      const consent = await openConsent(agent, (await push(p)).url);
      const agreed = await post(agent, '/register/sis/consent', {
        _csrf: hiddenField(consent.body, '_csrf'),
        decision: 'agree',
      });
      const step1 = await agent.request((await agent.request(agreed.location!)).location!);
      const res = await post(agent, '/register', {
        _csrf: hiddenField(step1.body, '_csrf'),
        ...(await challengeFields(server.issuer)),
        email: p.email,
        password: PASSWORD,
        password_confirm: PASSWORD,
      });
      assert.equal(res.status, 303, res.body.slice(0, 300));
      const confirm = await agent.request(res.location!);
      assert.equal((await post(agent, '/register/confirm', { _csrf: hiddenField(confirm.body, '_csrf') })).status, 303);
      const mail = await db()('outbox_messages').where({ recipient: p.email, kind: 'registration_activation' }).first();
      const link = /(http\S+\/register\/activate\?token=\S+)/.exec(mail.text_body)![1]!;
      assert.equal((await activateByLink(agent, link)).status, 303);
      assert.equal(
        await db()('persons').where({ id: squatter.id }).first(),
        undefined,
        'the waiting registration is gone',
      );
      assert.deepEqual(await lookup({ national_id: p.national_id, role: 'student', school_code: SCHOOL }), {
        has_account: true,
        has_identity: true,
      });
    });

    it('is bound to the first browser: another browser gets a clear error, the first carries on', async () => {
      const { url } = await push(person());
      const first = new Agent();
      const consent = await openConsent(first, url);
      const other = await new Agent().request(url);
      assert.equal(other.status, 409);
      assert.ok(other.body.includes(zh('sis.refusal.otherBrowser')));
      // Without the hand-off cookie the consent page has nothing to show.
      const stray = await new Agent().request(`${base}/register/sis/consent`);
      assert.equal(stray.status, 400);
      assert.ok(stray.body.includes(zh('sis.refusal.noFlow')));
      const agreed = await post(first, '/register/sis/consent', {
        _csrf: hiddenField(consent.body, '_csrf'),
        decision: 'agree',
      });
      assert.match(agreed.location!, /\/register\/prefill\?ticket=/);
    });

    it('refuses an expired or made-up handle', async () => {
      const { handle, url } = await push(person());
      const key = oneUseKey('sis-handle', handle);
      const value = (await server.storage.shared.take(key))!;
      await server.storage.shared.put(key, value, 1);
      await new Promise((r) => setTimeout(r, 1500));
      const res = await new Agent().request(url);
      assert.equal(res.status, 410);
      assert.ok(res.body.includes(zh('sis.refusal.expired')));
      assert.equal((await new Agent().request(`${base}/register/sis?handle=${'x'.repeat(43)}`)).status, 410);
      assert.equal((await new Agent().request(`${base}/register/sis?handle=%3Cscript%3E`)).status, 410);
      assert.equal((await new Agent().request(`${base}/register/sis`)).status, 410);
    });

    it('declining returns to the school-affairs system with result=declined and writes nothing', async () => {
      const p = person();
      const { url } = await push(p);
      const agent = new Agent();
      const consent = await openConsent(agent, url);
      const declined = await post(agent, '/register/sis/consent', {
        _csrf: hiddenField(consent.body, '_csrf'),
        decision: 'decline',
      });
      assert.equal(declined.status, 303);
      assert.equal(declined.location, `${RETURN}?result=declined`);
      assert.equal(await db()('persons').whereRaw('lower(email) = ?', [p.email]).first(), undefined);
      assert.equal((await agent.request(`${base}/register/sis/consent`)).status, 400, 'the hand-off is over');
    });
  });

  describe('add-identity mode', () => {
    async function member(nationalId: string) {
      const p = await newPerson(db());
      const sealed = sealNationalId(server.storage.keyring, nationalId);
      await db()('persons')
        .where({ id: p.id })
        .update({ national_id_sealed: sealed.sealed, national_id_index: sealed.index });
      return p;
    }

    /** Opens the handle, signs in (the consent asks for it), and returns the consent page. */
    async function signedInConsent(agent: Agent, url: string, login: string, password: string): Promise<Step> {
      const start = await agent.request(url);
      assert.equal(start.location, `${base}/register/sis/consent`);
      const gate = await agent.request(start.location!);
      assert.equal(gate.status, 302);
      assert.equal(gate.location, `${base}/account/sign-in?return_to=%2Fregister%2Fsis%2Fconsent`);
      const page = await signInToAccount(base, agent, login, password, '/register/sis/consent');
      assert.equal(page.status, 200, page.body.slice(0, 300));
      assert.equal(new URL(page.url).pathname, '/register/sis/consent');
      return page;
    }

    it('a general member signs in, consents, and becomes a teacher (their unconfirmed identity confirmed); a second push says exists', async () => {
      const nid = randomNationalId();
      const m = await member(nid);
      await db()('identities').insert({
        id: crypto.randomUUID(),
        person_id: m.id,
        school_code: SCHOOL,
        role: 'teacher',
        source: 'self',
        status: 'unconfirmed',
        attributes: '{}',
      });
      assert.deepEqual(await lookup({ national_id: nid, role: 'teacher', school_code: SCHOOL }), {
        has_account: true,
        has_identity: false,
      });
      const p = person({
        mode: 'add_identity',
        national_id: nid,
        role: 'teacher',
        class: undefined,
        seat: undefined,
        student_number: undefined,
      });
      const agent = new Agent();
      const consent = await signedInConsent(agent, (await push(p)).url, m.username, m.password);
      assert.ok(consent.body.includes(m.email), 'shows who is signed in');
      assert.ok(consent.body.includes('完成變更身分的程序'));
      const done = await post(agent, '/register/sis/consent', {
        _csrf: hiddenField(consent.body, '_csrf'),
        decision: 'agree',
      });
      assert.equal(done.status, 303);
      assert.equal(done.location, `${RETURN}?result=added`);
      const identities = await db()('identities').where({ person_id: m.id });
      assert.equal(identities.length, 1, 'the unconfirmed one became active, no second row');
      assert.equal(identities[0].status, 'active');
      assert.equal(identities[0].source, 'sis');
      assert.ok(await db()('audit_events').where({ subject: m.id, action: 'identity.confirmed' }).first());
      assert.deepEqual(await lookup({ national_id: nid, role: 'teacher', school_code: SCHOOL }), {
        has_account: true,
        has_identity: true,
      });

      // Again (already signed in): the identity exists.
      const again = await openConsent(agent, (await push(p)).url);
      const exists = await post(agent, '/register/sis/consent', {
        _csrf: hiddenField(again.body, '_csrf'),
        decision: 'agree',
      });
      assert.equal(exists.location, `${RETURN}?result=exists`);
      assert.equal((await db()('identities').where({ person_id: m.id })).length, 1);
    });

    it('adds a new identity (student of 701) to a member who had none', async () => {
      const nid = randomNationalId();
      const m = await member(nid);
      const agent = new Agent();
      const consent = await signedInConsent(
        agent,
        (await push(person({ mode: 'add_identity', national_id: nid }))).url,
        m.username,
        m.password,
      );
      const done = await post(agent, '/register/sis/consent', {
        _csrf: hiddenField(consent.body, '_csrf'),
        decision: 'agree',
      });
      assert.equal(done.location, `${RETURN}?result=added`);
      const [identity] = await activeIdentities(db(), m.id);
      assert.equal(identity?.role, 'student');
      const row = await db()('identities').where({ person_id: m.id }).first();
      assert.equal(row.source, 'sis');
      assert.equal(row.attributes.class, '701');
    });

    it('refuses to add the identity to someone whose national ID is not the pushed one', async () => {
      const m = await member(randomNationalId());
      const agent = new Agent();
      const consent = await signedInConsent(
        agent,
        (await push(person({ mode: 'add_identity' }))).url,
        m.username,
        m.password,
      );
      const refused = await post(agent, '/register/sis/consent', {
        _csrf: hiddenField(consent.body, '_csrf'),
        decision: 'agree',
      });
      assert.equal(refused.status, 403);
      assert.ok(refused.body.includes(zh('sis.refusal.mismatch')));
      assert.equal((await db()('identities').where({ person_id: m.id })).length, 0, 'nothing written');
    });
  });
});
