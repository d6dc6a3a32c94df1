// The account pages' checks found on a browser walk: another account's email or mobile number refused before any code
// goes to it (and still at saving), the mobile page's example no real account's number, an empty field saying what
// to type, a code typed in an older tab after a newer one went elsewhere, and the apps page listing what the person
// agreed to and saying what taking permission back does.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { translator } from '../../../src/platform/i18n/index.ts';
import { newPerson, PERSON_PASSWORD, personWith, postForm, signedInAgent } from '../../helpers/account.ts';
import { Agent } from '../../helpers/agent.ts';
import { authorizationUrl, discover, pkce, registerClient, signIn } from '../../helpers/rp.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const en = translator('en');

describe(`account: contact checks and the apps list (${storageMode})`, () => {
  let server: TestServer;
  let issuer: string;
  const rpSecret = crypto.randomBytes(24).toString('base64url');

  before(async () => {
    server = await startTestServer();
    issuer = server.issuer;
    await registerClient(
      server,
      { client_id: 'acct-scopes-rp', client_name: '範圍測試 Scope app', grant_types: ['authorization_code'] },
      rpSecret,
    );
  });
  after(() => server.close());

  const db = () => server.storage.db;
  const codesTo = async (recipient: string, kind: string) =>
    (await db()('outbox_messages').where({ recipient, kind })).length;
  const latestCode = async (recipient: string, kind: string) => {
    const row = await db()('outbox_messages').where({ recipient, kind }).orderBy('created_at', 'desc').first();
    assert.ok(row, `no ${kind} message to ${recipient}`);
    return /\b(\d{6})\b/.exec(row.text_body)![1]!;
  };
  /** The hidden fields of the page's code form, as the browser would send them. */
  const verifyFormFields = (html: string, kind: string) => {
    const form = new RegExp(`<form[^>]*action="/account/${kind}/verify"[\\s\\S]*?</form>`).exec(html)?.[0] ?? '';
    return Object.fromEntries(
      [...form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]),
    );
  };

  it("refuses another account's email or mobile number before sending it a code, with the words of the final check", async () => {
    const p = await newPerson(db());
    const agent = await signedInAgent(issuer, p.username, p.password);
    const other = await newPerson(db());

    const email = await postForm(agent, issuer, '/account/email', '/account/email', {
      email: other.email.toUpperCase(),
    });
    assert.equal(email.status, 409);
    assert.ok(email.body.includes(zh('account.contact.takenEmail')), 'the same words as at saving');
    assert.match(email.body, /id="email-error"/, 'at the field');
    assert.ok(email.body.includes(`value="${other.email.toUpperCase()}"`), 'what was typed stays');
    assert.equal(await codesTo(other.email, 'verify_email_change'), 0, "nothing reaches the other account's inbox");

    const number = `${other.mobile.slice(0, 4)}-${other.mobile.slice(4, 7)}-${other.mobile.slice(7)}`;
    const mobile = await postForm(agent, issuer, '/account/mobile', '/account/mobile', { mobile: number });
    assert.equal(mobile.status, 409);
    assert.ok(mobile.body.includes(zh('account.contact.takenMobile')));
    assert.match(mobile.body, /id="mobile-error"/);
    assert.equal(await codesTo(other.mobile, 'verify_mobile_change'), 0, "nothing reaches the other account's phone");

    // A demo account's address (the teacher's) is refused the same way.
    const teacher = await db()('persons').whereNotNull('email').whereNot({ id: p.id }).first();
    const demo = await postForm(agent, issuer, '/account/email', '/account/email', { email: teacher.email });
    assert.equal(demo.status, 409);
    assert.equal(await codesTo(teacher.email, 'verify_email_change'), 0);
  });

  it('still refuses at saving an address someone took after the code was sent (409, nothing changed)', async () => {
    const p = await newPerson(db());
    const agent = await signedInAgent(issuer, p.username, p.password);
    const next = `race-${p.username}@example.test`;
    assert.equal((await postForm(agent, issuer, '/account/email', '/account/email', { email: next })).status, 303);
    const code = await latestCode(next, 'verify_email_change');
    const other = await newPerson(db());
    await db()('persons').where({ id: other.id }).update({ email: next });
    const taken = await postForm(agent, issuer, '/account/email/verify', '/account/email/verify', { code });
    assert.equal(taken.status, 409);
    assert.ok(taken.body.includes(zh('account.contact.takenEmail')));
    assert.equal((await db()('persons').where({ id: p.id }).first()).email, p.email);
  });

  it("gives an example number that is no account's, the same in the hint and the error", async () => {
    const p = await newPerson(db());
    const agent = await signedInAgent(issuer, p.username, p.password);
    const page = await agent.request(`${issuer}/account/mobile`);
    assert.match(page.body, /例如 0912-000-000/);
    assert.doesNotMatch(page.body, /0912-345-678/, "the demo teacher's number is not the example");
    assert.equal(await db()('persons').where({ mobile: '0912000000' }).first(), undefined, 'no account has it');
    const bad = await postForm(agent, issuer, '/account/mobile', '/account/mobile', { mobile: '12345' });
    assert.equal(bad.status, 400);
    assert.match(bad.body, /請輸入正確的台灣手機號碼，例如 0912-000-000/);
    assert.match(en('account.contact.mobile.hint'), /0912-000-000/);
    assert.match(en('account.contact.invalidMobile'), /0912-000-000/);
  });

  it('an empty field says what to type', async () => {
    const p = await newPerson(db());
    const agent = await signedInAgent(issuer, p.username, p.password);
    const email = await postForm(agent, issuer, '/account/email', '/account/email', { email: '  ' });
    assert.equal(email.status, 400);
    assert.match(email.body, /請輸入新的 Email/);
    const mobile = await postForm(agent, issuer, '/account/mobile', '/account/mobile', { mobile: '' });
    assert.equal(mobile.status, 400);
    assert.match(mobile.body, /請輸入新的手機號碼/);
    const english = await postForm(agent, issuer, '/account/mobile?lang=en', '/account/mobile', { mobile: '' });
    assert.match(english.body, /Enter your new mobile number/);
  });

  it('a code typed in an older tab, after a newer one went elsewhere, asks for the newer code and counts no try', async () => {
    const p = await newPerson(db());
    const agent = await signedInAgent(issuer, p.username, p.password);
    const kid2 = `kid2-${p.username}@example.test`;
    const kid3 = `kid3-${p.username}@example.test`;
    assert.equal((await postForm(agent, issuer, '/account/email', '/account/email', { email: kid2 })).status, 303);
    const tab2 = await agent.request(`${issuer}/account/email/verify`);
    assert.ok(tab2.body.includes(kid2));
    assert.equal((await postForm(agent, issuer, '/account/email', '/account/email', { email: kid3 })).status, 303);

    const kid2Code = await latestCode(kid2, 'verify_email_change');
    const stale = await agent.request(`${issuer}/account/email/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...verifyFormFields(tab2.body, 'email'), code: kid2Code }).toString(),
    });
    assert.equal(stale.status, 409);
    const masked = `kid***@example.test`;
    assert.ok(
      stale.body.includes(zh('account.contact.newerCode', { to: masked })),
      'says a newer code went to the new address, masked',
    );
    assert.doesNotMatch(stale.body, /驗證碼錯誤/, 'not called a wrong code');
    assert.equal(verifyFormFields(stale.body, 'email').sent_to, kid3, 'the page is now for the new address');

    // No try was counted: a wrong code now leaves 4.
    const kid3Code = await latestCode(kid3, 'verify_email_change');
    const wrongCode = kid3Code === '000000' ? '111111' : '000000';
    const wrong = await postForm(agent, issuer, '/account/email/verify', '/account/email/verify', {
      code: wrongCode,
      sent_to: kid3,
    });
    assert.equal(wrong.status, 400);
    assert.match(wrong.body, /還可以再試 4 次/);
    const ok = await postForm(agent, issuer, '/account/email/verify', '/account/email/verify', {
      code: kid3Code,
      sent_to: kid3,
    });
    assert.equal(ok.status, 303);
    assert.equal((await db()('persons').where({ id: p.id }).first()).email, kid3);
  });

  it("lists for a pupil what the consent page listed (no children), and says the app asks again after it's taken back", async () => {
    const pupil = await personWith(server, [{ schoolCode: '353604', role: 'student' }], 'pupil');
    const conf = await discover(issuer, 'acct-scopes-rp', rpSecret);
    const flow = await pkce();
    await signIn(
      new Agent(),
      authorizationUrl(conf, flow, { scope: 'openid profile email identity children', prompt: 'consent' }),
      pupil.email,
      PERSON_PASSWORD,
    );
    const agent = await signedInAgent(issuer, pupil.email, PERSON_PASSWORD);
    let apps = await agent.request(`${issuer}/account/apps`);
    for (let i = 0; i < 20 && !apps.body.includes('範圍測試 Scope app'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      apps = await agent.request(`${issuer}/account/apps`);
    }
    assert.match(apps.body, /範圍測試 Scope app/);
    assert.ok(apps.body.includes(zh('consent.scope.profile')));
    assert.ok(apps.body.includes(zh('consent.scope.email')));
    assert.ok(!apps.body.includes(zh('consent.scope.children')), 'a pupil shares no children');

    assert.ok(apps.body.includes('它會再問您是否同意'), 'says what happens after taking permission back');
    assert.doesNotMatch(apps.body, /重新登入/, 'no new sign-in is promised');
    const english = await agent.request(`${issuer}/account/apps?lang=en`);
    assert.match(english.body, /it asks for your permission again/);
    assert.doesNotMatch(english.body, /you sign in and agree again/);
  });
});
