// Self-registration over HTTP (SPEC §4 flow 1, seed 000 §1.1): the three steps, field messages with every value
// kept, "back", duplicates (found first, or lost in a race), the person check, CSRF, the activation link (once, 24 h),
// the welcome mail, and "send the activation mail again" for a pending account.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { activeIdentities } from '../../../src/domain/identities/identities.ts';
import { maskNationalId } from '../../../src/domain/people/national-id.ts';
import { insertPerson, purgeExpiredRegistrations } from '../../../src/domain/people/persons.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { REGISTRATION } from '../../../src/platform/limits.ts';
import type { Limit } from '../../../src/platform/throttle.ts';
import { signedInAgent } from '../../helpers/account.ts';
import { Agent, activateByLink, formAction, hiddenField, html, type Step } from '../../helpers/agent.ts';
import { challengeFields } from '../../helpers/challenge.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import {
  REGISTRATION_PASSWORD,
  REGISTRATION_SCHOOL,
  registrationForm,
  uniqueEmail,
} from '../../helpers/registration.ts';
import { authorizationUrl, discover, pkce, registerClient, signIn } from '../../helpers/rp.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const SCHOOL = REGISTRATION_SCHOOL;
const PASSWORD = REGISTRATION_PASSWORD;
const FORM = 'application/x-www-form-urlencoded';

const goodForm = (overrides: Record<string, string> = {}) => registrationForm('x', overrides);

const fieldError = (html: string, id: string) => new RegExp(`id="${id}-error">([^<]*)<`).exec(html)?.[1];
const inputValue = (html: string, id: string) => new RegExp(`<input id="${id}"[^>]*? value="([^"]*)"`).exec(html)?.[1];
const selected = (html: string, id: string) => {
  const select = new RegExp(`<select id="${id}"[\\s\\S]*?</select>`).exec(html)?.[0] ?? '';
  return /<option value="([^"]*)" selected>/.exec(select)?.[1];
};

describe(`self-registration (${storageMode})`, () => {
  let server: TestServer;
  let base: string;
  before(async () => {
    server = await startTestServer();
    base = server.issuer;
    await registerClient(server, { client_id: 'reg-rp', first_party: true }, 'reg-rp-secret-0123456789abcdefghij');
  });
  after(async () => {
    await server?.close();
  });

  const db = () => server.storage.db;

  /** The person check: passed (as the widget does), failed (a wrong answer to the question in words), or not done. */
  async function captchaFields(
    page: Step,
    answer: 'right' | 'wrong' | 'missing' = 'right',
  ): Promise<Record<string, string>> {
    if (answer === 'missing') return {};
    if (answer === 'right') return challengeFields(base);
    return { question_token: hiddenField(page.body, 'question_token'), question_answer: '99' };
  }

  function post(agent: Agent, path: string, fields: Record<string, string>) {
    return agent.request(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams(fields).toString(),
    });
  }

  /** Posts step 1 from the page it is shown on (its CSRF token and the person check). */
  async function postStep1(
    agent: Agent,
    page: Step,
    form: Record<string, string>,
    captcha: 'right' | 'wrong' | 'missing' = 'right',
  ) {
    return post(agent, '/register', {
      _csrf: hiddenField(page.body, '_csrf'),
      ...(await captchaFields(page, captcha)),
      ...form,
    });
  }

  async function passStep1(agent: Agent, form: Record<string, string>): Promise<Step> {
    const res = await postStep1(agent, await agent.request(`${base}/register`), form);
    assert.equal(res.status, 303, `step 1 passes (${fieldErrors(res.body)})`);
    assert.equal(res.location, `${base}/register/confirm`);
    return agent.request(res.location!);
  }

  const fieldErrors = (html: string) =>
    [...html.matchAll(/id="([\w_]+)-error">([^<]*)</g)].map((m) => `${m[1]}: ${m[2]}`).join('; ');

  async function submitConfirm(agent: Agent, confirmPage: Step) {
    return post(agent, '/register/confirm', { _csrf: hiddenField(confirmPage.body, '_csrf') });
  }

  /** Runs the wizard through; returns the pending person. */
  async function register(form: Record<string, string>, agent = new Agent()) {
    const confirmPage = await passStep1(agent, form);
    const done = await submitConfirm(agent, confirmPage);
    assert.equal(done.status, 303);
    assert.match(done.location!, /\/register\/done$/);
    const person = await db()('persons').where({ email: form.email!.toLowerCase() }).first();
    assert.ok(person, 'the person exists');
    return person as { id: string; status: string; email: string; email_verified: boolean; [k: string]: unknown };
  }

  async function activationLink(email: string): Promise<string> {
    const mail = await db()('outbox_messages')
      .where({ recipient: email, kind: 'registration_activation' })
      .orderBy('created_at', 'desc')
      .first();
    assert.ok(mail, 'an activation mail was queued');
    const link = /(http\S+\/register\/activate\?token=[\w-]+)/.exec(mail.text_body)?.[1];
    assert.ok(link, 'the mail holds the link');
    return link;
  }

  it('runs the three steps, mails a one-use link that activates the account, then a welcome mail', async () => {
    const agent = new Agent();
    const form = goodForm({ email: uniqueEmail('Happy').replace('reg-', 'Reg-'), phone: '(02)2123-5678' });
    const start = await agent.request(`${base}/register?interaction=abc123`);
    assert.equal(start.status, 200);
    assert.equal(
      start.body.match(/class="req"/g)?.length,
      8, // the person check needs nothing typed: it carries no asterisk
      'the required fields (and the note) carry the red asterisk',
    );
    for (const [id, autocomplete] of [
      ['email', 'email'],
      ['name', 'name'],
      ['password', 'new-password'],
      ['password_confirm', 'new-password'],
      ['phone', 'tel'],
      ['gender', 'sex'],
    ]) {
      assert.match(
        start.body,
        new RegExp(`id="${id}"[^>]*autocomplete="${autocomplete}"`),
        `${id} has autocomplete=${autocomplete}`,
      );
    }
    // The demo junior high among the junior highs (a shared database may hold other tests' schools too).
    assert.match(
      start.body,
      /<optgroup label="國中">(?:(?!<\/optgroup>).)*<option value="353604">臺北市立示範國民中學<\/option>/,
    );

    const step1 = await postStep1(agent, start, { ...form, interaction: 'abc123' });
    assert.equal(step1.status, 303);
    assert.equal(step1.location, `${base}/register/confirm`);
    for (const cookie of agent.setCookies) {
      assert.ok(
        !cookie.includes(form.national_id!) && !cookie.includes(PASSWORD) && !cookie.includes('@'),
        'nothing personal in cookies',
      );
    }
    if (!process.env.REDIS_URL) {
      const drafts = await db()('ephemeral_values').where('key', 'like', 'once:registration-draft:%').select('value');
      assert.ok(drafts.length > 0);
      for (const d of drafts)
        assert.ok(!d.value.includes(form.national_id!) && !d.value.includes(PASSWORD), 'the stored draft is sealed');
    }

    const confirmPage = await agent.request(step1.location!);
    assert.equal(confirmPage.status, 200);
    assert.ok(confirmPage.body.includes(zh('registration.step2.heading')));
    assert.ok(confirmPage.body.includes(maskNationalId(form.national_id!)), 'national ID masked');
    assert.ok(!confirmPage.body.includes(form.national_id!), 'never in clear');
    assert.ok(!confirmPage.body.includes(PASSWORD));
    for (const shown of [
      '臺北市立示範國民中學',
      zh('role.teacher'),
      form.email!.toLowerCase(),
      '何超人',
      '02-21235678',
      zh('gender.male'),
    ]) {
      assert.ok(confirmPage.body.includes(shown), `step 2 shows ${shown}`);
    }
    assert.ok(confirmPage.body.includes(`href="/register">${zh('registration.step2.back')}<`));
    assert.ok(confirmPage.body.includes(zh('registration.step2.submit')), 'the last button says it sends');

    const done = await submitConfirm(agent, confirmPage);
    assert.equal(done.status, 303);
    assert.equal(done.location, `${base}/register/done?interaction=abc123`);
    const donePage = await agent.request(done.location!);
    assert.equal(donePage.status, 200);
    assert.ok(donePage.body.includes(html(zh('registration.step3.sentTo', { email: form.email!.toLowerCase() }))));
    assert.match(donePage.body, /href="\/interaction\/abc123"/);
    // A second submission (a double click) lands on the same page and creates nothing more.
    const again = await submitConfirm(agent, confirmPage);
    assert.equal(again.location, `${base}/register/done?interaction=abc123`);

    const email = form.email!.toLowerCase();
    const people = await db()('persons').where({ email });
    assert.equal(people.length, 1);
    const person = people[0];
    assert.equal(person.status, 'pending');
    assert.equal(person.email_verified, false);
    assert.equal(person.contact_phone, '02-21235678');
    assert.equal(person.mobile, null, 'a contact phone is not a verified mobile');
    assert.equal(person.gender, 'male');
    assert.equal(person.locale, 'zh-TW');
    assert.ok(!JSON.stringify(person).includes(form.national_id!), 'the national ID is sealed');
    assert.ok(person.national_id_sealed && person.national_id_index);
    const identities = await db()('identities').where({ person_id: person.id });
    assert.deepEqual(
      identities.map((i) => [i.role, i.school_code, i.source, i.status]),
      [['teacher', SCHOOL, 'self', 'unconfirmed']],
    );
    const audit = await db()('audit_events').where({ subject: person.id }).orderBy('id');
    assert.deepEqual(
      audit.map((e) => e.action),
      ['person.registered', 'identity.added'],
    );
    assert.ok(!JSON.stringify(audit).includes(email), 'no email in the audit log');

    // Pending: the password is right, but sign-in refuses it.
    assert.deepEqual(await server.services.people.authenticate(email, PASSWORD), {
      ok: false,
      reason: 'inactive',
      personId: person.id,
    });

    const mail = await db()('outbox_messages').where({ recipient: email, kind: 'registration_activation' }).first();
    assert.equal(mail.subject, `${zh('brand')}註冊通知`);
    assert.match(mail.text_body, /^歡迎註冊/);
    assert.match(mail.text_body, /請點選以下連結完成您的註冊程序/);
    assert.match(mail.text_body, /如果按下連結沒有任何作用，請將網址複製並貼入新的瀏覽器視窗中/);
    const link = await activationLink(email);
    assert.ok(link.startsWith(`${base}/register/activate?token=`));
    const token = new URL(link).searchParams.get('token')!;
    const stored = await db()('activation_tokens').where({ person_id: person.id });
    assert.equal(stored.length, 1);
    assert.notEqual(stored[0].token_hash, token, 'only a digest of the token is stored');
    const ttlHours = (new Date(stored[0].expires_at).getTime() - new Date(stored[0].created_at).getTime()) / 3_600_000;
    assert.ok(Math.abs(ttlHours - 24) < 0.01, `valid 24 h (${ttlHours})`);

    // Opening the link (a mail scanner does, with GET and HEAD) changes nothing: the page asks to confirm.
    const page = await agent.request(link);
    assert.equal(page.status, 200);
    assert.ok(page.body.includes(zh('registration.activate.confirmButton')));
    assert.equal((await fetch(link, { method: 'HEAD' })).status, 200);
    assert.equal(
      (await db()('persons').where({ id: person.id }).first()).status,
      'pending',
      'not activated by opening',
    );
    const opened = await activateByLink(agent, link);
    assert.equal(opened.status, 303);
    assert.equal(opened.location, `${base}/register/activated`);
    const activated = await agent.request(opened.location!);
    assert.equal(activated.status, 200);
    assert.ok(activated.body.includes(zh('registration.activate.done')));
    const now = await db()('persons').where({ id: person.id }).first();
    assert.equal(now.status, 'active');
    assert.equal(now.email_verified, true);
    assert.equal((await server.services.people.authenticate(email, PASSWORD)).ok, true);
    assert.deepEqual(await activeIdentities(db(), person.id), [], 'an unconfirmed identity is not an active one');
    assert.deepEqual(
      (await db()('audit_events').where({ subject: person.id }).orderBy('id')).map((e) => e.action),
      ['person.registered', 'identity.added', 'person.activated'],
    );

    const welcome = await db()('outbox_messages').where({ recipient: email, kind: 'registration_welcome' }).first();
    assert.equal(welcome.subject, `${zh('brand')}註冊成功通知`);
    assert.ok(welcome.text_body.includes(`帳號（${email}）註冊成功`));
    assert.ok(welcome.text_body.includes('臺北市立示範國民中學・教師'));
    assert.ok(welcome.text_body.includes(`登入位置：${base}/`));
    // The account's identities page shows it as waiting for the school, not "no school identity".
    const signedIn = await signedInAgent(base, email, PASSWORD);
    const identitiesPage = await signedIn.request(`${base}/account/identities`);
    assert.ok(identitiesPage.body.includes(zh('account.identities.waitingTitle')));
    assert.match(identitiesPage.body, /id="identities-waiting"[\s\S]*教師[\s\S]*臺北市立示範國民中學/);
    assert.ok(!identitiesPage.body.includes(zh('account.identities.none')));

    // The link works once.
    const second = await new Agent().request(link);
    assert.equal(second.status, 400);
    assert.ok(second.body.includes(zh('registration.activate.used')));
    assert.match(
      second.body,
      /href="\/register\/activate\/used\?lang=en"/,
      'the language link does not carry the token',
    );

    // A relying party sees a verified email and no identity (a general member).
    const conf = await discover(base, 'reg-rp', 'reg-rp-secret-0123456789abcdefghij');
    const p = await pkce();
    const callback = await signIn(
      new Agent(),
      authorizationUrl(conf, p, { scope: 'openid profile email identity identities' }),
      email,
      PASSWORD,
    );
    const tokens = await oidc.authorizationCodeGrant(conf, callback, {
      pkceCodeVerifier: p.verifier,
      expectedState: p.state,
      expectedNonce: p.nonce,
    });
    const info = await oidc.fetchUserInfo(conf, tokens.access_token, tokens.claims()!.sub);
    assert.equal(info.sub, person.id);
    assert.equal(info.email, email);
    assert.equal(info.email_verified, true);
    assert.equal(info.identity, undefined);
    assert.deepEqual(info.identities, []);
  });

  it('shows a message under every wrong field and keeps every value', async () => {
    const agent = new Agent();
    const page = await agent.request(`${base}/register`);
    const typed = {
      school: '',
      kind: 'principal',
      email: 'not-an-email',
      name: '王'.repeat(51),
      national_id: 'A123456788',
      password: 'Blue-Kettle-1987',
      password_confirm: 'Blue-Kettle-1988',
      phone: '12345',
      gender: 'x',
    };
    const res = await postStep1(agent, page, typed, 'missing');
    assert.equal(res.status, 400);
    const expected: Record<string, string> = {
      school: 'schoolRequired',
      kind: 'kindInvalid',
      email: 'emailInvalid',
      name: 'nameTooLong',
      national_id: 'nationalIdInvalid',
      password_confirm: 'password.field.mismatch',
      phone: 'phoneInvalid',
      gender: 'genderInvalid',
    };
    for (const [id, key] of Object.entries(expected)) {
      assert.equal(fieldError(res.body, id), zh(key.includes('.') ? key : `registration.errors.${key}`), id);
      assert.match(res.body, new RegExp(`id="${id}"[^>]*aria-invalid="true"`), `${id} is marked invalid`);
    }
    assert.equal(fieldError(res.body, 'challenge'), zh('challenge.required'));
    assert.equal(fieldError(res.body, 'password'), undefined, 'the password itself was fine');
    assert.match(res.body, /class="alert mistakes" role="alert"/);
    assert.match(res.body, /<a href="#national_id">身分證字號：/);
    assert.equal(inputValue(res.body, 'email'), 'not-an-email');
    assert.equal(inputValue(res.body, 'name'), '王'.repeat(51));
    assert.equal(inputValue(res.body, 'national_id'), 'A123456788');
    assert.equal(inputValue(res.body, 'phone'), '12345');
    assert.equal(inputValue(res.body, 'password'), undefined, 'a password is never written into the page');
    assert.ok(!res.body.includes('Blue-Kettle'));

    // Empty: every required field says so; the optional ones say nothing.
    const empty = await postStep1(agent, res, {}, 'wrong');
    assert.equal(empty.status, 400);
    for (const [id, key] of [
      ['school', 'schoolRequired'],
      ['kind', 'kindRequired'],
      ['email', 'emailRequired'],
      ['name', 'nameRequired'],
      ['national_id', 'nationalIdRequired'],
      ['password', 'password.field.required'],
      ['challenge', 'challenge.failed'],
    ]) {
      assert.equal(fieldError(empty.body, id!), zh(key!.includes('.') ? key! : `registration.errors.${key}`), id);
    }
    assert.equal(fieldError(empty.body, 'phone'), undefined);
    assert.equal(fieldError(empty.body, 'gender'), undefined);

    // The password policy (a common password; containing one's name) and a missing confirmation.
    const weak = await postStep1(agent, empty, goodForm({ password: 'password123', password_confirm: 'password123' }));
    assert.equal(fieldError(weak.body, 'password'), zh('password.policy.common'));
    const personal = await postStep1(
      agent,
      weak,
      goodForm({ name: '何超人', password: '何超人的好密碼啦', password_confirm: '' }),
    );
    assert.equal(fieldError(personal.body, 'password'), zh('password.policy.personal'));
    const unconfirmed = await postStep1(agent, personal, goodForm({ password_confirm: '' }));
    assert.equal(fieldError(unconfirmed.body, 'password_confirm'), zh('password.field.confirmRequired'));
  });

  it('keeps a right password through a wrong field, and every value through "back"', async () => {
    const agent = new Agent();
    const form = goodForm({ kind: 'parent', gender: 'female', phone: '0912-345-678' });
    // First attempt: the person check fails, everything else right.
    const wrong = await postStep1(agent, await agent.request(`${base}/register`), form, 'wrong');
    assert.equal(wrong.status, 400);
    assert.equal(fieldError(wrong.body, 'challenge'), zh('challenge.failed'));
    assert.ok(wrong.body.includes(zh('registration.step1.passwordKept')));
    // Second: only the check again; the password fields stay empty and the kept password is used.
    const right = await postStep1(agent, wrong, { ...form, password: '', password_confirm: '' });
    assert.equal(right.status, 303, fieldErrors(right.body));

    const confirmPage = await agent.request(right.location!);
    const back = await agent.request(`${base}/register`);
    assert.equal(back.status, 200);
    assert.equal(selected(back.body, 'school'), SCHOOL);
    assert.equal(selected(back.body, 'kind'), 'parent');
    assert.equal(selected(back.body, 'gender'), 'female');
    assert.equal(inputValue(back.body, 'email'), form.email);
    assert.equal(inputValue(back.body, 'name'), form.name);
    assert.equal(inputValue(back.body, 'national_id'), form.national_id);
    assert.equal(inputValue(back.body, 'phone'), '0912-345-678');
    assert.ok(back.body.includes(zh('registration.step1.passwordKept')), 'the password is kept, not shown');
    assert.ok(!back.body.includes(PASSWORD));
    assert.match(back.body, /<input id="password" type="password"(?![^>]*aria-required)/, 'not required while kept');
    // The language link of a page drawn after a post leads to the same values.
    assert.equal(inputValue((await agent.request(`${base}/register?lang=en`)).body, 'email'), form.email);

    // Change the name on the way back; the kept password goes with it.
    const changed = await postStep1(agent, back, { ...form, name: '何超人二號', password: '', password_confirm: '' });
    assert.equal(changed.status, 303, fieldErrors(changed.body));
    const confirm2 = await agent.request(changed.location!);
    assert.ok(confirm2.body.includes('何超人二號'));
    assert.ok(confirmPage.body.includes('0912345678'), 'a mobile is shown in its one form');
    const done = await submitConfirm(agent, confirm2);
    assert.equal(done.status, 303);
    const person = await db()('persons').where({ email: form.email }).first();
    assert.equal(person.name, '何超人二號');
    assert.equal(person.contact_phone, '0912345678');
    const activated = await activateByLink(agent, await activationLink(form.email!));
    assert.equal(activated.status, 303);
    assert.equal(
      (await server.services.people.authenticate(form.email!, PASSWORD)).ok,
      true,
      'the kept password is the account password',
    );
  });

  it('tells an email (any case) or national ID an active account holds; a registration still waiting holds nothing', async () => {
    const first = goodForm();
    const person = await register(first);

    // Waiting for its email, the first registration blocks nobody: the same email (any case) and ID go through.
    const agent = new Agent();
    const again = await postStep1(
      agent,
      await agent.request(`${base}/register`),
      goodForm({ email: first.email!.toUpperCase(), national_id: first.national_id!.toLowerCase() }),
    );
    assert.equal(again.status, 303, fieldErrors(again.body));

    assert.equal((await activateByLink(new Agent(), await activationLink(person.email))).status, 303);
    const other = new Agent();
    const takenEmail = await postStep1(
      other,
      await other.request(`${base}/register`),
      goodForm({ email: first.email! }),
    );
    assert.equal(fieldError(takenEmail.body, 'email'), zh('registration.errors.emailTaken'));
    const sameId = await postStep1(other, takenEmail, goodForm({ national_id: first.national_id!.toLowerCase() }));
    assert.equal(fieldError(sameId.body, 'national_id'), zh('registration.errors.nationalIdTaken'));

    // Someone who has not passed the person check is not told.
    const noCaptcha = await postStep1(other, sameId, goodForm({ email: first.email! }), 'wrong');
    assert.equal(fieldError(noCaptcha.body, 'email'), undefined);
    assert.equal(fieldError(noCaptcha.body, 'challenge'), zh('challenge.failed'));

    // A demo account's email (an active account made by the seed).
    const demo = await postStep1(other, noCaptcha, goodForm({ email: 'teacher@demo.campus-sso.test' }));
    assert.equal(fieldError(demo.body, 'email'), zh('registration.errors.emailTaken'));
    // Someone's custom username that looks like an email counts as taken too (sign-in by it would be ambiguous).
    const username = uniqueEmail('username');
    await insertPerson(db(), { username, name: '自訂帳號', passwordHash: 'x' });
    const clash = await postStep1(other, demo, goodForm({ email: username }));
    assert.equal(fieldError(clash.body, 'email'), zh('registration.errors.emailTaken'));
  });

  it("a squatter cannot hold another person's email or ID: the owner is told, discards it, registers and proves the email", async () => {
    // A squatter registers with someone else's email and national ID, and never confirms.
    const victim = goodForm({ name: '占位者' });
    const squatter = await register(victim);
    // The owner registers with the same email and ID: no competing link; the address is mailed a new link of the
    // waiting registration, which the owner discards (it is not theirs).
    const owner = new Agent();
    const page = await passStep1(owner, goodForm({ email: victim.email!, national_id: victim.national_id! }));
    assert.equal((await submitConfirm(owner, page)).status, 303);
    const email = victim.email!.toLowerCase();
    const kinds = async () =>
      (await db()('outbox_messages').where({ recipient: email }).orderBy('created_at')).map(
        (m: { kind: string }) => m.kind,
      );
    assert.deepEqual(await kinds(), ['registration_activation', 'registration_waiting']);
    const waitingMail = await db()('outbox_messages').where({ recipient: email, kind: 'registration_waiting' }).first();
    const waitingLink = /(http\S+\/register\/activate\?token=[\w-]+)/.exec(waitingMail.text_body)![1]!;
    const opened = await owner.request(waitingLink);
    assert.ok(opened.body.includes('占位者'), "the squatter's registration is named");
    const discarded = await owner.request(`${base}/register/activate/discard`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({ _csrf: hiddenField(opened.body, '_csrf'), token: hiddenField(opened.body, 'token') }),
    });
    assert.equal(discarded.location, `${base}/register/discarded`);
    assert.equal(await db()('persons').where({ id: squatter.id }).first(), undefined, 'the squatter is gone');
    assert.ok(
      await db()('audit_events').where({ subject: squatter.id, action: 'person.registration_discarded' }).first(),
    );
    // The owner registers again and proves the email.
    const again = await passStep1(owner, goodForm({ email: victim.email!, national_id: victim.national_id! }));
    assert.equal((await submitConfirm(owner, again)).status, 303);
    assert.equal((await activateByLink(owner, await activationLink(email))).status, 303);
    const holders = await db()('persons').whereRaw('lower(email) = ?', [email]);
    assert.equal(holders.length, 1, 'the linkless second registration is gone too');
    assert.equal(holders[0].status, 'active');
    assert.equal(holders[0].name, '何超人');
  });

  it("lets whoever proves the email first have the national ID: a squatter's waiting registration of it goes", async () => {
    const victim = goodForm();
    const squatter = await register(victim);
    const owner = new Agent();
    const page = await passStep1(owner, goodForm({ national_id: victim.national_id! }));
    assert.equal((await submitConfirm(owner, page)).status, 303);
    const ownerEmail = (await db()('persons').whereNot({ id: squatter.id }).orderBy('created_at', 'desc').first())
      .email;
    assert.equal((await activateByLink(owner, await activationLink(ownerEmail))).status, 303);
    assert.equal(
      await db()('persons').where({ id: squatter.id }).first(),
      undefined,
      'the waiting registration is gone',
    );
    assert.ok(
      await db()('audit_events').where({ subject: squatter.id, action: 'person.registration_superseded' }).first(),
    );
    // The squatter's link now leads nowhere.
    assert.equal((await activateByLink(new Agent(), await activationLink(victim.email!.toLowerCase()))).status, 400);
  });

  it('forgets a registration whose activation links have all expired', async () => {
    const person = await register(goodForm());
    await db()('activation_tokens')
      .where({ person_id: person.id })
      .update({ expires_at: db().raw("now() - interval '1 second'") });
    await db()('persons')
      .where({ id: person.id })
      .update({ created_at: db().raw("now() - interval '2 days'") });
    assert.ok((await purgeExpiredRegistrations(db())) >= 1);
    assert.equal(await db()('persons').where({ id: person.id }).first(), undefined);
  });

  it('refuses a national ID with a wrong check digit and a school that does not exist', async () => {
    const agent = new Agent();
    const page = await agent.request(`${base}/register`);
    const bad = await postStep1(agent, page, goodForm({ national_id: 'N123456781', school: '999999' }));
    assert.equal(bad.status, 400);
    assert.equal(fieldError(bad.body, 'national_id'), zh('registration.errors.nationalIdInvalid'));
    assert.equal(fieldError(bad.body, 'school'), zh('registration.errors.schoolUnknown'));
    const malformed = await postStep1(agent, bad, goodForm({ school: '35360; drop table schools' }));
    assert.equal(fieldError(malformed.body, 'school'), zh('registration.errors.schoolUnknown'));
    // A resident certificate (new style) is a national ID too.
    const resident = await postStep1(agent, malformed, goodForm({ national_id: 'A800000014' }));
    assert.equal(fieldError(resident.body, 'national_id'), undefined);
  });

  it('uses a person check once: missing, failed and replayed checks are refused', async () => {
    const agent = new Agent();
    const page = await agent.request(`${base}/register`);
    const missing = await postStep1(agent, page, goodForm(), 'missing');
    assert.equal(fieldError(missing.body, 'challenge'), zh('challenge.required'));
    const wrong = await postStep1(agent, missing, goodForm(), 'wrong');
    assert.equal(fieldError(wrong.body, 'challenge'), zh('challenge.failed'));

    // A passed check spent on a form with another mistake cannot be used again.
    const passed = await challengeFields(base);
    const spent = await post(agent, '/register', {
      _csrf: hiddenField(wrong.body, '_csrf'),
      ...passed,
      ...goodForm({ phone: 'x' }),
    });
    assert.equal(fieldError(spent.body, 'challenge'), undefined);
    assert.equal(fieldError(spent.body, 'phone'), zh('registration.errors.phoneInvalid'));
    const replay = await post(agent, '/register', {
      _csrf: hiddenField(wrong.body, '_csrf'),
      ...passed,
      ...goodForm(),
    });
    assert.equal(replay.status, 400);
    assert.equal(fieldError(replay.body, 'challenge'), zh('challenge.failed'));

    // A fresh challenge from the widget's endpoint (signed, never cached) works.
    const fresh = await agent.request(`${base}/challenge`, { headers: { accept: 'application/json' } });
    assert.equal(fresh.status, 200);
    assert.match(JSON.parse(fresh.body).parameters.algorithm, /^PBKDF2/);
    const ok = await post(agent, '/register', {
      _csrf: hiddenField(wrong.body, '_csrf'),
      ...(await challengeFields(base)),
      ...goodForm(),
    });
    assert.equal(ok.status, 303);
  });

  it('refuses forms without the CSRF token (403)', async () => {
    const agent = new Agent();
    const page = await agent.request(`${base}/register`);
    const captcha = await captchaFields(page);
    for (const path of ['/register', '/register/confirm', '/register/resend']) {
      const res = await post(agent, path, { ...captcha, ...goodForm(), ticket: 'x'.repeat(43) });
      assert.equal(res.status, 403, path);
      assert.ok(res.body.includes(zh('error.csrf')));
    }
    const other = new Agent();
    await other.request(`${base}/register`);
    const foreign = await post(other, '/register', {
      _csrf: hiddenField(page.body, '_csrf'),
      ...captcha,
      ...goodForm(),
    });
    assert.equal(foreign.status, 403, "another browser's token");
  });

  it('refuses used, expired, wrong and malformed activation links with a clear page (400)', async () => {
    const form = goodForm();
    const person = await register(form);
    const link = await activationLink(person.email);
    await db()('activation_tokens')
      .where({ person_id: person.id })
      .update({ expires_at: db().raw("now() - interval '1 second'") });
    const expired = await new Agent().request(link);
    assert.equal(expired.status, 400);
    assert.ok(expired.body.includes(zh('registration.activate.expired')));
    assert.equal((await db()('persons').where({ id: person.id }).first()).status, 'pending');

    const wrong = await new Agent().request(
      `${base}/register/activate?token=${crypto.randomBytes(32).toString('base64url')}`,
    );
    assert.equal(wrong.status, 400);
    assert.ok(wrong.body.includes(zh('registration.activate.invalid')));
    for (const query of ['', '?token=', '?token=short', '?token=a&token=b', `?token=${'%00'.repeat(43)}`]) {
      const res = await new Agent().request(`${base}/register/activate${query}`);
      assert.equal(res.status, 400, query);
      assert.ok(res.body.includes(zh('registration.activate.invalid')), query);
    }
    const en = await new Agent().request(`${base}/register/activate/expired?lang=en`);
    assert.equal(en.status, 400);
    assert.ok(en.body.includes(translator('en')('registration.activate.expired')));
    assert.equal((await new Agent().request(`${base}/register/activate/whatever`)).status, 404);
  });

  it('lets exactly one of two racing confirmations for one email (or one ID) have it', async () => {
    for (const shared of ['email', 'national_id'] as const) {
      const value = shared === 'email' ? uniqueEmail('race') : randomNationalId();
      const a = new Agent();
      const b = new Agent();
      const [pageA, pageB] = await Promise.all([
        passStep1(a, goodForm({ [shared]: value })),
        passStep1(b, goodForm({ [shared]: value })),
      ]);
      const submitted = await Promise.all([submitConfirm(a, pageA), submitConfirm(b, pageB)]);
      assert.deepEqual(
        submitted.map((r) => r.status),
        [303, 303],
        'both registrations wait for their email',
      );
      const waiting = await db()('persons').where(
        shared === 'email'
          ? db().raw('lower(email) = ?', [value])
          : { national_id_index: server.storage.keyring.blindIndex('national-id-index', value) },
      );
      assert.equal(waiting.length, 2);
      // One email: the second registration gets no link of its own; the address gets a second link of the first.
      const mails = await db()('outbox_messages')
        .whereIn('recipient', [...new Set(waiting.map((p: { email: string }) => p.email))])
        .whereIn('kind', ['registration_activation', 'registration_waiting']);
      assert.equal(
        mails.filter((m: { kind: string }) => m.kind === 'registration_activation').length,
        shared === 'email' ? 1 : 2,
      );
      const links = mails.map(
        (m: { text_body: string }) => /(http\S+\/register\/activate\?token=[\w-]+)/.exec(m.text_body)![1]!,
      );
      assert.equal(links.length, 2);
      const results = await Promise.all(links.map((link) => activateByLink(new Agent(), link)));
      assert.deepEqual(results.map((r) => r.status).sort(), [303, 400], shared);
      const left = await db()('persons').whereIn(
        'id',
        waiting.map((p: { id: string }) => p.id),
      );
      assert.equal(left.length, 1, `${shared}: one account`);
      assert.equal(left[0].status, 'active');
    }
  });

  it('step 2 left open past its 30 minutes: step 1 again with all but the national ID and password kept', async () => {
    const agent = new Agent();
    const form = goodForm();
    const confirmPage = await passStep1(agent, form);
    assert.ok(!confirmPage.body.includes(form.national_id!) && !confirmPage.body.includes(PASSWORD));
    // The draft's cookie lives as long as the draft: gone, as after 30 minutes.
    agent.cookies.delete('reg_draft');
    agent.cookies.delete('reg_draft.sig');
    const fields: Record<string, string> = { _csrf: hiddenField(confirmPage.body, '_csrf') };
    for (const name of ['school', 'kind', 'email', 'name', 'phone', 'gender'])
      fields[`kept_${name}`] = hiddenField(confirmPage.body, `kept_${name}`);
    const expired = await post(agent, '/register/confirm', fields);
    assert.equal(expired.status, 400);
    assert.ok(expired.body.includes(zh('registration.errors.expiredKept')));
    assert.equal(inputValue(expired.body, 'email'), form.email);
    assert.equal(inputValue(expired.body, 'name'), form.name);
    assert.equal(inputValue(expired.body, 'phone'), form.phone);
    assert.match(expired.body, new RegExp(`<option value="${SCHOOL}" selected`));
    assert.match(expired.body, /<option value="teacher" selected/);
    assert.equal(inputValue(expired.body, 'national_id') ?? '', '', 'the national ID is typed again');
    assert.ok(!expired.body.includes(form.national_id!));
    // Typed again, the registration goes through.
    const again = await postStep1(agent, expired, form);
    assert.equal(again.status, 303);
    assert.equal(again.location, `${base}/register/confirm`);
  });

  it('sends step 2 without a finished step 1 back to step 1', async () => {
    const agent = new Agent();
    const confirm = await agent.request(`${base}/register/confirm`);
    assert.equal(confirm.status, 303);
    assert.equal(confirm.location, `${base}/register`);
    const page = await agent.request(`${base}/register`);
    const expired = await post(agent, '/register/confirm', { _csrf: hiddenField(page.body, '_csrf') });
    assert.equal(expired.status, 400);
    assert.ok(expired.body.includes(zh('registration.errors.expired')));
    // A step 1 with mistakes is not a finished one.
    await postStep1(agent, page, goodForm({ email: 'x' }));
    assert.equal((await agent.request(`${base}/register/confirm`)).status, 303);
  });

  it('keeps a pending account out of sign-in, and offers the activation mail again (3 times an hour)', async () => {
    const form = goodForm();
    const person = await register(form);

    // Through the real sign-in page: the password is right, the account pending.
    const agent = new Agent();
    const login = await agent.follow(`${base}/demo`);
    assert.equal(login.status, 200);
    const refused = await agent.submit(formAction(login.body, /\/login$/, login.url), {
      _csrf: hiddenField(login.body, '_csrf'),
      login: form.email!,
      password: PASSWORD,
    });
    assert.ok([401, 403].includes(refused.status), String(refused.status));
    assert.ok(refused.body.includes(zh('login.inactive')) || refused.body.includes(zh('login.pending.message')));

    // What the sign-in step does for it: a one-use ticket for the resend form (taken from the page once
    // src/interaction/login.ts offers it, else asked for here the way login.ts asks).
    const uid = /\/interaction\/([\w-]+)\/login/.exec(login.body)![1]!;
    assert.equal(await server.services.enrolment.offerResend({ personId: crypto.randomUUID() }), undefined);
    const offered = /name="ticket" value="([\w-]{43})"/.exec(refused.body)?.[1];
    const ticket = offered ?? (await server.services.enrolment.offerResend({ personId: person.id, interaction: uid }))!;
    assert.match(ticket, /^[\w-]{43}$/);
    const csrf = hiddenField(login.body, '_csrf');
    const sent = await post(agent, '/register/resend', { _csrf: csrf, ticket });
    assert.equal(sent.status, 200);
    assert.ok(sent.body.includes(zh('registration.resend.sent')));
    assert.match(sent.body, new RegExp(`href="/interaction/${uid}"`));
    assert.equal(
      (await db()('outbox_messages').where({ recipient: person.email, kind: 'registration_activation' })).length,
      2,
    );
    const reused = await post(agent, '/register/resend', { _csrf: csrf, ticket });
    assert.equal(reused.status, 400, 'a ticket is good once');
    assert.ok(reused.body.includes(zh('registration.resend.expired')));

    for (let i = 2; i <= 3; i++) {
      const t = (await server.services.enrolment.offerResend({ personId: person.id }))!;
      assert.equal((await post(agent, '/register/resend', { _csrf: csrf, ticket: t })).status, 200, `resend ${i}`);
    }
    const t4 = (await server.services.enrolment.offerResend({ personId: person.id }))!;
    const limited = await post(agent, '/register/resend', { _csrf: csrf, ticket: t4 });
    assert.equal(limited.status, 429);
    assert.ok(limited.body.includes(zh('registration.resend.limited')));
    assert.equal(
      (await db()('outbox_messages').where({ recipient: person.email, kind: 'registration_activation' })).length,
      4,
    );

    // Any of the links activates; then there is nothing to offer.
    const links = (
      await db()('outbox_messages')
        .where({ recipient: person.email, kind: 'registration_activation' })
        .orderBy('created_at')
    ).map((m) => /(http\S+token=[\w-]+)/.exec(m.text_body)![1]!);
    assert.equal(new Set(links).size, 4);
    assert.equal((await activateByLink(new Agent(), links[0]!)).status, 303);
    assert.equal((await new Agent().request(links[3]!)).status, 400, 'the others count as used');
    assert.equal(await server.services.enrolment.offerResend({ personId: person.id }), undefined);
    const audit = await db()('audit_events').where({ subject: person.id, action: 'person.activation_resent' });
    assert.equal(audit.length, 3);
  });

  it('writes the activation mail in English for a registration made in English', async () => {
    const agent = new Agent();
    const page = await agent.request(`${base}/register?lang=en`);
    assert.match(page.body, /Please enter your details/);
    const form = goodForm();
    const res = await postStep1(agent, page, form);
    const confirmPage = await agent.request(res.location!);
    assert.match(confirmPage.body, /Are your details correct\?/);
    await submitConfirm(agent, confirmPage);
    const mail = await db()('outbox_messages')
      .where({ recipient: form.email, kind: 'registration_activation' })
      .first();
    assert.match(mail.subject, /confirm your registration/);
    assert.match(mail.text_body, /^Welcome to /);
  });

  it('limits the checks for a taken ID or email, and the accounts made, per network address', async () => {
    const throttle = server.services.throttle;
    // Loopback as this server sees it, either way it is written.
    const addresses = ['127.0.0.1', '::ffff:127.0.0.1', '::1'];
    const spend = async (limit: Limit) => {
      for (const a of addresses) for (let i = 0; i < limit.max; i++) await throttle.hit(limit, a);
    };
    const reset = () =>
      Promise.all(addresses.flatMap((a) => Object.values(REGISTRATION).map((limit) => throttle.reset(limit, a))));
    try {
      // Step 1 with a national ID someone holds: after the address's lookups, it is not told (nor anything else).
      const holder = goodForm();
      await register(holder);
      await spend(REGISTRATION.lookupsPerAddress);
      const agent = new Agent();
      const form = goodForm({ national_id: holder.national_id! });
      const limited = await postStep1(agent, await agent.request(`${base}/register`), form);
      assert.equal(limited.status, 429);
      assert.ok(limited.body.includes(zh('error.tooMany')));
      assert.ok(!limited.body.includes(zh('registration.errors.nationalIdTaken')), 'the ID is not looked up');
      assert.equal(inputValue(limited.body, 'name'), form.name, 'the values stay');
      await reset();

      // Step 2 after the address's accounts: nothing made, no mail, the values there to send again.
      const next = goodForm();
      const confirmPage = await passStep1(agent, next);
      await spend(REGISTRATION.accountsPerAddress);
      const refused = await submitConfirm(agent, confirmPage);
      assert.equal(refused.status, 429);
      assert.ok(refused.body.includes(zh('error.tooMany')));
      assert.match(refused.body, /id="submit-registration"/, 'the form to send again');
      assert.equal(await db()('persons').where({ email: next.email!.toLowerCase() }).first(), undefined);
      await reset();
      assert.equal((await submitConfirm(agent, await agent.request(`${base}/register/confirm`))).status, 303);
    } finally {
      await reset();
    }
  });
});
