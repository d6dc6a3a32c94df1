// The email address, the mobile number and the linked accounts change only after a recent sign-in (security review,
// HIGH: a provider session kept for days with "remember me" opened the account pages without a password, and a new
// email address then took the account over through /password/forgot). A sign-in older than RECENT_SIGN_IN_SECONDS
// goes through our sign-in page again (prompt=login: the password, the account name filled in, the reason said)
// and back to the form; a form sent stale does nothing. Just signed in: nothing asked twice.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { translator } from '../../../src/platform/i18n/index.ts';
import { RECENT_SIGN_IN_SECONDS } from '../../../src/web/portal-cookie.ts';
import { newPerson, signInToAccount, type TestPerson, textOf } from '../../helpers/account.ts';
import { Agent, hiddenField, type Step } from '../../helpers/agent.ts';
import { submitLogin } from '../../helpers/rp.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';
import { ageSignIns } from '../../helpers/sign-in-age.ts';
import { addUpstream } from '../../helpers/upstream.ts';

const zh = translator('zh-TW');
const FORM = 'application/x-www-form-urlencoded';
const CITY = `city-${crypto.randomBytes(3).toString('hex')}`;

describe(`account: a recent sign-in before the email, mobile or a link changes (${storageMode})`, () => {
  let server: TestServer;
  let base: string;

  before(async () => {
    server = await startTestServer();
    base = server.issuer;
    // Configured only: its address answers nothing, so a link that starts comes back "unavailable".
    await addUpstream(server.services.upstreams, {
      id: CITY,
      name: '臺北市校園 OpenID',
      issuer: 'http://127.0.0.1:9/',
      clientId: 'campus',
      clientSecret: 'not a real secret, never sent',
    });
  });
  after(() => server.close());

  const db = () => server.storage.db;
  const messagesTo = async (recipient: string) => (await db()('outbox_messages').where({ recipient })).length;
  const post = (agent: Agent, path: string, csrf: string, fields: Record<string, string>) =>
    agent.request(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
    });
  const freshSignIn = (page: string) =>
    `${base}/account/sign-in?${new URLSearchParams({ return_to: page, fresh: '1' })}`;

  /**
   * Signed in to the account pages; then, as the review did, the sign-in made long ago (a provider session kept with
   * "remember me"), the portal's cookie gone and the pages opened again without a password.
   */
  async function staleAgent(): Promise<{ p: TestPerson; agent: Agent; csrf: string }> {
    const p = await newPerson(db());
    const agent = new Agent();
    assert.equal((await signInToAccount(base, agent, p.username, p.password)).status, 200);
    await ageSignIns(server, p.id, RECENT_SIGN_IN_SECONDS + 600);
    agent.cookies.delete('account_session');
    const reopened = await agent.follow(`${base}/account/sign-in?return_to=/account`);
    assert.equal(new URL(reopened.url).pathname, '/account', 'the account pages open on the old session, no password');
    assert.equal(reopened.status, 200);
    return { p, agent, csrf: hiddenField(reopened.body, '_csrf') };
  }

  /** Our sign-in page, asked again: says why, the account name filled in; the password typed, back at the form. */
  async function signInAgain(agent: Agent, p: TestPerson, from: Step): Promise<Step> {
    const page = await agent.follow(from.location!);
    assert.match(page.url, /\/interaction\/[\w-]+$/, 'at our sign-in page');
    assert.equal(textOf(page.body, 'sign-in-again'), zh('login.again.password'), 'it says why');
    assert.match(page.body, new RegExp(`id="login"[^>]*value="${p.username}"`), 'the account name filled in');
    const back = await submitLogin(agent, page, p.username, p.password, {}, `${base}/account/callback`);
    assert.ok(back.location?.startsWith(`${base}/account/callback`), `back to the account pages (${back.url})`);
    return agent.follow(back.location!);
  }

  it('a new email address: refused on an old sign-in (nothing sent), taken after the password is typed again', async () => {
    const { p, agent, csrf } = await staleAgent();
    const next = `new-${p.username}@example.test`;

    // The form sent anyway (a page left open, or the review's direct post): nothing is sent, to sign in again.
    const stale = await post(agent, '/account/email', csrf, { email: next });
    assert.equal(stale.status, 303);
    assert.equal(stale.location, freshSignIn('/account/email'));
    assert.equal(await messagesTo(next), 0, 'no code goes to the new address');

    // The form's page asks the same.
    const page = await agent.request(`${base}/account/email`);
    assert.equal(page.status, 303);
    assert.equal(page.location, freshSignIn('/account/email'));

    // The password again: back at the form, and the change goes through.
    const form = await signInAgain(agent, p, stale);
    assert.equal(new URL(form.url).pathname, '/account/email');
    assert.equal(form.status, 200);
    const sent = await post(agent, '/account/email', hiddenField(form.body, '_csrf'), { email: next });
    assert.equal(sent.status, 303);
    assert.equal(sent.location, `${base}/account/email/verify`);
    const row = await db()('outbox_messages').where({ recipient: next, kind: 'verify_email_change' }).first();
    assert.ok(row, 'the code goes to the new address');
    const verify = await agent.request(`${base}/account/email/verify`);
    assert.equal(verify.status, 200);
    const code = /\b(\d{6})\b/.exec(row.text_body)![1]!;
    const done = await post(agent, '/account/email/verify', hiddenField(verify.body, '_csrf'), {
      code,
      sent_to: next,
    });
    assert.equal(done.status, 303);
    assert.equal((await db()('persons').where({ id: p.id }).first()).email, next);
  });

  it('a code sent, then the sign-in grows old: the code form goes to sign in again and back, the code kept', async () => {
    const p = await newPerson(db());
    const agent = new Agent();
    const form = await signInToAccount(base, agent, p.username, p.password, '/account/email');
    assert.equal(form.status, 200, 'just signed in: the form, nothing asked twice');
    const next = `later-${p.username}@example.test`;
    const sent = await post(agent, '/account/email', hiddenField(form.body, '_csrf'), { email: next });
    assert.equal(sent.status, 303);
    const verify = await agent.request(`${base}/account/email/verify`);
    assert.equal(verify.status, 200);
    const row = await db()('outbox_messages').where({ recipient: next, kind: 'verify_email_change' }).first();
    const code = /\b(\d{6})\b/.exec(row.text_body)![1]!;

    await ageSignIns(server, p.id, RECENT_SIGN_IN_SECONDS + 600);
    agent.cookies.delete('account_session');
    await agent.follow(`${base}/account/sign-in?return_to=/account`);
    const stale = await post(agent, '/account/email/verify', hiddenField(verify.body, '_csrf'), {
      code,
      sent_to: next,
    });
    assert.equal(stale.status, 303);
    assert.equal(stale.location, freshSignIn('/account/email/verify'));
    assert.notEqual((await db()('persons').where({ id: p.id }).first()).email, next, 'nothing saved');

    const again = await signInAgain(agent, p, stale);
    assert.equal(new URL(again.url).pathname, '/account/email/verify', 'back at the code form, the code still waiting');
    assert.equal(again.status, 200);
    const done = await post(agent, '/account/email/verify', hiddenField(again.body, '_csrf'), { code, sent_to: next });
    assert.equal(done.status, 303);
    assert.equal((await db()('persons').where({ id: p.id }).first()).email, next);
  });

  it('a new mobile number: refused on an old sign-in (no SMS), taken after the password is typed again', async () => {
    const { p, agent, csrf } = await staleAgent();
    const next = `09${String(crypto.randomInt(0, 100_000_000)).padStart(8, '0')}`;
    const stale = await post(agent, '/account/mobile', csrf, { mobile: next });
    assert.equal(stale.status, 303);
    assert.equal(stale.location, freshSignIn('/account/mobile'));
    assert.equal(await messagesTo(next), 0, 'no code goes to the new number');
    assert.equal(
      (await agent.request(`${base}/account/mobile/verify`)).location,
      freshSignIn('/account/mobile/verify'),
    );

    const form = await signInAgain(agent, p, stale);
    assert.equal(new URL(form.url).pathname, '/account/mobile');
    const sent = await post(agent, '/account/mobile', hiddenField(form.body, '_csrf'), { mobile: next });
    assert.equal(sent.status, 303);
    assert.equal(sent.location, `${base}/account/mobile/verify`);
    assert.equal(await messagesTo(next), 1, 'the code goes to the new number');
  });

  it('linking another account: refused on an old sign-in (no upstream leg), started after the password', async () => {
    const { p, agent, csrf } = await staleAgent();
    const stale = await post(agent, `/federation/${CITY}/link`, csrf, {});
    assert.equal(stale.status, 303);
    assert.equal(stale.location, freshSignIn('/account/links'));

    const links = await signInAgain(agent, p, stale);
    assert.equal(new URL(links.url).pathname, '/account/links');
    const started = await post(agent, `/federation/${CITY}/link`, hiddenField(links.body, '_csrf'), {});
    assert.equal(started.status, 303);
    // The leg started (this upstream answers nothing: "unavailable"), not sent to sign in again.
    assert.equal(started.location, `${base}/account/links?result=unavailable&upstream=${CITY}`);
  });

  it('the password page is not asked twice, and a fresh sign-in keeps the other pages as they were', async () => {
    const { agent } = await staleAgent();
    assert.equal((await agent.request(`${base}/account/password`)).status, 200, 'it asks the current password itself');
    assert.equal((await agent.request(`${base}/account/links`)).status, 200, 'the list of links is shown');
  });

  it('a stale form with a wrong CSRF token is refused as before, nothing sent', async () => {
    const { agent } = await staleAgent();
    const next = `csrf-${crypto.randomBytes(3).toString('hex')}@example.test`;
    const forged = await post(agent, '/account/email', 'not-the-token', { email: next });
    assert.equal(forged.status, 403);
    assert.equal(await messagesTo(next), 0);
  });

  it('the sign-in page says why in English too', async () => {
    const { agent } = await staleAgent();
    const page = await agent.follow(`${freshSignIn('/account/email')}`, undefined, {
      headers: { 'accept-language': 'en' },
    });
    assert.match(page.url, /\/interaction\/[\w-]+$/);
    assert.equal(textOf(page.body, 'sign-in-again'), translator('en')('login.again.password'));
  });
});
