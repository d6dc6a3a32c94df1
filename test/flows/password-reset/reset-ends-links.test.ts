// A password reset removes the account's linked upstream accounts (a security review's probe: an upstream account linked
// by whoever knew the old password still signed in after the owner's reset), says so on its done page and in its notice
// mail; and every new link is told to the account's email address (from the account pages, and by signing in with the
// password at ?link=1), in the link's transaction.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type * as oidc from 'openid-client';
import { translator } from '../../../src/platform/i18n/index.ts';
import { PASSWORD_RESET } from '../../../src/platform/limits.ts';
import { PERSON_PASSWORD, personWith, signedInAgent } from '../../helpers/account.ts';
import { Agent, formAction, hiddenField, html } from '../../helpers/agent.ts';
import { challengeFields } from '../../helpers/challenge.ts';
import { authorizationUrl, CALLBACK, discover, pkce, registerClient, submitLogin } from '../../helpers/rp.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';
import { startConfiguredOp, type UpstreamOp, upstreamLogin } from '../../helpers/upstream.ts';

const zh = translator('zh-TW');
const en = translator('en');
const FORM = 'application/x-www-form-urlencoded';
const RP_SECRET = 'reset-links-rp-secret-0123456789abcdef';
const CITY = `city-${crypto.randomBytes(3).toString('hex')}`;
const CITY_NAME = '臺北市民帳號';
const LOOPBACK = ['127.0.0.1', '::ffff:127.0.0.1', '::1'];

describe(`a password reset removes linked accounts; linking is told by mail (${storageMode})`, () => {
  let server: TestServer;
  let city: UpstreamOp;
  let rp: oidc.Configuration;
  const cityAccounts: Record<string, { email?: string; email_verified?: boolean; name?: string }> = {};
  const db = () => server.storage.db;
  const resetAddressCounters = () =>
    Promise.all(LOOPBACK.map((a) => server.services.throttle.reset(PASSWORD_RESET.address, a)));

  before(async () => {
    server = await startTestServer({});
    await registerClient(server, { client_id: 'reset-links-rp', first_party: true }, RP_SECRET);
    rp = await discover(server.issuer, 'reset-links-rp', RP_SECRET);
    city = await startConfiguredOp(server, { id: CITY, name: CITY_NAME }, cityAccounts);
    await resetAddressCounters();
  });
  after(async () => {
    await resetAddressCounters();
    await server?.services.upstreams.update(CITY, { enabled: false }, 'test');
    await city?.close();
    await server?.close();
  });

  const mails = async (recipient: string, kind: string) => {
    await server.services.background.idle();
    return db()('outbox_messages').where({ recipient, kind }).orderBy('created_at');
  };
  const cityAccount = (label: string) => {
    const sub = `${label}-${crypto.randomBytes(3).toString('hex')}`;
    cityAccounts[sub] = { email: `${sub}@city.example`, email_verified: true, name: label };
    return sub;
  };

  /** A fresh browser at an app's sign-in page, through the city's provider as `sub`: where it lands. */
  async function signInWithCity(sub: string) {
    const agent = new Agent();
    const p = await pkce();
    const page = await agent.follow(authorizationUrl(rp, p).href, CALLBACK);
    const uid = /\/interaction\/([\w-]+)/.exec(page.url)![1]!;
    const up = await agent.follow(`${server.issuer}/interaction/${uid}/federation/${CITY}`, CALLBACK);
    const step = await upstreamLogin(agent, up, sub, CALLBACK);
    return { agent, uid, step };
  }

  it('the probe: an upstream account linked by someone who knew the password signs in no more after a reset', async () => {
    const base = server.issuer;
    const { personId, email } = await personWith(server, [{ schoolCode: '353604', role: 'teacher' }], 'vic');

    // Someone who knows the password links their own upstream account from the account pages.
    const attacker = await signedInAgent(base, email, PERSON_PASSWORD);
    const links = await attacker.request(`${base}/account/links`);
    const sub = cityAccount('mallory');
    const start = await attacker.request(`${base}/federation/${CITY}/link`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({ _csrf: hiddenField(links.body, '_csrf') }).toString(),
    });
    const back = await upstreamLogin(attacker, await attacker.follow(start.location!), sub);
    assert.equal(back.url, `${base}/account/links?result=linked&upstream=${CITY}`);

    // The owner is told at once, at the account's email address: what (which upstream), when, and what to do.
    const [notice, ...more] = await mails(email, 'federation_linked');
    assert.ok(notice, 'the link is told by mail');
    assert.equal(more.length, 0);
    assert.match(notice.subject, /連結了其他帳號.*another account was linked/);
    assert.ok(notice.text_body.includes(`「${CITY_NAME}」`), 'it names the upstream');
    assert.match(notice.text_body, /\d{1,2}:\d{2}（臺北時間）/, 'it says when');
    assert.ok(notice.text_body.includes(`${base}/password/forgot`), 'and where to reset the password');
    assert.ok(!notice.text_body.includes(sub), 'never the upstream account’s own identifier');

    // The owner resets the password through the mailed link (the real pages).
    const owner = new Agent();
    const forgot = await owner.request(`${base}/password/forgot`);
    await owner.submit(formAction(forgot.body, /\/password\/forgot/, forgot.url), {
      _csrf: hiddenField(forgot.body, '_csrf'),
      target: email,
      ...(await challengeFields(base)),
    });
    const resetMail = (await mails(email, 'password_reset')).at(-1);
    const link = /https?:\/\/\S+\/password\/reset\?token=[A-Za-z0-9_-]{43}/.exec(resetMail.text_body)![0];
    const form = await owner.request(link);
    const done = await owner.submit(formAction(form.body, /\/password\/reset/, form.url), {
      _csrf: hiddenField(form.body, '_csrf'),
      password: 'Owner-New-Secret-2026',
      confirm: 'Owner-New-Secret-2026',
    });
    assert.equal(done.status, 200);
    assert.equal(done.url, `${base}/password/reset/done?links=removed`);
    assert.ok(done.body.includes(html(zh('password.reset.doneLinks'))), 'the done page says the links are gone');
    const doneEn = await new Agent().request(`${base}/password/reset/done?links=removed`, {
      headers: { 'accept-language': 'en' },
    });
    assert.ok(doneEn.body.includes(html(en('password.reset.doneLinks'))), 'in English too');

    // In the reset's transaction: no link left, each removal audited; the notice mail says so in both languages.
    assert.equal((await db()('federated_links').where({ person_id: personId })).length, 0);
    const unlinked = await db()('audit_events').where({ subject: personId, action: 'federation.unlinked' });
    assert.deepEqual(
      unlinked.map((a) => a.detail),
      [{ provider: CITY, reason: 'password_reset' }],
    );
    const changed = (await mails(email, 'password_changed')).at(-1);
    assert.ok(changed.text_body.includes(zh('password.mail.changedLinks')), 'the notice says it, in Chinese');
    assert.ok(changed.text_body.includes(en('password.mail.changedLinks').trim()), 'and in English');

    // The attacker, in a fresh browser, signs in through the upstream: no account any more, only the page that
    // offers to make one or to link by password.
    const { uid, step } = await signInWithCity(sub);
    assert.ok(!step.location?.startsWith(CALLBACK), 'no code for the app');
    assert.equal(step.url, `${base}/interaction/${uid}/federation/new`);
  });

  it('a reset of an account without links says nothing of links; linking by password (?link=1) is told by mail too', async () => {
    const base = server.issuer;
    const { personId, email } = await personWith(server, [{ schoolCode: '353604', role: 'teacher' }], 'wen');
    const token = await server.services.passwordLinks.issue({ personId, via: 'email', issuedAt: Date.now() }, 3600);
    const owner = new Agent();
    const form = await owner.request(`${base}/password/reset?token=${token}`);
    const done = await owner.submit(formAction(form.body, /\/password\/reset/, form.url), {
      _csrf: hiddenField(form.body, '_csrf'),
      password: 'Wen-New-Secret-2026',
      confirm: 'Wen-New-Secret-2026',
    });
    assert.equal(done.url, `${base}/password/reset/done`);
    assert.ok(!done.body.includes(html(zh('password.reset.doneLinks'))));
    const changed = (await mails(email, 'password_changed')).at(-1);
    assert.ok(!changed.text_body.includes(zh('password.mail.changedLinks')));

    // The owner links an upstream account by signing in with the password on the not-yet-linked page's way.
    const sub = cityAccount('wen');
    const { agent, uid, step } = await signInWithCity(sub);
    assert.equal(step.url, `${base}/interaction/${uid}/federation/new`);
    const page = await agent.request(`${base}/interaction/${uid}?link=1`);
    await submitLogin(agent, page, email, 'Wen-New-Secret-2026', { link: '1' }, CALLBACK);
    const rows = await db()('federated_links').where({ person_id: personId });
    assert.deepEqual(
      rows.map((r) => r.subject),
      [sub],
    );
    const [notice] = await mails(email, 'federation_linked');
    assert.ok(notice, 'linking by password is told by mail');
    assert.ok(notice.text_body.includes(CITY_NAME));
  });
});
