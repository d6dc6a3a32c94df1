// Passwords over HTTP: the forced change at first sign-in, reset by email link and by SMS code, answers that never
// tell whether an account exists, rate limits and CSRF.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import bcrypt from 'bcrypt';
import * as oidc from 'openid-client';
import { hashPassword } from '../../../src/domain/people/passwords.ts';
import { insertPerson, type Person } from '../../../src/domain/people/persons.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { PASSWORD_RESET } from '../../../src/platform/limits.ts';
import { oneUseKey } from '../../../src/platform/one-use.ts';
import { Agent, formAction, hiddenField, html, type Step } from '../../helpers/agent.ts';
import { challengeFields } from '../../helpers/challenge.ts';
import { authorizationUrl, CALLBACK, discover, pkce, registerClient, signIn, submitLogin } from '../../helpers/rp.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const SECRET = 'password-test-secret-0123456789abcdef';
const CLIENT = 'pw-rp';
const OFFLINE = 'pw-offline-rp';
const LOOPBACK = ['127.0.0.1', '::ffff:127.0.0.1', '::1'];
/** pug escapes these in text; our messages contain none of the others. */

describe(`passwords: forced change and reset (${storageMode})`, () => {
  let server: TestServer;
  const db = () => server.storage.db;
  const shared = () => server.storage.shared;

  const resetAddressCounters = () =>
    Promise.all(LOOPBACK.map((a) => server.services.throttle.reset(PASSWORD_RESET.address, a)));

  before(async () => {
    server = await startTestServer();
    await registerClient(server, { client_id: CLIENT, first_party: true }, SECRET);
    await registerClient(
      server,
      { client_id: OFFLINE, first_party: true, grant_types: ['authorization_code', 'refresh_token'] },
      SECRET,
    );
    // A shared PostgreSQL keeps counters between runs: start this run's address count at zero.
    await resetAddressCounters();
  });
  after(async () => {
    await resetAddressCounters();
    await server.close();
  });

  type NewPerson = {
    mustChange?: boolean;
    email?: boolean;
    emailVerified?: boolean;
    mobile?: boolean;
    password?: string;
  };
  async function newPerson(opts: NewPerson = {}) {
    const tag = crypto.randomBytes(4).toString('hex');
    const username = `pw-${tag}`;
    const password = opts.password ?? 'Old-Password-1';
    const mobile = opts.mobile ? `09${String(crypto.randomInt(0, 1e8)).padStart(8, '0')}` : undefined;
    const email = opts.email ? `pw-${tag}@school.example.edu.tw` : undefined;
    const person = await insertPerson(db(), {
      username,
      name: '陳測試',
      passwordHash: await hashPassword(password, 4),
      email,
      emailVerified: opts.emailVerified ?? !!email,
      mobile,
      mustChangePassword: opts.mustChange,
    });
    return { ...person, password, email, mobile: mobile ?? null };
  }
  const row = async (id: string): Promise<Person> => db()('persons').where({ id }).first();

  async function startSignIn(agent: Agent) {
    const conf = await discover(server.issuer, CLIENT, SECRET);
    const p = await pkce();
    const page = await agent.follow(String(authorizationUrl(conf, p)), CALLBACK);
    assert.equal(page.status, 200);
    const uid = /\/interaction\/([A-Za-z0-9_-]+)\/login/.exec(page.body)![1]!;
    return { conf, p, page, uid };
  }

  const post = (agent: Agent, page: Step, action: RegExp, fields: Record<string, string>) =>
    agent.submit(
      formAction(page.body, action, page.url),
      { _csrf: hiddenField(page.body, '_csrf'), ...fields },
      CALLBACK,
    );

  /** The person check, passed as the page's widget passes it. */
  const captcha = (_page: Step) => challengeFields(server.issuer);

  /** The forgot page (from a sign-in when `uid` is given), submitted for `target`. */
  async function forgot(agent: Agent, target: string, uid?: string) {
    const page = await agent.request(`${server.issuer}/password/forgot${uid ? `?interaction=${uid}` : ''}`);
    assert.equal(page.status, 200);
    return post(agent, page, /\/password\/forgot/, { target, ...(await captcha(page)) });
  }

  async function lastMessage(recipient: string, kind: string) {
    await server.services.background.idle(); // the lookup and the sending run after the answer
    return db()('outbox_messages').where({ recipient, kind }).orderBy('created_at', 'desc').first();
  }

  async function resetLink(email: string): Promise<string> {
    const mail = await lastMessage(email, 'password_reset');
    assert.ok(mail, 'a reset mail was queued');
    const link = /https?:\/\/\S+\/password\/reset\?token=[A-Za-z0-9_-]{43}/.exec(mail.text_body)?.[0];
    assert.ok(link, 'the mail has the link');
    return link;
  }

  const smsCode = async (mobile: string) =>
    /\b(\d{6})\b/.exec((await lastMessage(mobile, 'password_reset_code')).text_body)![1]!;
  const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

  describe('forced change at first sign-in', () => {
    it('refuses weak or mismatched passwords, each with its message and nothing changed, then continues to the client', async () => {
      const person = await newPerson({ mustChange: true, password: 'Temp-Start-2026' });
      const agent = new Agent();
      const { conf, p, page, uid } = await startSignIn(agent);
      const form = await submitLogin(agent, page, person.username!, person.password);
      assert.equal(form.status, 200);
      assert.equal(form.url, `${server.issuer}/interaction/${uid}/password`);
      assert.match(form.body, new RegExp(zh('password.change.title')));
      assert.equal(form.body.match(/autocomplete="new-password"/g)?.length, 2);
      assert.match(form.body, new RegExp(zh('password.policy.notCommon').slice(0, 6)));

      const refusals: [string, string, string][] = [
        ['short-1', 'short-1', zh('password.policy.tooShort')],
        ['password123', 'password123', zh('password.policy.common')],
        [person.username!, person.username!, zh('password.policy.personal')],
        ['Blue-Kettle-1987', 'Blue-Kettle-1988', zh('password.field.mismatch')],
        ['Temp-Start-2026', 'Temp-Start-2026', zh('password.field.sameAsCurrent')],
      ];
      let current = form;
      for (const [password, confirm, message] of refusals) {
        current = await post(agent, current, /\/password$/, { password, confirm });
        assert.equal(current.status, 400, password);
        assert.ok(current.body.includes(html(message)), `message for ${password}`);
        assert.match(current.body, /class="field-error"/);
        const stored = await row(person.id);
        assert.equal(stored.password_hash, person.password_hash, 'nothing changed');
        assert.equal(stored.must_change_password, true);
      }

      const done = await post(agent, current, /\/password$/, {
        password: 'Blue-Kettle-1987',
        confirm: 'Blue-Kettle-1987',
      });
      assert.ok(done.location?.startsWith(CALLBACK), `continued to the client, got ${done.status}`);
      const tokens = await oidc.authorizationCodeGrant(conf, new URL(done.location!), {
        pkceCodeVerifier: p.verifier,
        expectedState: p.state,
        expectedNonce: p.nonce,
      });
      assert.equal(tokens.claims()!.sub, person.id);

      const stored = await row(person.id);
      assert.notEqual(stored.password_hash, person.password_hash);
      assert.ok(await bcrypt.compare('Blue-Kettle-1987', stored.password_hash!));
      assert.equal(stored.must_change_password, false);
      assert.ok(stored.password_changed_at);
      const audit = await db()('audit_events').where({ subject: person.id, action: 'password.changed' }).first();
      assert.equal(audit.detail.reason, 'forced');
      assert.equal(audit.detail.client, CLIENT);
      assert.doesNotMatch(JSON.stringify(audit.detail), /Kettle/);

      // The next sign-in goes straight through with the new password; the old one is refused.
      const next = new Agent();
      const again = await startSignIn(next);
      assert.equal((await submitLogin(next, again.page, person.username!, person.password)).status, 401);
      const through = await submitLogin(next, again.page, person.username!, 'Blue-Kettle-1987');
      assert.ok(through.location?.startsWith(CALLBACK));
    });

    it('sends a visit to the change page without a pending change back to the sign-in page', async () => {
      const agent = new Agent();
      const { uid } = await startSignIn(agent);
      const res = await agent.request(`${server.issuer}/interaction/${uid}/password`);
      assert.equal(res.status, 303);
      assert.equal(res.location, `${server.issuer}/interaction/${uid}`);
    });
  });

  describe('reset by email', () => {
    it('sends a one-use link that sets a new password and returns to the same sign-in', async () => {
      const person = await newPerson({ email: true, mustChange: true });
      const agent = new Agent();
      const { page: signInPage, uid } = await startSignIn(agent);
      assert.ok(
        signInPage.body.includes(`href="/password/forgot?interaction=${uid}"`),
        'the sign-in page links to the reset',
      );

      const sent = await forgot(agent, person.email!.toUpperCase(), uid);
      assert.equal(sent.status, 200);
      assert.equal(sent.url, `${server.issuer}/password/forgot/sent?interaction=${uid}`);
      assert.ok(sent.body.includes(html(zh('password.sent.text'))));

      const mail = await lastMessage(person.email!, 'password_reset');
      assert.equal(
        mail.subject,
        '臺北市校園單一身分驗證：重設您的密碼 / Taipei Campus Single Sign-On: reset your password',
      );
      assert.match(mail.text_body, /陳測試 您好/);
      assert.match(mail.text_body, /Hello 陳測試/);
      assert.ok(mail.text_body.indexOf('1 小時') < mail.text_body.indexOf('1 hour'), 'Chinese first, English below');
      const link = await resetLink(person.email!);
      assert.ok(link.startsWith(`${server.issuer}/password/reset?token=`));
      const token = new URL(link).searchParams.get('token')!;
      const stored = await shared().peek(oneUseKey('password-reset', token));
      assert.ok(stored && !stored.includes(token), 'the store has the token’s hash, not the token');

      // Opening the link (a mail scanner would too) does not use it up; refusals keep it usable.
      const form = await agent.request(link);
      assert.equal(form.status, 200);
      assert.match(form.body, /autocomplete="new-password"/);
      const refused = await post(agent, form, /\/password\/reset/, { password: '12345678', confirm: '12345678' });
      assert.equal(refused.status, 400);
      assert.ok(refused.body.includes(html(zh('password.policy.common'))));
      assert.equal((await row(person.id)).password_hash, person.password_hash);

      const done = await post(agent, await agent.request(link), /\/password\/reset/, {
        password: 'Green-Lamp-4471',
        confirm: 'Green-Lamp-4471',
      });
      assert.equal(done.status, 200);
      assert.equal(
        done.url,
        `${server.issuer}/password/reset/done?interaction=${uid}`,
        'a page of its own: a reload sends nothing',
      );
      assert.ok(done.body.includes(html(zh('password.reset.done'))));
      assert.ok(done.body.includes(`href="/interaction/${uid}"`), 'links back to the same sign-in');

      const after = await row(person.id);
      assert.ok(await bcrypt.compare('Green-Lamp-4471', after.password_hash!));
      assert.equal(after.must_change_password, false);
      const audit = await db()('audit_events').where({ subject: person.id, action: 'password.reset' }).first();
      assert.equal(audit.detail.via, 'email');
      const notice = await lastMessage(person.email!, 'password_changed');
      assert.ok(notice, 'a "password changed" mail is queued');
      assert.equal(
        notice.subject,
        '臺北市校園單一身分驗證：您的密碼已變更 / Taipei Campus Single Sign-On: your password was changed',
      );

      // Once only. Opened again in this browser (Back from the done page), the link leads to its done page; anywhere
      // else it says it works no more. Sent again, it changes nothing either way.
      const second = await agent.request(link);
      assert.equal(second.status, 303);
      assert.equal(second.location, `${server.issuer}/password/reset/done?interaction=${uid}`);
      const elsewhere = await new Agent().request(link);
      assert.equal(elsewhere.status, 400);
      assert.ok(elsewhere.body.includes(html(zh('password.reset.invalid'))));
      const replay = await post(agent, form, /\/password\/reset/, {
        password: 'Other-Lamp-9981',
        confirm: 'Other-Lamp-9981',
      });
      assert.equal(replay.url, `${server.issuer}/password/reset/done?interaction=${uid}`);
      const otherAgent = new Agent();
      const replayElsewhere = await otherAgent.submit(formAction(form.body, /\/password\/reset/, form.url), {
        _csrf: hiddenField((await otherAgent.request(`${server.issuer}/password/forgot`)).body, '_csrf'),
        password: 'Other-Lamp-9981',
        confirm: 'Other-Lamp-9981',
      });
      assert.equal(replayElsewhere.status, 400);
      assert.ok(await bcrypt.compare('Green-Lamp-4471', (await row(person.id)).password_hash!));

      // Back at the sign-in it came from: the new password signs in, no forced change any more.
      const back = await agent.request(`${server.issuer}/interaction/${uid}`);
      assert.equal(back.status, 200);
      const signedIn = await submitLogin(agent, back, person.username!, 'Green-Lamp-4471');
      assert.ok(signedIn.location?.startsWith(CALLBACK), `signed in, got ${signedIn.status}`);
    });

    it('keeps a link for 1 hour only', async () => {
      const person = await newPerson({ email: true });
      await forgot(new Agent(), person.email!);
      const link = await resetLink(person.email!);
      const key = oneUseKey('password-reset', new URL(link).searchParams.get('token')!);
      const ttl = server.storage.redis
        ? await server.storage.redis.ttl(`${server.env.REDIS_PREFIX}store:${key}`)
        : Number(
            (
              await db().raw('select extract(epoch from expires_at - now()) as s from ephemeral_values where key = ?', [
                key,
              ])
            ).rows[0].s,
          );
      assert.ok(ttl > 3590 && ttl <= 3600, `TTL ${ttl}`);
      assert.equal((await new Agent().request(link)).status, 200);
      // The hour passes: the same entry, due now.
      await shared().put(key, (await shared().peek(key))!, 1);
      await sleep(1100);
      const expired = await new Agent().request(link);
      assert.equal(expired.status, 400);
      assert.ok(expired.body.includes(html(zh('password.reset.invalid'))));
    });

    it('words a new account’s first password (a welcome link) as set, not reset', async () => {
      const person = await newPerson({ email: true });
      const token = await server.services.passwordLinks.issue(
        { personId: person.id, via: 'welcome', issuedAt: Date.now() },
        3600,
      );
      const agent = new Agent();
      const form = await agent.request(`${server.issuer}/password/reset?token=${token}`);
      assert.equal(form.status, 200);
      assert.ok(form.body.includes(html(zh('password.welcome.title'))));
      assert.ok(!form.body.includes(html(zh('password.reset.title'))));
      const done = await agent.submit(formAction(form.body, /\/password\/reset/, form.url), {
        _csrf: hiddenField(form.body, '_csrf'),
        password: 'A-First-Password-2026',
        confirm: 'A-First-Password-2026',
      });
      assert.equal(done.status, 200);
      assert.ok(done.body.includes(html(zh('password.welcome.done'))), 'no word of other devices signed out');
    });

    it('answers a wrong or malformed token with a clear error page (400)', async () => {
      for (const token of [crypto.randomBytes(32).toString('base64url'), 'abc', '']) {
        const res = await new Agent().request(`${server.issuer}/password/reset?token=${token}`);
        assert.equal(res.status, 400, token);
        assert.ok(res.body.includes(html(zh('password.reset.invalidTitle'))));
        assert.ok(res.body.includes(html(zh('password.reset.invalid'))));
        assert.ok(res.body.includes('href="/password/forgot"'));
      }
      const missing = await new Agent().request(`${server.issuer}/password/reset`);
      assert.equal(missing.status, 400);
    });

    it('ends every session and grant of the person, offline ones too, and says so on the page and by mail', async () => {
      const person = await newPerson({ email: true });
      // Signed in elsewhere, with an app that holds a refresh token.
      const elsewhere = new Agent();
      const conf = await discover(server.issuer, OFFLINE, SECRET);
      const flow = await pkce();
      const back = await signIn(
        elsewhere,
        authorizationUrl(conf, flow, { scope: 'openid offline_access', prompt: 'consent' }),
        person.username!,
        person.password,
      );
      const tokens = await oidc.authorizationCodeGrant(conf, back, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
      });
      assert.ok(tokens.refresh_token);

      const agent = new Agent();
      await forgot(agent, person.email!);
      const link = await resetLink(person.email!);
      const form = await agent.request(link);
      const done = await post(agent, form, /\/password\/reset/, {
        password: 'Quiet-Harbour-2291',
        confirm: 'Quiet-Harbour-2291',
      });
      assert.equal(done.status, 200);
      assert.ok(done.body.includes(html(zh('password.reset.done'))));

      await assert.rejects(oidc.refreshTokenGrant(conf, tokens.refresh_token!), 'the refresh token is revoked');
      // The other browser's session is gone: signing in there asks for the password again.
      const again = await elsewhere.follow(String(authorizationUrl(conf, await pkce())), CALLBACK);
      assert.match(again.body, /action="[^"]*\/login"/);
      const notice = await lastMessage(person.email!, 'password_changed');
      assert.match(notice.text_body, /其他裝置上的登入和應用程式的授權都已結束/);
    });

    it('voids a link once the password has changed by other means', async () => {
      const person = await newPerson({ email: true });
      await forgot(new Agent(), person.email!);
      const link = await resetLink(person.email!);
      await db()('persons')
        .where({ id: person.id })
        .update({ password_changed_at: new Date(Date.now() + 1000) });
      assert.equal((await new Agent().request(link)).status, 400);
    });
  });

  describe('reset by SMS code', () => {
    async function askCode(agent: Agent, mobile: string, uid?: string) {
      const page = await forgot(agent, mobile.replace(/^09(\d{2})(\d{3})(\d{3})$/, '09$1-$2-$3'), uid);
      assert.equal(page.status, 200);
      assert.match(page.url, /\/password\/reset\/code\?ticket=[A-Za-z0-9_-]{43}$/);
      return page;
    }

    it('refuses a wrong code, then takes the right one to the new-password form', async () => {
      const person = await newPerson({ mobile: true });
      const agent = new Agent();
      const { uid } = await startSignIn(agent);
      let page = await askCode(agent, person.mobile!, uid);
      assert.ok(page.body.includes(html(zh('password.code.text'))));
      assert.match(page.body, /autocomplete="one-time-code"/);
      const code = await smsCode(person.mobile!);
      const sms = await lastMessage(person.mobile!, 'password_reset_code');
      assert.match(sms.text_body, /驗證碼.*Password reset code/);

      page = await post(agent, page, /\/password\/reset\/code/, { code: 'abc' });
      assert.equal(page.status, 400);
      assert.ok(page.body.includes(html(zh('password.code.invalid'))));
      page = await post(agent, page, /\/password\/reset\/code/, { code: wrong(code) });
      assert.equal(page.status, 400);
      assert.ok(page.body.includes(html(zh('password.code.wrong', { count: 4 }))));

      const form = await post(agent, page, /\/password\/reset\/code/, {
        code: ` ${code.slice(0, 3)} ${code.slice(3)} `,
      });
      assert.equal(form.status, 200);
      assert.match(form.url, /\/password\/reset\?token=/);
      const done = await post(agent, form, /\/password\/reset/, {
        password: 'Quiet-River-5530',
        confirm: 'Quiet-River-5530',
      });
      assert.equal(done.status, 200);
      assert.ok(done.body.includes(`href="/interaction/${uid}"`));
      assert.ok(await bcrypt.compare('Quiet-River-5530', (await row(person.id)).password_hash!));
      const audit = await db()('audit_events').where({ subject: person.id, action: 'password.reset' }).first();
      assert.equal(audit.detail.via, 'sms');
      // No verified email: the notice goes by SMS.
      assert.ok(await lastMessage(person.mobile!, 'password_changed'));

      // The code is used up. Sent again from this browser (Back, an old tab), it leads on to where the right code
      // led — here the done page, the password being set; from any other browser it says the code is gone.
      const reuse = await post(agent, page, /\/password\/reset\/code/, { code });
      assert.equal(reuse.status, 200);
      assert.equal(reuse.url, `${server.issuer}/password/reset/done?interaction=${uid}`);
      const reread = await agent.request(page.url);
      assert.equal(reread.status, 303, 'the code page, asked again, leads on too');
      const stranger = new Agent();
      const gone = await stranger.request(page.url);
      assert.equal(gone.status, 400);
      assert.ok(gone.body.includes(html(zh('password.code.expired'))));
    });

    it('gives up after 5 wrong codes, even for the right one next', async () => {
      const person = await newPerson({ mobile: true });
      const agent = new Agent();
      let page = await askCode(agent, person.mobile!);
      const code = await smsCode(person.mobile!);
      for (let i = 1; i <= 4; i++) {
        page = await post(agent, page, /\/password\/reset\/code/, { code: wrong(code) });
        assert.equal(page.status, 400);
        assert.ok(page.body.includes(html(zh('password.code.wrong', { count: 5 - i }))));
      }
      const fifth = await post(agent, page, /\/password\/reset\/code/, { code: wrong(code) });
      assert.equal(fifth.status, 429);
      assert.ok(fifth.body.includes(html(zh('password.code.tooMany'))));
      const right = await post(agent, page, /\/password\/reset\/code/, { code });
      assert.equal(right.status, 400);
      assert.ok(right.body.includes(html(zh('password.code.expired'))));
      assert.equal((await row(person.id)).password_hash, person.password_hash);
    });
  });

  describe('typed as a Chinese input method types it', () => {
    /** Full-width letters, digits and signs, as a Chinese input method in its full-width mode types them. */
    const fullWidth = (text: string) =>
      [...text].map((c) => (c > ' ' && c <= '~' ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)).join('');

    it('takes a full-width mobile number and code, as the sign-in takes the number', async () => {
      const person = await newPerson({ mobile: true });
      const agent = new Agent();
      const typed = fullWidth(person.mobile!.replace(/^(\d{4})(\d{3})(\d{3})$/, '$1-$2-$3'));
      assert.match(typed, /^０９[０-９]{2}－[０-９]{3}－[０-９]{3}$/);
      const page = await forgot(agent, typed);
      assert.equal(page.status, 200, 'not refused as a wrong number');
      assert.match(page.url, /\/password\/reset\/code\?ticket=/);
      const code = await smsCode(person.mobile!);
      const form = await post(agent, page, /\/password\/reset\/code/, {
        code: fullWidth(`${code.slice(0, 3)}-${code.slice(3)}`),
      });
      assert.equal(form.status, 200);
      assert.match(form.url, /\/password\/reset\?token=/, 'the full-width code is the right code');
    });

    it('takes a full-width email address', async () => {
      const person = await newPerson({ email: true });
      const agent = new Agent();
      const sent = await forgot(agent, fullWidth(person.email!));
      assert.equal(sent.status, 200, 'not refused as a wrong address');
      assert.equal(sent.url, `${server.issuer}/password/forgot/sent`);
      await resetLink(person.email!);
    });
  });

  describe('refused forms stand for their pages (Back and reload ask for the page, never send the form again)', () => {
    const formPage = (body: string) => /<body[^>]* data-form-page="([^"]*)"/.exec(body)?.[1]?.replaceAll('&amp;', '&');

    it('a refused address, code or password names the page it answers for; asking for it uses no try', async () => {
      const person = await newPerson({ mobile: true });
      const agent = new Agent();
      const { uid } = await startSignIn(agent);
      const blank = await agent.request(`${server.issuer}/password/forgot?interaction=${uid}`);
      const refused = await post(agent, blank, /\/password\/forgot/, { target: 'not an address' });
      assert.equal(refused.status, 400);
      assert.equal(formPage(refused.body), `/password/forgot?interaction=${uid}`);

      const page = await forgot(agent, person.mobile!, uid);
      const ticketPage = new URL(page.url).pathname + new URL(page.url).search;
      const code = await smsCode(person.mobile!);
      const first = await post(agent, page, /\/password\/reset\/code/, { code: wrong(code) });
      assert.equal(first.status, 400);
      assert.ok(first.body.includes(html(zh('password.code.wrong', { count: 4 }))));
      assert.equal(formPage(first.body), ticketPage);
      // The reload: the code page, no code sent, no try used.
      const reloaded = await agent.request(`${server.issuer}${formPage(first.body)}`);
      assert.equal(reloaded.status, 200);
      assert.ok(!reloaded.body.includes(html(zh('password.code.wrong', { count: 3 }))));
      const second = await post(agent, reloaded, /\/password\/reset\/code/, { code: wrong(code) });
      assert.ok(second.body.includes(html(zh('password.code.wrong', { count: 3 }))), 'the reload used no try');
      const invalid = await post(agent, second, /\/password\/reset\/code/, { code: 'abc' });
      assert.equal(formPage(invalid.body), ticketPage);

      const form = await post(agent, second, /\/password\/reset\/code/, { code });
      const resetPage = new URL(form.url).pathname + new URL(form.url).search;
      const mistyped = await post(agent, form, /\/password\/reset/, {
        password: 'Amber-Field-2231',
        confirm: 'Amber-Field-2213',
      });
      assert.equal(mistyped.status, 400);
      assert.equal(formPage(mistyped.body), resetPage);
      // Asked for again, the form is as it was: nothing sent, the link still good.
      const again = await agent.request(`${server.issuer}${resetPage}`);
      assert.equal(again.status, 200);
      const done = await post(agent, again, /\/password\/reset/, {
        password: 'Amber-Field-2231',
        confirm: 'Amber-Field-2231',
      });
      assert.equal(done.url, `${server.issuer}/password/reset/done?interaction=${uid}`);
      // Back from the done page: the form's page, whose link is used up, leads to the done page again; so does the
      // code page before it.
      for (const back of [resetPage, ticketPage]) {
        const landed = await agent.follow(`${server.issuer}${back}`);
        assert.equal(landed.status, 200, back);
        assert.equal(landed.url, `${server.issuer}/password/reset/done?interaction=${uid}`, back);
        assert.ok(landed.body.includes(html(zh('password.reset.done'))));
      }
    });
  });

  describe('never tells whether an account exists', () => {
    const strip = (body: string) =>
      body.replace(/ticket=[A-Za-z0-9_-]{43}/g, 'ticket=T').replace(/name="_csrf" value="[^"]*"/g, '');

    it('answers an unknown or unverified email exactly like a known one, and sends nothing', async () => {
      const known = await newPerson({ email: true });
      const unverified = await newPerson({ email: true, emailVerified: false });
      const unknown = `nobody-${crypto.randomBytes(4).toString('hex')}@school.example.edu.tw`;
      const answers = [];
      for (const target of [known.email!, unverified.email!, unknown]) {
        const agent = new Agent();
        const page = await agent.request(`${server.issuer}/password/forgot`);
        const res = await agent.request(formAction(page.body, /\/password\/forgot/, page.url), {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            _csrf: hiddenField(page.body, '_csrf'),
            target,
            ...(await captcha(page)),
          }).toString(),
        });
        const shown = await agent.request(res.location!);
        answers.push({ status: res.status, location: res.location, page: shown.body });
      }
      assert.deepEqual(answers[1], answers[0]);
      assert.deepEqual(answers[2], answers[0]);
      assert.ok(await lastMessage(known.email!, 'password_reset'));
      assert.equal(await lastMessage(unverified.email!, 'password_reset'), undefined);
      assert.equal(await lastMessage(unknown, 'password_reset'), undefined);
    });

    it('answers before looking anyone up, so an address with an account is answered as fast as one without', async () => {
      const known = await newPerson({ email: true, mobile: true });
      const release = server.services.background.hold();
      let released = false;
      try {
        const mail = await forgot(new Agent(), known.email!);
        const smsAgent = new Agent();
        const sms = await forgot(smsAgent, known.mobile!);
        assert.match(mail.url, /\/password\/forgot\/sent$/);
        assert.match(sms.url, /\/password\/reset\/code\?ticket=/);
        // Both answers are out, and nothing about the person has been looked up or sent yet.
        const queued = await db()('outbox_messages').whereIn('recipient', [known.email!, known.mobile!]);
        assert.deepEqual(queued, []);
        release();
        released = true;
        assert.ok(await lastMessage(known.email!, 'password_reset'), 'then the mail is queued');
        assert.ok(await lastMessage(known.mobile!, 'password_reset_code'), 'and the SMS');
        // The code sent belongs to the ticket of the answer given before it.
        const code = await smsCode(known.mobile!);
        const right = await post(smsAgent, sms, /\/password\/reset\/code/, { code });
        assert.equal(right.status, 200);
        assert.match(right.url, /\/password\/reset(\?|$)/);
      } finally {
        if (!released) release();
      }
    });

    it('answers an unknown mobile number like a known one, down to a wrong code', async () => {
      const known = await newPerson({ mobile: true });
      const unknown = `09${String(crypto.randomInt(0, 1e8)).padStart(8, '0')}`;
      const answers = [];
      for (const mobile of [known.mobile!, unknown]) {
        const agent = new Agent();
        const page = await forgot(agent, mobile);
        const code = mobile === known.mobile ? wrong(await smsCode(mobile)) : '999999';
        const wrongCode = await post(agent, page, /\/password\/reset\/code/, { code });
        answers.push({
          page: strip(page.body),
          status: page.status,
          wrong: strip(wrongCode.body),
          wrongStatus: wrongCode.status,
        });
      }
      assert.deepEqual(answers[1], answers[0]);
      assert.equal(await lastMessage(unknown, 'password_reset_code'), undefined);
    });
  });

  describe('limits and form checks', () => {
    it('refuses a 4th request for the same target within the hour, whether or not it has an account', async () => {
      const target = `limit-${crypto.randomBytes(4).toString('hex')}@school.example.edu.tw`;
      for (let i = 0; i < PASSWORD_RESET.target.max; i++) assert.equal((await forgot(new Agent(), target)).status, 200);
      const limited = await forgot(new Agent(), target);
      assert.equal(limited.status, 429);
      assert.ok(limited.body.includes(html(zh('password.forgot.tooMany'))));
      assert.ok(limited.body.includes(`value="${target}"`), 'the typed target is kept');
    });

    it('refuses requests from an address over its limit', async () => {
      try {
        for (const address of LOOPBACK) {
          for (let i = 0; i < PASSWORD_RESET.address.max; i++)
            await server.services.throttle.hit(PASSWORD_RESET.address, address);
        }
        const limited = await forgot(
          new Agent(),
          `addr-${crypto.randomBytes(4).toString('hex')}@school.example.edu.tw`,
        );
        assert.equal(limited.status, 429);
      } finally {
        await resetAddressCounters();
      }
    });

    it('shows field-level messages for a bad target and a failed person check, keeping what was typed', async () => {
      const agent = new Agent();
      const page = await agent.request(`${server.issuer}/password/forgot`);
      const res = await post(agent, page, /\/password\/forgot/, {
        target: 'not an address',
        question_token: hiddenField(page.body, 'question_token'),
        question_answer: '99',
      });
      assert.equal(res.status, 400);
      assert.ok(res.body.includes(html(zh('password.forgot.invalidTarget'))));
      assert.ok(res.body.includes(html(zh('challenge.failed'))));
      assert.ok(res.body.includes('value="not an address"'));
      const empty = await post(agent, res, /\/password\/forgot/, { target: '' });
      assert.equal(empty.status, 400);
      assert.ok(empty.body.includes(html(zh('password.forgot.required'))));
      assert.ok(empty.body.includes(html(zh('challenge.required'))));
    });

    it('works without scripts: the question in words, answered with a number, good once', async () => {
      const person = await newPerson({ email: true });
      const agent = new Agent();
      const page = await agent.request(`${server.issuer}/password/forgot`);
      // What a person without scripts reads: 「請回答：三加四等於多少？」
      const question = /<label for="question_answer">([^<]+)<\/label>/.exec(page.body)![1]!;
      const numbers = [...'一二三四五六七八九'];
      const [a, b] = [...question.matchAll(/[一二三四五六七八九]/g)].map((m) => numbers.indexOf(m[0]) + 1);
      const fields = { question_token: hiddenField(page.body, 'question_token'), question_answer: String(a! + b!) };
      const sent = await post(agent, page, /\/password\/forgot/, { target: person.email!, ...fields });
      assert.match(sent.url, /\/password\/forgot\/sent/);
      const again = await agent.request(`${server.issuer}/password/forgot`);
      const replay = await post(agent, again, /\/password\/forgot/, { target: person.email!, ...fields });
      assert.equal(replay.status, 400, 'the same answer does not pass twice');
    });

    it('refuses every form without its CSRF token (403)', async () => {
      const person = await newPerson({ mustChange: true });
      const agent = new Agent();
      const { page, uid } = await startSignIn(agent);
      await submitLogin(agent, page, person.username!, person.password);
      const form = { 'content-type': 'application/x-www-form-urlencoded' };
      for (const path of [
        `/interaction/${uid}/password`,
        '/password/forgot',
        '/password/reset/code?ticket=AAAAAAAAAAAAAAAAAAAAAA',
        `/password/reset?token=${'A'.repeat(43)}`,
      ]) {
        const res = await agent.request(`${server.issuer}${path}`, {
          method: 'POST',
          headers: form,
          body: 'password=Blue-Kettle-1987&confirm=Blue-Kettle-1987&target=a%40b.tw',
        });
        assert.equal(res.status, 403, path);
        assert.ok(res.body.includes(html(zh('error.csrf'))));
      }
      assert.equal((await row(person.id)).must_change_password, true);
    });
  });
});
