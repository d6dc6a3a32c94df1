// Signing up with a school's verification account (/register/roster) as a browser walk found it: the first page a dead
// end when no school gives such accounts; the "register a new account" form unlike /register's step 1 (no marks for
// the required fields, no hints, no way back); its last page with the wizard's step bar and without the address.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { upsertSchool } from '../../../src/domain/schools/schools.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { ROSTER_CHECK } from '../../../src/platform/limits.ts';
import { Agent, hiddenField, html, type Step } from '../../helpers/agent.ts';
import { challengeFields } from '../../helpers/challenge.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import { registerClient } from '../../helpers/rp.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const en = translator('en');
const FORM = 'application/x-www-form-urlencoded';
const tag = () => crypto.randomBytes(4).toString('hex');

/** The label of a control, with the red asterisk when it is marked required. */
const labelOf = (body: string, id: string) =>
  new RegExp(`<label for="${id}">([\\s\\S]*?)</label>`).exec(body)?.[1] ?? '';
const marked = (body: string, id: string) =>
  labelOf(body, id).includes('<span class="req" aria-hidden="true">*</span>');
const summaryOrder = (body: string) => {
  const list = /data-mistakes[\s\S]*?<\/ul>/.exec(body)?.[0] ?? '';
  return [...list.matchAll(/href="#([\w_]+)"/g)].map((m) => m[1]);
};

describe(`signing up with a school's verification account (${storageMode})`, () => {
  let server: TestServer;
  let base: string;
  const school = String(crypto.randomInt(900000, 1000000));
  const roster = { id: `roster-signup-${tag()}`, secret: `roster-signup-secret-${tag()}-0123456789abcdef` };

  before(async () => {
    server = await startTestServer();
    base = server.issuer;
    await upsertSchool(server.storage.db, {
      code: school,
      name: `私立註冊測試高職${school}`,
      level: 'vocational',
      kind: 'private',
    });
    await registerClient(
      server,
      { client_id: roster.id, permissions: ['roster'], school_codes: [school] },
      roster.secret,
    );
    for (const ip of ['127.0.0.1', '::1', '::ffff:127.0.0.1'])
      await server.services.throttle.reset(ROSTER_CHECK.address, ip);
  });
  after(async () => {
    await server?.close();
  });

  const post = (agent: Agent, path: string, page: Step, fields: Record<string, string>) =>
    agent.request(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({ _csrf: hiddenField(page.body, '_csrf'), ...fields }).toString(),
    });

  /** A credential of its own, checked on the first page: the agent holds its ticket, on the "new account" form. */
  async function verifiedForm(agent: Agent): Promise<Step> {
    const account = `s${tag()}`;
    const password = `pw-${tag()}`;
    const res = await fetch(`${base}/api/schools/${school}/roster-credentials`, {
      method: 'PUT',
      headers: {
        authorization: `Basic ${Buffer.from(`${roster.id}:${roster.secret}`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify([{ role: 'student', account, password, name: '陳同學' }]),
    });
    assert.equal(res.status, 200, await res.text());
    const pick = await agent.request(`${base}/register/roster`);
    const fields: Record<string, string> = { school, kind: 'student', account, password };
    if (pick.body.includes('<altcha-widget')) Object.assign(fields, await challengeFields(base));
    const checked = await post(agent, '/register/roster', pick, fields);
    assert.equal(checked.status, 303, checked.body.slice(0, 300));
    const form = await agent.request(`${base}/register/roster/new`);
    assert.equal(form.status, 200);
    return form;
  }

  it('says plainly when no school gives verification accounts yet, and where to go instead (no empty form)', async () => {
    const enrolment = server.services.enrolment;
    const schools = Object.getOwnPropertyDescriptor(enrolment, 'schoolsWithCredentials');
    enrolment.schoolsWithCredentials = async () => [];
    try {
      const agent = new Agent();
      const page = await agent.request(`${base}/register/roster`);
      assert.equal(page.status, 200);
      assert.ok(page.body.includes(html(zh('roster.none.text'))), 'says there is none');
      assert.match(page.body, /<a class="button" id="roster-none-register" href="\/register">/);
      assert.match(page.body, /<a class="button secondary" href="\/">/);
      assert.doesNotMatch(page.body, /<form[^>]*action="\/register\/roster"/, 'no form to fill in');
      assert.doesNotMatch(page.body, /<select id="school"/);
      const english = await agent.request(`${base}/register/roster?lang=en`);
      assert.ok(english.body.includes(html(en('roster.none.text'))));
      // A form sent from before (or by hand) is answered the same way, not with "choose your school".
      const register = await agent.request(`${base}/register`);
      const sent = await post(agent, '/register/roster', register, {
        school: '',
        kind: 'student',
        account: 'a',
        password: 'b',
      });
      assert.equal(sent.status, 409);
      assert.ok(sent.body.includes(html(en('roster.none.text'))));
      assert.ok(!sent.body.includes(html(en('roster.errors.school'))));
    } finally {
      if (schools) Object.defineProperty(enrolment, 'schoolsWithCredentials', schools);
      else delete (enrolment as { schoolsWithCredentials?: unknown }).schoolsWithCredentials;
    }
    // With a school that gives them, the form is there.
    const form = await verifiedForm(new Agent());
    assert.ok(form.body.includes('陳同學'));
  });

  it('draws the "new account" form as /register draws its step 1: marks, hints, optional fields, a way back', async () => {
    const agent = new Agent();
    const form = await verifiedForm(agent);
    const wizard = await new Agent().request(`${base}/register`);
    assert.ok(form.body.includes(html(zh('registration.step1.requiredNote'))), 'the note on the red asterisks');
    for (const id of ['email', 'name', 'national_id', 'password', 'password_confirm']) {
      assert.ok(marked(form.body, id), `${id} marked required`);
      assert.equal(labelOf(form.body, id), labelOf(wizard.body, id), `${id} labelled as on /register`);
    }
    for (const id of ['phone', 'gender']) assert.ok(!marked(form.body, id), `${id} not marked required`);
    // The hints before any mistake: the password rules above all, and which fields may be left empty.
    for (const key of ['email', 'name', 'nationalId', 'password', 'phone', 'gender'])
      assert.ok(form.body.includes(html(zh(`registration.hint.${key}`))), `the hint of ${key}`);
    assert.match(form.body, /<small class="muted" id="phone-hint">選填/);
    assert.match(form.body, /<small class="muted" id="gender-hint">選填/);
    assert.match(form.body, /<input id="password"[^>]*aria-describedby="password-hint"/);
    assert.match(form.body, /<a class="button secondary" id="back" href="\/register\/roster\/choose">/);
    assert.match(form.body, /<input id="name"[^>]*value="陳同學"/, 'the name from the roster');
    assert.doesNotMatch(form.body, /class="reg-steps"/, 'no step bar of a wizard it is not in');

    // Mistakes: the same messages, listed in the order of the form (聯絡電話 before 確認密碼).
    const bad = await post(agent, '/register/roster/new', form, {
      email: 'nope',
      name: '😀🎉',
      national_id: randomNationalId(),
      password: 'Blue-Kettle-1987',
      password_confirm: 'other',
      phone: '12',
      gender: '',
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(summaryOrder(bad.body), ['email', 'name', 'phone', 'password_confirm']);
    assert.match(bad.body, /id="name-error">[^<]*表情符號/, 'a name of emoji is refused here too');
    assert.match(bad.body, /<input id="email"[^>]*value="nope"/, 'what was typed is kept');
    assert.match(bad.body, /aria-describedby="password_confirm-error"/);
  });

  it('ends on a last page without the wizard’s steps, saying the address the mail went to', async () => {
    const agent = new Agent();
    const form = await verifiedForm(agent);
    const email = `roster-signup-${tag()}@example.org`;
    const done = await post(agent, '/register/roster/new', form, {
      email,
      name: '陳同學',
      national_id: randomNationalId(),
      password: 'Blue-Kettle-1987',
      password_confirm: 'Blue-Kettle-1987',
      phone: '',
      gender: '',
    });
    assert.equal(done.status, 303, done.body.slice(0, 500));
    assert.equal(done.location, `${base}/register/done`);
    const page = await agent.request(done.location!);
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.body, /class="reg-steps"/, 'no 1-2-3 step bar the person never saw');
    assert.doesNotMatch(page.body, /第 3 步/);
    assert.ok(
      page.body.includes(html(zh('registration.step3.sentTo', { email }))),
      'the address, as /register says it',
    );
    const english = await agent.request(`${base}/register/done?lang=en`);
    assert.ok(english.body.includes(html(en('registration.step3.sentTo', { email }))));
    // Another browser is told nothing of it.
    assert.ok(!(await new Agent().request(`${base}/register/done`)).body.includes(email));
  });
});
