// Signing in with another account: what a browser walk found, against real upstreams (an oidc-provider of its own as
// the city's provider, and the Facebook-speaking server as Facebook and as an OpenID provider that never says when the
// person signed in). Two tabs of one browser each finish the upstream sign-in they started (the browser's binding
// cookie is seen where a leg starts, not only at the callback: a browser that keeps cookies by path, as every browser
// does); linking from the account pages makes the upstream sign the person in again, so whoever is still signed in
// there on a shared computer is not linked; an upstream account whose email has an account here is led to link it;
// an upstream that is busy or broken for now says so.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type * as oidc from 'openid-client';
import { translator } from '../../../src/platform/i18n/index.ts';
import { PERSON_PASSWORD, personWith, signedInAgent } from '../../helpers/account.ts';
import { Agent, formAction, hiddenField, html, type Step } from '../../helpers/agent.ts';
import { challengeFields } from '../../helpers/challenge.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import {
  authorizationUrl,
  CALLBACK,
  discover,
  type Pkce,
  pkce,
  registerClient,
  submitLogin,
} from '../../helpers/rp.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';
import {
  addUpstream,
  type FakeUpstream,
  startConfiguredOp,
  startFakeFacebook,
  type UpstreamOp,
  upstreamLogin,
} from '../../helpers/upstream.ts';

const zh = translator('zh-TW');
const FORM = 'application/x-www-form-urlencoded';
const RP_SECRET = 'fed-walk-secret-0123456789abcdefghijkl';
const suffix = crypto.randomBytes(3).toString('hex');
const CITY = `wcity-${suffix}`;
const FACEBOOK = `wfb-${suffix}`;
const ROGUE = `wrogue-${suffix}`;
const unique = (label: string) => `${label}-${crypto.randomBytes(4).toString('hex')}`;

/**
 * A browser that keeps cookies as browsers do: by host, path and name, and sends a cookie only to its host and to
 * addresses under its path (RFC 6265 §5.1.4, §5.4); the longer path first. (The plain Agent sends every cookie
 * everywhere, which hides a cookie set on the wrong path.)
 */
class PathAgent extends Agent {
  readonly jar = new Map<string, { host: string; path: string; name: string; value: string }>();

  override async request(url: string, init: RequestInit = {}): Promise<Step> {
    const at = new URL(url);
    const headers = new Headers(init.headers);
    const sent = [...this.jar.values()]
      .filter(
        (c) =>
          c.host === at.hostname &&
          (at.pathname === c.path || at.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)),
      )
      .sort((a, b) => b.path.length - a.path.length);
    if (sent.length) headers.set('cookie', sent.map((c) => `${c.name}=${c.value}`).join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      this.setCookies.push(line);
      const [pair, ...attributes] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const pathAttribute = attributes
        .map((a) => a.trim())
        .find((a) => /^path=/i.test(a))
        ?.slice(5);
      const path = pathAttribute?.startsWith('/')
        ? pathAttribute
        : at.pathname.slice(0, Math.max(1, at.pathname.lastIndexOf('/')));
      const key = `${at.hostname} ${path} ${name}`;
      if (!value || /expires=Thu, 01 Jan 1970/i.test(line) || /max-age=0(;|$)/i.test(line)) this.jar.delete(key);
      else this.jar.set(key, { host: at.hostname, path, name, value });
    }
    const location = res.headers.get('location') ?? undefined;
    return {
      url,
      status: res.status,
      body: await res.text(),
      location: location ? new URL(location, url).href : undefined,
    };
  }
}

describe(`sign in with another account: the browser walk (${storageMode})`, () => {
  let server: TestServer;
  let base: string;
  let city: UpstreamOp;
  let facebook: FakeUpstream;
  let rogue: FakeUpstream;
  let rp: oidc.Configuration;
  const cityAccounts: Record<string, { email?: string; email_verified?: boolean; name?: string }> = {};

  before(async () => {
    server = await startTestServer({ FEDERATION_TIMEOUT_SECONDS: '2' });
    base = server.issuer;
    await registerClient(server, { client_id: 'fed-walk-rp', first_party: true }, RP_SECRET);
    rp = await discover(base, 'fed-walk-rp', RP_SECRET);
    city = await startConfiguredOp(server, { id: CITY, name: '臺北市校園 OpenID' }, cityAccounts);
    facebook = await startFakeFacebook({ user: { id: 'w1', name: 'Wendy', email: 'wendy@fb.example' } });
    rogue = await startFakeFacebook({ user: { id: 'wr1', name: 'Rogue', email: 'wr@rogue.example' } });
    await addUpstream(server.services.upstreams, {
      id: FACEBOOK,
      name: 'Facebook',
      kind: 'facebook',
      issuer: facebook.base,
      clientId: facebook.clientId,
      clientSecret: facebook.secret,
      endpoints: facebook.endpoints,
    });
    await addUpstream(server.services.upstreams, {
      id: ROGUE,
      name: 'Rogue',
      issuer: rogue.base,
      clientId: rogue.clientId,
      clientSecret: rogue.secret,
    });
  });
  after(async () => {
    for (const id of [CITY, FACEBOOK, ROGUE]) await server?.services.upstreams.update(id, { enabled: false }, 'test');
    await Promise.all([city?.close(), facebook?.close(), rogue?.close()]);
    await server?.close();
  });

  const db = () => server.storage.db;
  const linksOf = (personId: string) => db()('federated_links').where({ person_id: personId });
  const newAccount = (label: string) => personWith(server, [{ schoolCode: '353604', role: 'teacher' }], label);

  async function signInPage(agent: Agent, extra: Record<string, string> = {}): Promise<{ uid: string; p: Pkce }> {
    const p = await pkce();
    const page = await agent.follow(authorizationUrl(rp, p, extra).href, CALLBACK);
    const uid = /\/interaction\/([\w-]+)/.exec(page.url)?.[1];
    assert.ok(uid, `the sign-in page (${page.url})`);
    return { uid, p };
  }

  const pressUpstream = (agent: Agent, uid: string, id: string) =>
    agent.follow(`${base}/interaction/${uid}/federation/${id}`, CALLBACK);

  it('two tabs of one browser: each presses the upstream button, the second finishes first, then the first finishes too', async () => {
    const { personId } = await newAccount('tabs');
    const sub = unique('tabs-city');
    cityAccounts[sub] = { email: `${sub}@city.example`, email_verified: true, name: '兩分頁' };
    await server.services.federatedLinks.link(
      personId,
      { provider: CITY, subject: sub, emailVerified: true },
      'portal',
    );
    const browser = new PathAgent();
    const tab1 = await signInPage(browser);
    const tab2 = await signInPage(browser);
    const upstream1 = await pressUpstream(browser, tab1.uid, CITY);
    const upstream2 = await pressUpstream(browser, tab2.uid, CITY);
    assert.ok(upstream1.url.startsWith(city.issuer) && upstream2.url.startsWith(city.issuer), 'both at the upstream');

    const done2 = await upstreamLogin(browser, upstream2, sub, CALLBACK);
    assert.ok(done2.location?.startsWith(CALLBACK), `tab 2 finishes (${done2.status} ${done2.url})`);
    const done1 = await upstreamLogin(browser, upstream1, sub, CALLBACK);
    assert.notEqual(done1.status, 400, 'tab 1 is not told its sign-in was used, expired or from another browser');
    assert.ok(done1.location?.startsWith(CALLBACK), `tab 1 finishes too (${done1.status} ${done1.url})`);
    assert.equal(new URL(done1.location!).searchParams.get('state'), tab1.p.state, 'each tab its own answer');
    assert.equal(new URL(done2.location!).searchParams.get('state'), tab2.p.state);

    // The binding cookie: signed, http-only, SameSite=Lax, one for the whole site (where legs start and end).
    const bindings = browser.setCookies.filter((c) => c.startsWith('fed_binding='));
    assert.ok(bindings.length > 0);
    for (const line of bindings) {
      assert.match(line, /; path=\/;/i);
      assert.match(line, /httponly/i);
      assert.match(line, /samesite=lax/i);
    }
    assert.ok(
      browser.setCookies.some((c) => c.startsWith('fed_binding.sig=')),
      'signed',
    );
  });

  it('linking from the account pages makes the upstream sign the person in again: a classmate still signed in there is not linked', async () => {
    const { personId, email } = await newAccount('shared');
    const classmate = unique('classmate');
    const own = unique('own');
    cityAccounts[classmate] = { email: `${classmate}@city.example`, email_verified: true, name: '同學' };
    cityAccounts[own] = { email: `${own}@city.example`, email_verified: true, name: '本人' };
    const agent = await signedInAgent(base, email, PERSON_PASSWORD);
    // Earlier on this shared computer, the classmate signed in at the upstream (and left).
    const earlier = await signInPage(agent, { prompt: 'login' });
    const left = await upstreamLogin(agent, await pressUpstream(agent, earlier.uid, CITY), classmate, CALLBACK);
    assert.equal(left.url, `${base}/interaction/${earlier.uid}/federation/new`);

    const portal = await agent.request(`${base}/account/links`);
    const start = await agent.request(`${base}/federation/${CITY}/link`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({ _csrf: hiddenField(portal.body, '_csrf') }).toString(),
    });
    const asked = new URL(start.location!);
    assert.ok(asked.href.startsWith(city.issuer));
    assert.equal(asked.searchParams.get('prompt'), 'login', 'the upstream is asked to sign the person in again');
    assert.equal(asked.searchParams.get('max_age'), '0', 'and to say when it did (auth_time)');
    const atUpstream = await agent.follow(start.location!);
    assert.ok(
      atUpstream.url.startsWith(city.issuer),
      `the upstream's sign-in form, not straight back (${atUpstream.url})`,
    );
    assert.match(atUpstream.body, /name="login"/);
    assert.equal((await linksOf(personId)).length, 0, 'the classmate is not linked');

    let back = await upstreamLogin(agent, atUpstream, own);
    // Another account than the one signed in there: the upstream ends the classmate's session first (its page
    // submits itself in a browser).
    if (back.body.includes('/session/end/confirm'))
      back = await agent.submit(formAction(back.body, /\/session\/end\/confirm$/, back.url), {
        xsrf: hiddenField(back.body, 'xsrf'),
        logout: 'yes',
      });
    assert.equal(back.url, `${base}/account/links?result=linked&upstream=${CITY}`);
    const links = await linksOf(personId);
    assert.deepEqual(
      links.map((l) => l.subject),
      [own],
      'the account the person signed in with just now',
    );
  });

  it('linking with an upstream that does not say it signed the person in again (no auth_time) links nothing', async () => {
    const { personId, email } = await newAccount('stale');
    const agent = await signedInAgent(base, email, PERSON_PASSWORD);
    const portal = await agent.request(`${base}/account/links`);
    const start = await agent.request(`${base}/federation/${ROGUE}/link`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({ _csrf: hiddenField(portal.body, '_csrf') }).toString(),
    });
    const back = await agent.follow(start.location!);
    assert.equal(back.url, `${base}/account/links?result=failed&upstream=${ROGUE}`);
    assert.ok(back.body.includes(html(zh('account.links.result.failed'))));
    assert.equal((await linksOf(personId)).length, 0);

    // Signing in (not linking) with the same upstream still works: only linking asks for a fresh sign-in.
    const other = new Agent();
    const { uid } = await signInPage(other);
    assert.equal((await pressUpstream(other, uid, ROGUE)).url, `${base}/interaction/${uid}/federation/new`);

    // Facebook is asked to have the person type the password again (its dialog's auth_type=reauthenticate).
    const fbStart = await agent.request(`${base}/federation/${FACEBOOK}/link`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({ _csrf: hiddenField(portal.body, '_csrf') }).toString(),
    });
    assert.equal(new URL(fbStart.location!).searchParams.get('auth_type'), 'reauthenticate');
  });

  it('an upstream account whose email already has an account: the wizard offers to sign in with it and link, or to go back', async () => {
    const { personId, email } = await newAccount('existing');
    const sub = unique('existing-city');
    cityAccounts[sub] = { email, email_verified: true, name: 'Existing' };
    const agent = new Agent();
    const { uid, p } = await signInPage(agent);
    const notLinked = await upstreamLogin(agent, await pressUpstream(agent, uid, CITY), sub, CALLBACK);
    assert.equal(notLinked.url, `${base}/interaction/${uid}/federation/new`);
    const wizard = await agent.submit(formAction(notLinked.body, /\/federation\/register$/, notLinked.url), {
      _csrf: hiddenField(notLinked.body, '_csrf'),
    });
    const step1 = await agent.request(`${base}/register`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({
        _csrf: hiddenField(wizard.body, '_csrf'),
        ...(await challengeFields(base)),
        school: '353604',
        kind: 'teacher',
        email,
        name: 'Existing',
        national_id: randomNationalId(),
        password: PERSON_PASSWORD,
        password_confirm: PERSON_PASSWORD,
        phone: '',
        gender: '',
      }).toString(),
    });
    assert.equal(step1.status, 400);
    assert.ok(step1.body.includes(html(zh('registration.errors.emailTaken'))));
    assert.ok(step1.body.includes('id="federated-existing"'), 'the page says what to do instead');
    assert.ok(
      !step1.body.includes(html(zh('registration.federated.noticeVerified', { provider: '臺北市校園 OpenID' }))),
      'no word about not needing an activation mail',
    );
    const linkHref = /id="federated-link-existing" href="([^"]+)"/.exec(step1.body)?.[1];
    assert.equal(linkHref?.replaceAll('&amp;', '&'), `/interaction/${uid}?link=1`);
    assert.ok(step1.body.includes(html(zh('registration.federated.existingLink'))));
    assert.match(step1.body, new RegExp(`id="federated-cancel" href="/interaction/${uid}"`));

    // 以現有帳號登入並連結 → the sign-in page that links → the password → linked, and the app goes on.
    const loginPage = await agent.request(`${base}${linkHref!.replaceAll('&amp;', '&')}`);
    assert.ok(loginPage.body.includes('id="linking"'));
    let step = await submitLogin(agent, loginPage, email, PERSON_PASSWORD, { link: '1' }, CALLBACK);
    if (!step.location?.startsWith(CALLBACK) && step.body.includes('/confirm'))
      step = await agent.submit(
        formAction(step.body, /\/confirm$/, step.url),
        { _csrf: hiddenField(step.body, '_csrf') },
        CALLBACK,
      );
    assert.ok(step.location?.startsWith(CALLBACK), `the authorization goes on (${step.status} ${step.url})`);
    assert.equal(new URL(step.location!).searchParams.get('state'), p.state);
    const [link] = await linksOf(personId);
    assert.equal(link?.subject, sub);
  });

  it('an account made through an upstream, not yet activated, signing in with it: the page offers to send the activation mail again', async () => {
    const { personId, email } = await newAccount('waiting');
    await db()('persons').where({ id: personId }).update({ status: 'pending' });
    const sub = unique('waiting-city');
    cityAccounts[sub] = { email, email_verified: false, name: 'Waiting' };
    await server.services.federatedLinks.link(
      personId,
      { provider: CITY, subject: sub, emailVerified: false },
      'portal',
    );
    const agent = new Agent();
    const { uid } = await signInPage(agent);
    const page = await upstreamLogin(agent, await pressUpstream(agent, uid, CITY), sub, CALLBACK);
    assert.equal(page.url, `${base}/interaction/${uid}/federation/pending`);
    assert.equal(page.status, 200);
    assert.ok(page.body.includes(html(zh('federation.pending.message'))));
    assert.ok(page.body.includes(html(zh('federation.pending.resend'))), 'the button');
    assert.match(page.body, new RegExp(`id="back-to-sign-in" href="/interaction/${uid}"`));
    assert.ok(!page.body.includes('ticket='), 'the offer is not in any address');
    // Reloaded (or the language changed): the same page, the same offer.
    const again = await agent.request(`${base}/interaction/${uid}/federation/pending?lang=en`);
    assert.ok(again.body.includes(html(translator('en')('federation.pending.resend'))));
    await agent.request(`${base}/interaction/${uid}/federation/pending?lang=zh-TW`);

    const before = await db()('outbox_messages').where({ recipient: email, kind: 'registration_activation' });
    const sent = await agent.submit(formAction(page.body, /\/register\/resend$/, page.url), {
      _csrf: hiddenField(page.body, '_csrf'),
      ticket: hiddenField(page.body, 'ticket'),
    });
    assert.equal(sent.status, 200);
    assert.ok(sent.body.includes(html(zh('registration.resend.sent'))));
    assert.match(sent.body, new RegExp(`href="/interaction/${uid}"`), 'and back to this sign-in');
    const after = await db()('outbox_messages').where({ recipient: email, kind: 'registration_activation' });
    assert.equal(after.length, before.length + 1, 'one more activation mail');

    // An upstream cannot be named after this page (its button's address would be the page's).
    await assert.rejects(
      async () =>
        addUpstream(server.services.upstreams, {
          id: 'pending',
          name: 'X',
          issuer: city.issuer,
          clientId: 'x',
          clientSecret: 'y',
        }),
      /this id is reserved/,
    );

    // Another browser, with no offer of its own: the sign-in page's notice, as before.
    const other = new Agent();
    const elsewhere = await other.follow(`${base}/interaction/${uid}/federation/pending`);
    assert.ok(!elsewhere.body.includes('name="ticket"'));
  });

  it('an upstream that answers temporarily_unavailable or server_error: "not answering right now", not "did not work"', async () => {
    const agent = new Agent();
    const { uid } = await signInPage(agent);
    try {
      for (const error of ['temporarily_unavailable', 'server_error']) {
        facebook.behaviour.error = error;
        const res = await pressUpstream(agent, uid, FACEBOOK);
        assert.equal(res.url, `${base}/interaction/${uid}?federation=unavailable&upstream=${FACEBOOK}`, error);
        assert.ok(res.body.includes(html(zh('federation.notice.unavailableAt', { provider: 'Facebook' }))), error);
      }
      facebook.behaviour.error = 'invalid_scope';
      assert.equal(
        (await pressUpstream(agent, uid, FACEBOOK)).url,
        `${base}/interaction/${uid}?federation=failed&upstream=${FACEBOOK}`,
      );
      // The same from the account pages.
      const { email } = await newAccount('busy');
      const signedIn = await signedInAgent(base, email, PERSON_PASSWORD);
      const portal = await signedIn.request(`${base}/account/links`);
      facebook.behaviour.error = 'temporarily_unavailable';
      const start = await signedIn.request(`${base}/federation/${FACEBOOK}/link`, {
        method: 'POST',
        headers: { 'content-type': FORM },
        body: new URLSearchParams({ _csrf: hiddenField(portal.body, '_csrf') }).toString(),
      });
      const back = await signedIn.follow(start.location!);
      assert.equal(back.url, `${base}/account/links?result=unavailable&upstream=${FACEBOOK}`);
      assert.ok(back.body.includes(html(zh('account.links.result.unavailableAt', { provider: 'Facebook' }))));
    } finally {
      facebook.behaviour.error = undefined;
    }
  });
});
