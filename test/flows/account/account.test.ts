// The account pages over HTTP against the real server: signing in to them, profile, email and mobile changes
// with codes from the outbox, password change, connected apps (revocation kills the tokens), signed-in devices,
// recent sign-ins, CSRF.
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { RequestWrites, runWithWrites } from '../../../src/oidc/adapters/deferred-writes.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { codeKey } from '../../../src/platform/one-use.ts';

const zh = translator('zh-TW');

import {
  newPerson,
  PERSON_PASSWORD,
  personWith,
  postForm,
  signedInAgent,
  signInToAccount,
  type TestPerson,
} from '../../helpers/account.ts';
import { Agent, formAction, hiddenField, html, type Step } from '../../helpers/agent.ts';
import {
  authorizationUrl,
  CALLBACK,
  discover,
  logoutTokenListener,
  pkce,
  registerClient,
  signIn,
  submitLogin,
} from '../../helpers/rp.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

describe(`account pages (${storageMode})`, () => {
  let server: TestServer;
  let issuer: string;
  const rpSecret = crypto.randomBytes(24).toString('base64url');

  before(async () => {
    server = await startTestServer();
    issuer = server.issuer;
    await registerClient(
      server,
      {
        client_id: 'acct-rp',
        client_name: '測試應用 Test app',
        grant_types: ['authorization_code', 'refresh_token'],
      },
      rpSecret,
    );
  });
  after(() => server.close());

  const db = () => server.storage.db;

  async function latestMessage(recipient: string, kind: string) {
    const row = await db()('outbox_messages').where({ recipient, kind }).orderBy('created_at', 'desc').first();
    assert.ok(row, `no ${kind} message to ${recipient}`);
    return row as { text_body: string; subject: string | null };
  }
  const codeIn = (text: string) => /\b(\d{6})\b/.exec(text)![1]!;

  async function person(): Promise<{ p: TestPerson; agent: Agent }> {
    const p = await newPerson(db());
    return { p, agent: await signedInAgent(issuer, p.username, p.password) };
  }

  it('sends a browser without a portal session to sign in, through our own provider', async () => {
    const agent = new Agent();
    const page = await agent.request(`${issuer}/account/apps`);
    assert.equal(page.status, 302);
    assert.equal(page.location, `${issuer}/account/sign-in?return_to=%2Faccount%2Fapps`);
    const start = await agent.request(page.location!);
    assert.equal(start.status, 302);
    const auth = new URL(start.location!);
    assert.equal(auth.origin + auth.pathname, `${issuer}/auth`);
    assert.equal(auth.searchParams.get('client_id'), 'account-portal');
    assert.equal(auth.searchParams.get('code_challenge_method'), 'S256');
    // The sign-in page names the account pages in its own language.
    const signInPage = await agent.follow(start.location!);
    assert.ok(signInPage.body.includes('使用您的校園帳號登入「帳號管理」'), 'named in Chinese on a Chinese page');
    const english = await agent.request(`${signInPage.url}?lang=en`);
    assert.ok(
      english.body.includes('Sign in to “My account” with your school account'),
      'and in English on an English one',
    );
    // A form post without a session goes to sign in too, and changes nothing.
    const post = await agent.request(`${issuer}/account/password`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'current=x',
    });
    assert.equal(post.status, 303);
    assert.equal(post.location, `${issuer}/account/sign-in`);
    // A forged portal cookie is not accepted.
    const forged = new Agent();
    forged.cookies.set(
      'account_session',
      Buffer.from(JSON.stringify({ p: crypto.randomUUID(), s: 'x', e: Date.now() + 60_000 })).toString('base64url'),
    );
    assert.equal((await forged.request(`${issuer}/account`)).status, 302);
    // Coming back from sign-in lands on the page asked for.
    const p = await newPerson(db());
    const landed = await signInToAccount(issuer, new Agent(), p.username, p.password, '/account/apps');
    assert.equal(landed.status, 200);
    assert.equal(new URL(landed.url).pathname, '/account/apps');
  });

  it('a form token read in the browser before someone signed in there does not work for them (a new one at sign-in)', async () => {
    const agent = new Agent();
    // Whoever used the school computer before read a form's token.
    const before = hiddenField((await agent.request(`${issuer}/register`)).body, '_csrf');
    const p = await newPerson(db());
    await signInToAccount(issuer, agent, p.username, p.password, '/account/sessions');
    const forged = await agent.request(`${issuer}/account/sessions/sign-out-others`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: before }).toString(),
    });
    assert.equal(forged.status, 403, 'the old token is refused');
    const done = await postForm(agent, issuer, '/account/sessions', '/account/sessions/sign-out-others', {});
    assert.equal(done.status, 303, 'the token of the page shown now works');
  });

  it('shows the profile with the national ID masked, the identities and the children (teacher, who is also a parent)', async () => {
    const agent = new Agent();
    const profile = await signInToAccount(issuer, agent, 'teacher', 'Blue-Chalk-2026');
    assert.equal(profile.status, 200);
    assert.match(profile.body, /<h1>個人資料<\/h1>/);
    assert.match(profile.body, /王小明/);
    assert.match(profile.body, /A12\*\*\*\*789/);
    assert.doesNotMatch(profile.body, /A123456789/, 'the national ID never appears in clear');
    assert.match(profile.body, /teacher@demo\.campus-sso\.test/);
    assert.equal((await agent.request(`${issuer}/account?lang=en`)).body.match(/<h1>([^<]+)<\/h1>/)?.[1], 'Profile');

    const identities = await agent.request(`${issuer}/account/identities?lang=zh-TW`);
    assert.equal(identities.status, 200);
    assert.match(identities.body, /教師/);
    assert.match(identities.body, /家長/);
    assert.match(identities.body, /臺北市立示範國民中學/);
    assert.match(identities.body, /王小美/, 'the child bound to the parent identity');
    assert.match(identities.body, /3年1班/, "the child's class");
    // In English, a class the roster numbers by grade is named so; the Chinese form is not left on the page.
    const english = await agent.request(`${issuer}/account/identities?lang=en`);
    assert.match(english.body, /Grade 3, Class 1/);
    assert.doesNotMatch(english.body, /\d年\d+班/);
  });

  it('shows a parent the contact phone their binding kept (聯絡電話), in both languages, and where to add a mobile', async () => {
    // As a binding's approval leaves a new parent: a parent identity, a verified email, no mobile of their own, and the
    // number typed at step 4 kept as the contact phone.
    const parent = await personWith(server, [{ schoolCode: '353604', role: 'parent' }], 'parent');
    const phone = `09${String(crypto.randomInt(0, 100_000_000)).padStart(8, '0')}`;
    await db()('persons').where({ id: parent.personId }).update({ contact_phone: phone });
    const agent = await signedInAgent(issuer, parent.email, PERSON_PASSWORD);
    for (const [lang, tr] of [
      ['zh-TW', zh],
      ['en', translator('en')],
    ] as const) {
      const page = await agent.request(`${issuer}/account/identities?lang=${lang}`);
      assert.equal(page.status, 200);
      const section = /<section id="contact-phone"[\s\S]*?<\/section>/.exec(page.body)?.[0] ?? '';
      assert.ok(section, `the contact phone has its section (${lang})`);
      assert.ok(
        section.includes(`<h2 id="contact-phone-title">${html(tr('account.identities.contactPhoneTitle'))}</h2>`),
      );
      assert.ok(section.includes(`>${phone}</strong>`), `the number, in full: it is the person's own (${lang})`);
      assert.ok(section.includes(html(tr('account.identities.contactPhoneText'))), `what it is for (${lang})`);
      assert.ok(section.includes('<a id="add-mobile-link" href="/account/mobile">'), 'where to add a mobile');
    }
    assert.equal(zh('account.identities.contactPhoneTitle'), '聯絡電話');

    // Someone with a mobile number of their own is not sent to add one; someone without a contact phone sees none.
    await db()('persons').where({ id: parent.personId }).update({ mobile: phone, mobile_verified: true });
    const withMobile = await agent.request(`${issuer}/account/identities?lang=zh-TW`);
    assert.ok(withMobile.body.includes(`>${phone}</strong>`));
    assert.doesNotMatch(withMobile.body, /add-mobile-link/);
    await db()('persons').where({ id: parent.personId }).update({ contact_phone: null });
    const without = await agent.request(`${issuer}/account/identities?lang=zh-TW`);
    assert.equal(without.status, 200);
    assert.doesNotMatch(without.body, /contact-phone/);
  });

  it('changes the email address with a code: a wrong code, then the right one; the old address is told', async () => {
    const { p, agent } = await person();
    const invalid = await postForm(agent, issuer, '/account/email', '/account/email', { email: 'not-an-address' });
    assert.equal(invalid.status, 400);
    assert.match(invalid.body, /請輸入正確的 Email/);
    assert.match(invalid.body, /value="not-an-address"/, 'the value typed is kept');

    const next = `New-${p.username}@Example.test`;
    const sent = await postForm(agent, issuer, '/account/email', '/account/email', { email: next });
    assert.equal(sent.status, 303);
    assert.equal(sent.location, `${issuer}/account/email/verify`);
    const verify = await agent.request(sent.location!);
    assert.match(verify.body, new RegExp(next.toLowerCase().replace(/\./g, '\\.')));
    assert.match(verify.body, /autocomplete="one-time-code"/);
    const message = await latestMessage(next.toLowerCase(), 'verify_email_change');
    const code = codeIn(message.text_body);

    const wrongCode = code === '000000' ? '111111' : '000000';
    const wrong = await postForm(agent, issuer, '/account/email/verify', '/account/email/verify', { code: wrongCode });
    assert.equal(wrong.status, 400);
    assert.match(wrong.body, /還可以再試 4 次/);
    const malformed = await postForm(agent, issuer, '/account/email/verify', '/account/email/verify', { code: '12ab' });
    assert.equal(malformed.status, 400);
    assert.match(malformed.body, /驗證碼是 6 位數字/);

    const ok = await postForm(agent, issuer, '/account/email/verify', '/account/email/verify', { code: ` ${code} ` });
    assert.equal(ok.status, 303);
    assert.equal(ok.location, `${issuer}/account?done=email`);
    const profile = await agent.request(ok.location!);
    assert.match(profile.body, /Email 已變更並完成驗證/);
    const row = await db()('persons').where({ id: p.id }).first();
    assert.equal(row.email, next.toLowerCase());
    assert.equal(row.email_verified, true);
    const notice = await latestMessage(p.email, 'account_changed.email');
    assert.doesNotMatch(notice.text_body, /\d{6}/, 'the notice carries no code');
    const audit = await db()('audit_events').where({ subject: p.id, action: 'person.email_changed' }).first();
    assert.ok(audit);
    assert.doesNotMatch(JSON.stringify(audit.detail), /@/, 'no address in the audit detail');
    // The code was used up.
    const again = await postForm(agent, issuer, '/account/email', '/account/email/verify', { code });
    assert.equal(again.status, 400);
    assert.match(again.body, /驗證碼已過期或已失效/);
  });

  it('refuses a code after 5 wrong tries and after it expires', async () => {
    const { p, agent } = await person();
    const next = `tries-${p.username}@example.test`;
    assert.equal((await postForm(agent, issuer, '/account/email', '/account/email', { email: next })).status, 303);
    const code = codeIn((await latestMessage(next, 'verify_email_change')).text_body);
    const wrongCode = code === '000000' ? '111111' : '000000';
    for (let i = 1; i <= 4; i++) {
      const wrong = await postForm(agent, issuer, '/account/email/verify', '/account/email/verify', {
        code: wrongCode,
      });
      assert.equal(wrong.status, 400);
      assert.match(wrong.body, new RegExp(`還可以再試 ${5 - i} 次`));
    }
    const fifth = await postForm(agent, issuer, '/account/email/verify', '/account/email/verify', { code: wrongCode });
    assert.equal(fifth.status, 400);
    assert.match(fifth.body, /驗證碼錯誤次數太多/);
    assert.match(fifth.body, new RegExp(`value="${next.replace(/\./g, '\\.')}"`), 'the address is kept for a new code');
    const late = await postForm(agent, issuer, '/account/email', '/account/email/verify', { code });
    assert.equal(late.status, 400, 'not even the right code after 5 wrong ones');
    assert.match(late.body, /驗證碼已過期或已失效/);

    // Expiry: the pending change lives in the shared store for 10 minutes; take it out as time would.
    assert.equal((await postForm(agent, issuer, '/account/email', '/account/email', { email: next })).status, 303);
    const second = codeIn((await latestMessage(next, 'verify_email_change')).text_body);
    assert.ok(await server.storage.shared.take(codeKey('contact-change', `email:${p.id}`)));
    const expired = await postForm(agent, issuer, '/account/email', '/account/email/verify', { code: second });
    assert.equal(expired.status, 400);
    assert.match(expired.body, /驗證碼已過期或已失效/);
    assert.equal((await db()('persons').where({ id: p.id }).first()).email, p.email, 'nothing changed');
  });

  it('refuses an address or number another account signs in with, and limits how many codes are sent', async () => {
    const { p, agent } = await person();
    const other = await newPerson(db());
    // Another account's address, typed in capitals (the unique index is on lower(email)): refused before any code.
    const taken = await postForm(agent, issuer, '/account/email', '/account/email', {
      email: other.email.toUpperCase(),
    });
    assert.equal(taken.status, 409);
    assert.match(taken.body, /這個 Email 已經是另一個帳號的登入資料/);

    const number = `${other.mobile.slice(0, 4)}-${other.mobile.slice(4, 7)}-${other.mobile.slice(7)}`;
    const takenMobile = await postForm(agent, issuer, '/account/mobile', '/account/mobile', { mobile: number });
    assert.equal(takenMobile.status, 409);
    assert.match(takenMobile.body, /這個手機號碼已經是另一個帳號的登入資料/);

    const same = await postForm(agent, issuer, '/account/mobile', '/account/mobile', { mobile: p.mobile });
    assert.equal(same.status, 400);
    const bad = await postForm(agent, issuer, '/account/mobile', '/account/mobile', { mobile: '02-2345-6789' });
    assert.equal(bad.status, 400);
    assert.match(bad.body, /請輸入正確的台灣手機號碼/);

    // Five codes an hour per person, a refused address counted (asking whose it is costs a code): two went above,
    // three more pass, the sixth is refused.
    for (let i = 0; i < 3; i++) {
      assert.equal(
        (await postForm(agent, issuer, '/account/email', '/account/email', { email: `n${i}-${p.email}` })).status,
        303,
      );
    }
    const limited = await postForm(agent, issuer, '/account/email', '/account/email', { email: `n9-${p.email}` });
    assert.equal(limited.status, 429);
    assert.match(limited.body, /傳送驗證碼的次數太多/);
  });

  it('changes the mobile number with an SMS code', async () => {
    const { p, agent } = await person();
    const mobile = `09${String(crypto.randomInt(0, 100_000_000)).padStart(8, '0')}`;
    const sent = await postForm(agent, issuer, '/account/mobile', '/account/mobile', {
      mobile: `+886 ${mobile.slice(1)}`,
    });
    assert.equal(sent.status, 303);
    const sms = await latestMessage(mobile, 'verify_mobile_change');
    const ok = await postForm(agent, issuer, '/account/mobile/verify', '/account/mobile/verify', {
      code: codeIn(sms.text_body),
    });
    assert.equal(ok.location, `${issuer}/account?done=mobile`);
    const row = await db()('persons').where({ id: p.id }).first();
    assert.equal(row.mobile, mobile);
    assert.equal(row.mobile_verified, true);
  });

  it('changes the password: wrong current password, mismatch and policy refused; then the new one signs in', async () => {
    const { p, agent } = await person();
    const wrong = await postForm(agent, issuer, '/account/password', '/account/password', {
      current: 'nope',
      password: 'a fresh passphrase 42',
      confirm: 'a fresh passphrase 42',
    });
    assert.equal(wrong.status, 400);
    assert.match(wrong.body, /目前的密碼不正確/);
    assert.doesNotMatch(wrong.body, /a fresh passphrase 42/, 'passwords are never written back into the page');
    const mismatch = await postForm(agent, issuer, '/account/password', '/account/password', {
      current: p.password,
      password: 'a fresh passphrase 42',
      confirm: 'a fresh passphrase 43',
    });
    assert.equal(mismatch.status, 400);
    assert.match(mismatch.body, new RegExp(zh('password.field.mismatch')));
    const short = await postForm(agent, issuer, '/account/password', '/account/password', {
      current: p.password,
      password: 'short',
      confirm: 'short',
    });
    assert.equal(short.status, 400);
    assert.match(short.body, /id="password-error"/);
    assert.match(short.body, /<div class="alert mistakes" role="alert"[^>]*><p>[^<]+<\/p><ul><li><a href="#password">/);
    assert.match(short.body, new RegExp(`<title>${zh('titleWithMistakes')}`));

    const ok = await postForm(agent, issuer, '/account/password', '/account/password', {
      current: p.password,
      password: 'a fresh passphrase 42',
      confirm: 'a fresh passphrase 42',
    });
    assert.equal(ok.status, 303);
    assert.equal(ok.location, `${issuer}/account?done=password`);
    assert.ok(await db()('audit_events').where({ subject: p.id, action: 'person.password_changed' }).first());
    await latestMessage(p.email, 'password_changed');

    const conf = await discover(issuer, 'acct-rp', rpSecret);
    await assert.rejects(
      signIn(new Agent(), authorizationUrl(conf, await pkce()), p.username, p.password),
      'the old password no longer works',
    );
    const back = await signIn(
      new Agent(),
      authorizationUrl(conf, await pkce(), { prompt: 'consent' }),
      p.username,
      'a fresh passphrase 42',
    );
    assert.ok(back.searchParams.get('code'));
  });

  it('locks the password form after 5 wrong current passwords', async () => {
    const { agent } = await person();
    let last: Step | undefined;
    for (let i = 0; i < 6; i++) {
      last = await postForm(agent, issuer, '/account/password', '/account/password', {
        current: `wrong-${i}`,
        password: 'a fresh passphrase 42',
        confirm: 'a fresh passphrase 42',
      });
    }
    assert.equal(last!.status, 429);
    assert.match(last!.body, /錯誤次數太多/);
  });

  it('counts each current-password check before making it: 12 wrong ones sent at once get 5 checks, the rest wait', async () => {
    const { agent } = await person();
    const page = await agent.request(`${issuer}/account/password`);
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        agent.request(`${issuer}/account/password`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            _csrf: hiddenField(page.body, '_csrf'),
            current: `wrong-at-once-${i}`,
            password: 'a fresh passphrase 42',
            confirm: 'a fresh passphrase 42',
          }).toString(),
        }),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [...Array(5).fill(400), ...Array(7).fill(429)], statuses.join());
  });

  it('lists a connected app with what it may receive; revoking it kills its refresh and access tokens', async () => {
    const { p, agent } = await person();
    const conf = await discover(issuer, 'acct-rp', rpSecret);
    const flow = await pkce();
    // The app is used from another browser: grants are listed by person, whatever the session.
    const callback = await signIn(
      new Agent(),
      authorizationUrl(conf, flow, { scope: 'openid profile email offline_access', prompt: 'consent' }),
      p.username,
      p.password,
    );
    const tokens = await oidc.authorizationCodeGrant(conf, callback, {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
    });
    assert.ok(tokens.refresh_token);
    assert.equal((await oidc.tokenIntrospection(conf, tokens.access_token)).active, true);

    let apps = await agent.request(`${issuer}/account/apps`);
    for (let i = 0; i < 20 && !apps.body.includes('測試應用 Test app'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      apps = await agent.request(`${issuer}/account/apps`);
    }
    assert.match(apps.body, /測試應用 Test app/);
    assert.ok(apps.body.includes(zh('consent.scope.profile')), 'scopes in plain words');
    assert.ok(apps.body.includes(zh('account.apps.scope.offline_access')), "the apps page's own words for it");
    assert.doesNotMatch(apps.body, /\{\{/, 'no placeholder left unfilled');
    assert.doesNotMatch(apps.body, /account-portal/, 'the account pages themselves are not listed');

    const revoked = await postForm(agent, issuer, '/account/apps', '/account/apps/acct-rp/revoke', {});
    assert.equal(revoked.status, 303);
    assert.equal(revoked.location, `${issuer}/account/apps?done=revoked`);
    const after = await agent.request(revoked.location!);
    assert.doesNotMatch(after.body, /測試應用 Test app/);
    assert.ok(after.body.includes(zh('account.done.revoked')));

    assert.equal((await oidc.tokenIntrospection(conf, tokens.access_token)).active, false, 'access token dead');
    await assert.rejects(
      oidc.refreshTokenGrant(conf, tokens.refresh_token!),
      (e: oidc.ResponseBodyError) => e.error === 'invalid_grant',
    );
    await assert.rejects(oidc.fetchUserInfo(conf, tokens.access_token, tokens.claims()!.sub));
    assert.ok(await db()('audit_events').where({ subject: p.id, action: 'grant.revoked' }).first());

    // Pressed again (a double click, another tab): nothing left to take back — said on the list, not "page not found".
    const again = await postForm(agent, issuer, '/account/apps', '/account/apps/acct-rp/revoke', {});
    assert.equal(again.status, 303, 'nothing left to revoke');
    assert.equal(again.location, `${issuer}/account/apps?done=alreadyRevoked`);
    const list = await agent.request(again.location!);
    assert.equal(list.status, 200);
    assert.ok(
      list.body.includes(`<p class="acct-notice" role="status">${html(zh('account.done.alreadyRevoked'))}</p>`),
    );
    const never = await postForm(agent, issuer, '/account/apps', '/account/apps/demo-rp/revoke', {});
    assert.equal(never.location, `${issuer}/account/apps?done=alreadyRevoked`, 'an app never granted');
    assert.equal(
      (await postForm(agent, issuer, '/account/apps', '/account/apps/no%20such%20app/revoke', {})).status,
      404,
      'no app could have this id',
    );
  });

  it('signs out another device: its account pages and its app tokens stop working', async () => {
    const { p, agent } = await person();
    const other = new Agent();
    await signInToAccount(issuer, other, p.username, p.password);
    // The other browser also signed in to an app (no offline access): its tokens end with that session.
    const conf = await discover(issuer, 'acct-rp', rpSecret);
    const flow = await pkce();
    const step = await other.follow(
      String(authorizationUrl(conf, flow, { scope: 'openid', prompt: 'consent' })),
      CALLBACK,
    );
    const consented = await other.submit(
      formAction(step.body, /\/confirm$/, step.url),
      { _csrf: hiddenField(step.body, '_csrf') },
      CALLBACK,
    );
    const tokens = await oidc.authorizationCodeGrant(conf, new URL(consented.location!), {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
    });
    assert.equal((await oidc.tokenIntrospection(conf, tokens.access_token)).active, true);

    const list = await agent.request(`${issuer}/account/sessions`);
    assert.equal(list.status, 200);
    assert.match(list.body, /這個裝置/);
    const actions = [...list.body.matchAll(/action="\/account\/sessions\/([A-Za-z0-9_-]+)\/sign-out"/g)].map(
      (m) => m[1]!,
    );
    assert.equal(actions.length, 1, 'one other device, the current one has no sign-out button of its own');
    assert.equal((await other.request(`${issuer}/account`)).status, 200);

    const done = await postForm(agent, issuer, '/account/sessions', `/account/sessions/${actions[0]}/sign-out`, {});
    assert.equal(done.status, 303);
    assert.equal(done.location, `${issuer}/account/sessions?done=signedOut`);

    const gone = await other.request(`${issuer}/account`);
    assert.equal(gone.status, 302);
    assert.match(gone.location!, /\/account\/sign-in/);
    const again = await other.follow(gone.location!);
    assert.match(new URL(again.url).pathname, /^\/interaction\//, 'the other browser has to sign in again');
    assert.match(again.body, /name="password"/);
    assert.equal(
      (await oidc.tokenIntrospection(conf, tokens.access_token)).active,
      false,
      'the app tokens of that session end too',
    );

    assert.equal((await agent.request(`${issuer}/account`)).status, 200, 'this device stays signed in');
    const after = await agent.request(`${issuer}/account/sessions`);
    assert.equal([...after.body.matchAll(/\/sign-out"/g)].length, 1, 'only the menu sign-out is left');
    // Pressed again: that device is signed out already — said on the list, not "page not found".
    const pressedAgain = await postForm(
      agent,
      issuer,
      '/account/sessions',
      `/account/sessions/${actions[0]}/sign-out`,
      {},
    );
    assert.equal(pressedAgain.status, 303);
    assert.equal(pressedAgain.location, `${issuer}/account/sessions?done=alreadySignedOut`);
    assert.ok(
      (await agent.request(pressedAgain.location!)).body.includes(
        `<p class="acct-notice" role="status">${html(zh('account.done.alreadySignedOut'))}</p>`,
      ),
    );
  });

  /** Signs `agent` in to the test app with offline access; returns the app's tokens and configuration. */
  async function appTokens(agent: Agent, login: string, password: string) {
    const conf = await discover(issuer, 'acct-rp', rpSecret);
    const flow = await pkce();
    const back = await signIn(
      agent,
      authorizationUrl(conf, flow, { scope: 'openid offline_access', prompt: 'consent' }),
      login,
      password,
    );
    const tokens = await oidc.authorizationCodeGrant(conf, back, {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
    });
    assert.ok(tokens.refresh_token, 'offline access gives a refresh token');
    return { conf, tokens };
  }

  it('a password change ends every other session and every grant, offline ones too; this browser stays', async () => {
    const { p, agent } = await person();
    // Another browser: the account pages and an app with a refresh token.
    const other = new Agent();
    await signInToAccount(issuer, other, p.username, p.password);
    const elsewhere = await appTokens(other, p.username, p.password);
    // This browser's own app, with a refresh token too.
    const here = await appTokens(agent, p.username, p.password);

    const ok = await postForm(agent, issuer, '/account/password', '/account/password', {
      current: p.password,
      password: 'a brand new passphrase 7',
      confirm: 'a brand new passphrase 7',
    });
    assert.equal(ok.status, 303);
    const page = await agent.follow(ok.location!);
    assert.equal(page.status, 200, 'this browser stays signed in');
    assert.ok(page.body.includes(zh('account.done.password')), 'the page says the other devices were signed out');

    await assert.rejects(
      oidc.refreshTokenGrant(elsewhere.conf, elsewhere.tokens.refresh_token!),
      'the other app is cut off',
    );
    assert.equal((await oidc.tokenIntrospection(elsewhere.conf, elsewhere.tokens.access_token)).active, false);
    const gone = await other.request(`${issuer}/account`);
    assert.equal(gone.status, 302, 'the other browser must sign in again');
    assert.ok(
      (await oidc.refreshTokenGrant(here.conf, here.tokens.refresh_token!)).access_token,
      "this browser's app goes on",
    );
    const notice = await latestMessage(p.email, 'password_changed');
    assert.match(notice.text_body, /其他裝置上的登入和應用程式的授權都已結束/);
    assert.ok(await db()('audit_events').where({ subject: p.id, action: 'session.ended_everywhere' }).first());
  });

  it('a password change whose sign-out elsewhere fails still ends it: queued with the password, retried later', async () => {
    const { p, agent } = await person();
    const other = new Agent();
    await signInToAccount(issuer, other, p.username, p.password);
    const elsewhere = await appTokens(other, p.username, p.password);
    const here = await appTokens(agent, p.username, p.password);
    // The store fails right after the new password is saved (a Redis or PostgreSQL hiccup at that moment).
    const access = server.services.personAccess;
    Object.assign(access, {
      endEverywhere: async () => {
        throw new Error('store down');
      },
    });
    let ok: Step;
    try {
      ok = await postForm(agent, issuer, '/account/password', '/account/password', {
        current: p.password,
        password: 'a brand new passphrase 8',
        confirm: 'a brand new passphrase 8',
      });
    } finally {
      delete (access as unknown as Record<string, unknown>).endEverywhere;
    }
    assert.equal(ok.status, 303, 'the new password is saved and the person told so');
    assert.equal(ok.location, `${issuer}/account?done=password`);
    // The sign-out did not run, yet the other browser's next page ends it: its sign-in is older than the new
    // password (PersonAccess.sessionAlive), as its next authorization would.
    assert.equal((await other.request(`${issuer}/account`)).status, 302, 'the other browser is out at its next page');
    const [queued] = await db()('pending_sign_outs').where({ person_id: p.id });
    assert.ok(queued, 'the sign-out is queued with the new password');
    assert.equal(await access.settlePendingSignOuts(), 0, 'the request holds it for a minute');

    // Someone signs in with the new password after the change, in a later second: that browser is not ended.
    await new Promise((r) => setTimeout(r, 1100));
    const later = new Agent();
    await signInToAccount(issuer, later, p.username, 'a brand new passphrase 8');

    await db()('pending_sign_outs')
      .where({ id: queued.id })
      .update({ locked_until: db().raw('now()') });
    assert.equal(await access.settlePendingSignOuts(), 1);
    assert.equal((await other.request(`${issuer}/account`)).status, 302, 'the other browser must sign in again');
    await assert.rejects(oidc.refreshTokenGrant(elsewhere.conf, elsewhere.tokens.refresh_token!));
    assert.ok((await oidc.refreshTokenGrant(here.conf, here.tokens.refresh_token!)).access_token, 'this one goes on');
    assert.equal((await agent.request(`${issuer}/account`)).status, 200, 'this browser stays signed in');
    assert.equal((await later.request(`${issuer}/account`)).status, 200, 'the browser signed in since stays');
    assert.equal((await db()('pending_sign_outs').where({ person_id: p.id })).length, 0, 'done, so no longer queued');
    const ended = await db()('audit_events').where({ subject: p.id, action: 'session.ended_everywhere' }).first();
    assert.equal(ended.detail.reason, 'password_changed');
  });

  it('a browser that signed in before a password change is signed out even where no device list knew of it', async () => {
    const { p, agent } = await person();
    // Another browser signed in with the old password but stopped at the consent page: no authorization finished,
    // so the device list never recorded it.
    const conf = await discover(issuer, 'acct-rp', rpSecret);
    const stale = new Agent();
    const page = await stale.follow(String(authorizationUrl(conf, await pkce())), CALLBACK);
    const consent = await submitLogin(stale, page, p.username, p.password);
    assert.match(consent.body, /\/confirm"/, 'left at the consent page');
    assert.equal((await db()('person_sessions').where({ person_id: p.id })).length, 1, 'only this browser is listed');

    await new Promise((r) => setTimeout(r, 1100)); // the change in a later second than that sign-in
    const ok = await postForm(agent, issuer, '/account/password', '/account/password', {
      current: p.password,
      password: 'a brand new passphrase 9',
      confirm: 'a brand new passphrase 9',
    });
    assert.equal(ok.status, 303);

    // Agreeing now leads to the sign-in page, not back to the app; so does asking for the account pages.
    const agreed = await stale.submit(
      formAction(consent.body, /\/confirm$/, consent.url),
      { _csrf: hiddenField(consent.body, '_csrf') },
      CALLBACK,
    );
    assert.ok(!agreed.location?.startsWith(CALLBACK), 'no code for a sign-in older than the password');
    assert.match(agreed.body, /action="[^"]*\/login"/, 'the sign-in page');
    const again = await stale.follow(String(authorizationUrl(conf, await pkce())), CALLBACK);
    assert.match(again.body, /action="[^"]*\/login"/);
    // The old password no longer signs it in; the new one does.
    assert.doesNotMatch((await submitLogin(stale, again, p.username, p.password)).body, /\/confirm"/);
    await assert.doesNotReject(
      signIn(stale, authorizationUrl(conf, await pkce()), p.username, 'a brand new passphrase 9'),
    );

    // The browser that changed it goes on signing in to apps without its password.
    const sso = await agent.follow(String(authorizationUrl(conf, await pkce(), { prompt: 'none' })), CALLBACK);
    assert.ok(sso.location?.startsWith(CALLBACK), 'single sign-on goes on in the browser kept');
    assert.equal(
      new URL(sso.location!).searchParams.get('error'),
      'consent_required',
      'signed in: only consent is asked',
    );
  });

  it('a browser signed in as someone locked since is signed out at its next sign-in', async () => {
    const { p } = await person();
    const conf = await discover(issuer, 'acct-rp', rpSecret);
    const browser = new Agent();
    await signIn(browser, authorizationUrl(conf, await pkce()), p.username, p.password);
    await db()('persons').where({ id: p.id }).update({ status: 'locked' });
    const next = await browser.follow(String(authorizationUrl(conf, await pkce())), CALLBACK);
    assert.equal(next.status, 200);
    assert.match(next.body, /action="[^"]*\/login"/, 'the sign-in page');
    await db()('persons').where({ id: p.id }).update({ status: 'active' });
  });

  it('tells the apps of the sessions a password change ends, by back-channel logout', async () => {
    const rp = await logoutTokenListener();
    const { received } = rp;
    try {
      const bclSecret = crypto.randomBytes(24).toString('base64url');
      await registerClient(
        server,
        {
          client_id: 'acct-bcl',
          first_party: true,
          backchannel_logout_uri: rp.uri,
          backchannel_logout_session_required: true,
        },
        bclSecret,
      );
      const { p, agent } = await person();
      const conf = await discover(issuer, 'acct-bcl', bclSecret);
      const flow = await pkce();
      const other = new Agent();
      const back = await signIn(other, authorizationUrl(conf, flow), p.username, p.password);
      const tokens = await oidc.authorizationCodeGrant(conf, back, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
      });
      const ok = await postForm(agent, issuer, '/account/password', '/account/password', {
        current: p.password,
        password: 'a brand new passphrase 10',
        confirm: 'a brand new passphrase 10',
      });
      assert.equal(ok.status, 303);
      assert.equal(received.length, 1, 'the app was told before the answer');
      const payload = JSON.parse(Buffer.from(received[0]!.split('.')[1]!, 'base64url').toString());
      assert.equal(payload.sub, tokens.claims()!.sub);
      assert.equal(payload.aud, 'acct-bcl');
      assert.equal(payload.sid, tokens.claims()!.sid, "the ended session's sid");
      assert.ok(payload.events['http://schemas.openid.net/event/backchannel-logout']);
    } finally {
      rp.close();
    }
  });

  it('signing out all other devices also cuts off their apps with offline access', async () => {
    const { p, agent } = await person();
    const other = new Agent();
    const elsewhere = await appTokens(other, p.username, p.password);
    const done = await postForm(agent, issuer, '/account/sessions', '/account/sessions/sign-out-others', {});
    assert.equal(done.status, 303);
    await assert.rejects(oidc.refreshTokenGrant(elsewhere.conf, elsewhere.tokens.refresh_token!));
    assert.equal((await agent.request(`${issuer}/account`)).status, 200, 'this browser stays signed in');
  });

  it('a browser signed out is gone from storage before it leaves the device list, not at the end of the request', async () => {
    // oidc-provider's writes wait for the request's end (deferred-writes.ts) while the device list is written at
    // once: a request failing in between must not leave a live session that no list shows and no "sign out" finds.
    const { p } = await person();
    const other = new Agent();
    await signInToAccount(issuer, other, p.username, p.password);
    const [uid] = (await db()('person_sessions').where({ person_id: p.id }).orderBy('created_at', 'desc')).map(
      (r: { session_uid: string }) => r.session_uid,
    );
    const provider = server.holder.provider();
    assert.ok(await provider.Session.findByUid(uid!));
    const inStorage = AsyncLocalStorage.snapshot(); // outside any request: what storage holds
    const writes = new RequestWrites();
    await runWithWrites(writes, async () => {
      assert.equal(await server.services.personAccess.signOutSession(p.id, uid!), true);
      assert.equal(await inStorage(() => provider.Session.findByUid(uid!)), undefined, 'ended in storage already');
      assert.equal(await db()('person_sessions').where({ session_uid: uid }).first(), undefined);
    });
    await writes.close();
    assert.equal((await other.request(`${issuer}/account`)).status, 302, 'that browser must sign in again');
  });

  it('lists recent sign-ins, failures included, with the app', async () => {
    const p = await newPerson(db());
    const conf = await discover(issuer, 'acct-rp', rpSecret);
    await assert.rejects(signIn(new Agent(), authorizationUrl(conf, await pkce()), p.username, 'wrong password'));
    const agent = await signedInAgent(issuer, p.username, p.password);
    const page = await agent.request(`${issuer}/account/sign-ins`);
    assert.equal(page.status, 200);
    assert.match(page.body, /成功/);
    assert.match(page.body, /失敗/);
    assert.match(page.body, /密碼錯誤/);
    assert.match(page.body, /<td>帳號管理<\/td>/, 'our own pages by their name in the page’s language');
    assert.match(page.body, /acct-rp|測試應用 Test app/);
    const english = await agent.request(`${issuer}/account/sign-ins?lang=en`);
    assert.match(english.body, /<td>My account<\/td>/);
    assert.doesNotMatch(english.body, /<td>帳號管理/);
  });

  it('refuses a form without its CSRF token (403) and an unknown page (404)', async () => {
    const { agent } = await person();
    const post = (path: string, body: string) =>
      agent.request(`${issuer}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
    assert.equal((await post('/account/password', 'current=a&password=b&confirm=b')).status, 403);
    assert.equal((await post('/account/email', `email=x%40example.test&_csrf=${'a'.repeat(43)}`)).status, 403);
    assert.equal((await post('/account/apps/acct-rp/revoke', '')).status, 403);
    assert.equal((await agent.request(`${issuer}/account/nothing-here`)).status, 404);
  });
});
