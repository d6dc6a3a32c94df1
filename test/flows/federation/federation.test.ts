// Signing in with another account over HTTP (issue 13), against real upstreams: two oidc-providers of their own (the
// city's provider and "Google"), a server speaking Facebook's OAuth dialog and Graph `me`, and the same server as a
// misbehaving OpenID provider. First visit → create (prefilled, verified email: active at once) or link by password;
// later visits sign in directly (amr `fed`); the portal lists, links and unlinks; every abuse case changes nothing.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { generate } from 'otplib';
import { MFA_ACR } from '../../../src/domain/people/second-factor.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { PERSON_PASSWORD, personWith } from '../../helpers/account.ts';
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
import { passSetupProof } from '../../helpers/second-factor.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';
import {
  addUpstream,
  type FakeUpstream,
  startConfiguredOp,
  startFakeFacebook,
  type UpstreamOp,
  upstreamCancel,
  upstreamLogin,
} from '../../helpers/upstream.ts';

const zh = translator('zh-TW');
const FORM = 'application/x-www-form-urlencoded';
const RP_SECRET = 'fed-rp-secret-0123456789abcdefghijkl';
const PASSWORD = PERSON_PASSWORD;
const suffix = crypto.randomBytes(3).toString('hex');
const CITY = `city-${suffix}`;
const GOOGLE = `google-${suffix}`;
const FACEBOOK = `facebook-${suffix}`;
const ROGUE = `rogue-${suffix}`;
const SLOW = `slow-${suffix}`;
const DOWN = `down-${suffix}`;
const unique = (label: string) => `${label}-${crypto.randomBytes(4).toString('hex')}`;

describe(`sign in with another account (${storageMode})`, () => {
  let server: TestServer;
  let base: string;
  let city: UpstreamOp;
  let google: UpstreamOp;
  let facebook: FakeUpstream;
  let rogue: FakeUpstream;
  let slow: FakeUpstream;
  let rp: oidc.Configuration;
  /** Accounts at the city's provider and at "Google" (created per test by name). */
  const cityAccounts: Record<string, { email?: string; email_verified?: boolean; name?: string }> = {};
  const googleAccounts: typeof cityAccounts = {};

  before(async () => {
    server = await startTestServer({ FEDERATION_TIMEOUT_SECONDS: '1' });
    base = server.issuer;
    await registerClient(server, { client_id: 'fed-rp', first_party: true }, RP_SECRET);
    rp = await discover(base, 'fed-rp', RP_SECRET);
    city = await startConfiguredOp(server, { id: CITY, name: '臺北市校園 OpenID' }, cityAccounts, {
      otherClients: [{ client_id: 'another-app', client_secret: 'another app secret' }],
    });
    google = await startConfiguredOp(server, { id: GOOGLE, name: 'Google' }, googleAccounts);
    facebook = await startFakeFacebook({ user: { id: '1000001', name: 'Fiona Fb', email: 'fiona@fb.example' } });
    rogue = await startFakeFacebook({ user: { id: 'r1', name: 'Rogue', email: 'r@rogue.example' } });
    slow = await startFakeFacebook({ user: { id: 's1', name: 'Slow', email: 's@slow.example' }, delayMs: 3000 });
    const add = (input: Record<string, unknown>) => addUpstream(server.services.upstreams, input);
    await add({
      id: FACEBOOK,
      name: 'Facebook',
      kind: 'facebook',
      issuer: facebook.base,
      clientId: facebook.clientId,
      clientSecret: facebook.secret,
      endpoints: facebook.endpoints,
    });
    await add({ id: ROGUE, name: 'Rogue', issuer: rogue.base, clientId: rogue.clientId, clientSecret: rogue.secret });
    await add({ id: SLOW, name: 'Slow', issuer: slow.base, clientId: slow.clientId, clientSecret: slow.secret });
    // An upstream whose server is gone.
    await add({ id: DOWN, name: 'Down', issuer: 'http://127.0.0.1:9', clientId: 'x', clientSecret: 'y' });
  });
  after(async () => {
    // The shared database keeps these upstreams: they are no longer offered to later tests' sign-in pages.
    for (const id of [CITY, GOOGLE, FACEBOOK, ROGUE, SLOW, DOWN])
      await server?.services.upstreams.update(id, { enabled: false }, 'test');
    await Promise.all([city?.close(), google?.close(), facebook?.close(), rogue?.close(), slow?.close()]);
    await server?.close();
  });

  const db = () => server.storage.db;

  /** An app's authorization request up to our sign-in page. */
  async function signInPage(
    agent: Agent,
    extra: Record<string, string> = {},
  ): Promise<{ page: Step; uid: string; p: Pkce }> {
    const p = await pkce();
    const page = await agent.follow(authorizationUrl(rp, p, extra).href, CALLBACK);
    const uid = /\/interaction\/([\w-]+)/.exec(page.url)?.[1];
    assert.ok(uid, `the sign-in page (${page.url})`);
    return { page, uid, p };
  }

  /** Presses "sign in with <upstream>" on the sign-in page; returns the upstream's page (or where it ended). */
  const pressUpstream = (agent: Agent, uid: string, id: string) =>
    agent.follow(`${base}/interaction/${uid}/federation/${id}`, CALLBACK);

  /** The app exchanges the code it received; returns the ID token's claims. */
  async function tokensAt(callback: string, p: Pkce) {
    const tokens = await oidc.authorizationCodeGrant(rp, new URL(callback), {
      pkceCodeVerifier: p.verifier,
      expectedState: p.state,
      expectedNonce: p.nonce,
    });
    return tokens.claims()!;
  }

  /** Step 1 of the prefilled wizard (`wizard`), completed as a person would: school, kind, ID and a password. */
  async function wizardStep1(agent: Agent, wizard: Step, person: { kind: string; email: string; name: string }) {
    return agent.request(`${base}/register`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({
        _csrf: hiddenField(wizard.body, '_csrf'),
        ...(await challengeFields(base)),
        school: '353604',
        ...person,
        national_id: randomNationalId(),
        password: PASSWORD,
        password_confirm: PASSWORD,
        phone: '',
        gender: '',
      }).toString(),
    });
  }

  const linksOf = (personId: string) => db()('federated_links').where({ person_id: personId });

  const newAccount = (label: string) => personWith(server, [{ schoolCode: '353604', role: 'teacher' }], label);

  it('offers the enabled upstreams on the sign-in page, in both languages', async () => {
    const agent = new Agent();
    const { page, uid } = await signInPage(agent);
    assert.ok(page.body.includes(zh('federation.heading')));
    assert.ok(page.body.includes(html(zh('federation.signInWith', { provider: '臺北市校園 OpenID' }))));
    assert.ok(page.body.includes(`href="/interaction/${uid}/federation/${GOOGLE}"`));
    await server.services.upstreams.update(DOWN, { enabled: false }, 'test');
    const again = await agent.request(`${base}/interaction/${uid}`);
    assert.ok(!again.body.includes(`/federation/${DOWN}"`), 'a disabled upstream is not offered');
    await server.services.upstreams.update(DOWN, { enabled: true }, 'test');
    const en = await agent.request(`${base}/interaction/${uid}?lang=en`);
    assert.ok(en.body.includes('Sign in with Google'));
  });

  it('first visit, create: the wizard prefilled from the upstream; a verified email needs no mail; the app gets amr fed; later visits sign in directly', async () => {
    const sub = unique('alice');
    const email = `${sub}@city.example`;
    cityAccounts[sub] = { email, email_verified: true, name: '陳愛麗' };
    const agent = new Agent();
    const { uid, p } = await signInPage(agent);
    const upstreamPage = await pressUpstream(agent, uid, CITY);
    assert.ok(upstreamPage.url.startsWith(city.issuer), 'the browser is at the upstream');
    const notLinked = await upstreamLogin(agent, upstreamPage, sub, CALLBACK);
    assert.equal(notLinked.url, `${base}/interaction/${uid}/federation/new`);
    assert.equal(notLinked.status, 200);
    assert.ok(notLinked.body.includes(html(zh('federation.new.title', { provider: '臺北市校園 OpenID' }))));
    assert.ok(notLinked.body.includes(`${sub.slice(0, 3)}***@city.example`), 'the upstream email, masked');
    assert.ok(!notLinked.body.includes(email), 'never the whole address');

    // 建立帳號 → the wizard, prefilled with the upstream's name and email.
    const wizard = await agent.submit(formAction(notLinked.body, /\/federation\/register$/, notLinked.url), {
      _csrf: hiddenField(notLinked.body, '_csrf'),
    });
    assert.equal(wizard.url, `${base}/register`);
    assert.match(wizard.body, new RegExp(`<input id="email"[^>]*value="${email}"`));
    assert.match(wizard.body, /<input id="name"[^>]*value="陳愛麗"/);
    assert.ok(wizard.body.includes('id="federated-note"'));
    const step1 = await wizardStep1(agent, wizard, { kind: 'teacher', email, name: '陳愛麗' });
    assert.equal(step1.status, 303, 'step 1 passes');
    const confirm = await agent.request(`${base}/register/confirm`);
    const submitted = await agent.request(`${base}/register/confirm`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({ _csrf: hiddenField(confirm.body, '_csrf') }).toString(),
    });
    assert.equal(submitted.location, `${base}/interaction/${uid}/federation/continue`);
    const person = await db()('persons').where({ email }).first();
    assert.equal(person.status, 'active', 'active at once');
    assert.equal(person.email_verified, true);
    assert.equal(
      (await db()('outbox_messages').where({ recipient: email, kind: 'registration_activation' })).length,
      0,
      'no activation mail',
    );
    const [link] = await linksOf(person.id);
    assert.equal(link.provider, CITY);
    assert.equal(link.subject, sub);

    const back = await agent.follow(submitted.location!, CALLBACK);
    assert.ok(back.location?.startsWith(CALLBACK), `the authorization goes on (${back.status} ${back.url})`);
    const claims = await tokensAt(back.location!, p);
    assert.equal(claims.sub, person.id);
    assert.deepEqual(claims.amr, ['fed']);

    // Later: a new browser, signed in at the upstream again, goes straight through.
    const later = new Agent();
    const second = await signInPage(later);
    const upstream2 = await pressUpstream(later, second.uid, CITY);
    const done = await upstreamLogin(later, upstream2, sub, CALLBACK);
    assert.ok(done.location?.startsWith(CALLBACK), 'signed in directly');
    const claims2 = await tokensAt(done.location!, second.p);
    assert.equal(claims2.sub, person.id);
    assert.deepEqual(claims2.amr, ['fed']);
    const used = await db()('federated_links').where({ id: link.id }).first();
    assert.ok(used.last_used_at, 'the link remembers its last use');
    const events = await server.services.audit.recentSignIns(person.id);
    assert.equal(events[0]?.upstream, CITY, 'the account activity says how');
    const audit = await db()('audit_events').where({ subject: person.id }).select('action', 'detail');
    assert.ok(audit.some((a) => a.action === 'federation.linked'));
    assert.ok(!JSON.stringify(audit).includes(email), 'no email in the audit log');
  });

  it('the prefilled form is for the browser that pressed 建立帳號: its link opened elsewhere is an empty form', async () => {
    const sub = unique('mallory');
    cityAccounts[sub] = { email: `${sub}@city.example`, email_verified: true, name: '壞人' };
    const attacker = new Agent();
    const { uid } = await signInPage(attacker);
    const notLinked = await upstreamLogin(attacker, await pressUpstream(attacker, uid, CITY), sub, CALLBACK);
    const pressed = await attacker.request(formAction(notLinked.body, /\/federation\/register$/, notLinked.url), {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({ _csrf: hiddenField(notLinked.body, '_csrf') }).toString(),
    });
    assert.match(pressed.location ?? '', /\/register\/prefill\?ticket=/);

    // The link sent to someone else ("register here"): an empty form, nothing of the upstream account.
    const victim = new Agent();
    const elsewhere = await victim.follow(pressed.location!);
    assert.equal(elsewhere.url, `${base}/register`);
    assert.ok(!elsewhere.body.includes('id="federated-note"'), 'no upstream account to be linked');
    assert.ok(!elsewhere.body.includes(`${sub}@city.example`));
    assert.ok(!elsewhere.body.includes('壞人'));

    // The browser that pressed it still gets its form.
    const own = await attacker.follow(pressed.location!);
    assert.ok(own.body.includes('id="federated-note"'));
    assert.match(own.body, /<input id="name"[^>]*value="壞人"/);
  });

  it('first visit, create with an address the upstream did not verify: the usual activation mail, then direct sign-in', async () => {
    const sub = unique('bob');
    const email = `${sub}@google.example`;
    googleAccounts[sub] = { email, email_verified: false, name: 'Bob Lin' };
    const agent = new Agent();
    const { uid } = await signInPage(agent);
    const notLinked = await upstreamLogin(agent, await pressUpstream(agent, uid, GOOGLE), sub, CALLBACK);
    const wizard = await agent.submit(formAction(notLinked.body, /\/federation\/register$/, notLinked.url), {
      _csrf: hiddenField(notLinked.body, '_csrf'),
    });
    const step1 = await wizardStep1(agent, wizard, { kind: 'parent', email, name: 'Bob Lin' });
    assert.equal(step1.status, 303);
    const confirm = await agent.request(`${base}/register/confirm`);
    const submitted = await agent.submit(`${base}/register/confirm`, { _csrf: hiddenField(confirm.body, '_csrf') });
    assert.equal(submitted.url, `${base}/register/done?interaction=${uid}`);
    const person = await db()('persons').where({ email }).first();
    assert.equal(person.status, 'pending');
    assert.equal((await linksOf(person.id)).length, 1, 'linked with the account');

    // Before activation the upstream account cannot sign in: the sign-in page says why.
    // (Signed in at the upstream already: it answers at once.)
    const early = await pressUpstream(agent, uid, GOOGLE);
    assert.equal(early.url, `${base}/interaction/${uid}/federation/pending`);
    assert.ok(early.body.includes(html(zh('federation.pending.message'))));

    const mail = await db()('outbox_messages').where({ recipient: email, kind: 'registration_activation' }).first();
    const link = /(http\S+\/register\/activate\?token=[\w-]+)/.exec(mail.text_body)![1]!;
    const { activateByLink } = await import('../../helpers/agent.ts');
    assert.equal((await activateByLink(agent, link)).status, 303);
    const after = await pressUpstream(agent, uid, GOOGLE);
    assert.ok(after.location?.startsWith(CALLBACK), 'after activation, signed in directly');
  });

  it('first visit, link: signing in with the campus password once links the upstream account (the same guard as the sign-in page)', async () => {
    const { personId, email } = await newAccount('carol');
    const sub = unique('carol-fb');
    facebook.behaviour.user = { id: sub, name: 'Carol', email: `${sub}@fb.example` };
    const agent = new Agent();
    const { uid, p } = await signInPage(agent);
    const notLinked = await pressUpstream(agent, uid, FACEBOOK);
    assert.equal(notLinked.url, `${base}/interaction/${uid}/federation/new`);
    const linkHref =
      /id="link-account" href="([^"]+)"/.exec(notLinked.body)?.[1] ??
      /href="([^"]+)"[^>]*id="link-account"/.exec(notLinked.body)?.[1];
    assert.ok(linkHref, 'the "sign in with my account" choice');
    const loginPage = await agent.request(new URL(linkHref.replaceAll('&amp;', '&'), base).href);
    assert.ok(loginPage.body.includes('id="linking"'), 'the sign-in page says the account will be linked');
    assert.ok(!loginPage.body.includes(`/federation/${GOOGLE}"`), 'and offers no other upstream meanwhile');

    // A wrong password links nothing and counts like any failure.
    const wrong = await submitLogin(agent, loginPage, email, 'not-the-password', { link: '1' });
    assert.equal(wrong.status, 401);
    assert.ok(wrong.body.includes('id="linking"'), 'still linking after a wrong password');
    assert.equal((await linksOf(personId)).length, 0);
    const failures = await db()('audit_events').where({ subject: personId, action: 'sign_in.failure' });
    assert.equal(failures.length, 1);

    const ok = await submitLogin(agent, wrong, email, PASSWORD, { link: '1' }, CALLBACK);
    let step = ok;
    if (!step.location?.startsWith(CALLBACK) && step.body.includes('/confirm'))
      step = await agent.submit(
        formAction(step.body, /\/confirm$/, step.url),
        { _csrf: hiddenField(step.body, '_csrf') },
        CALLBACK,
      );
    assert.ok(step.location?.startsWith(CALLBACK), 'the authorization goes on');
    assert.deepEqual((await tokensAt(step.location!, p)).amr, ['pwd']);
    const [link] = await linksOf(personId);
    assert.equal(link.provider, FACEBOOK);
    assert.equal(link.subject, sub);

    // Next time Facebook signs Carol in directly.
    const later = new Agent();
    const second = await signInPage(later);
    const direct = await pressUpstream(later, second.uid, FACEBOOK);
    assert.ok(direct.location?.startsWith(CALLBACK));
    const claims = await tokensAt(direct.location!, second.p);
    assert.equal(claims.sub, personId);
    assert.deepEqual(claims.amr, ['fed']);
  });

  /** Sets up an authenticator app for the account (an MFA sign-in's set-up page, its first code); returns its secret. */
  async function enrolTotp(email: string): Promise<string> {
    const agent = new Agent();
    const { page, p } = await signInPage(agent, { acr_values: MFA_ACR });
    const setup = await passSetupProof(
      base,
      agent,
      await submitLogin(agent, page, email, PASSWORD, {}, CALLBACK),
      CALLBACK,
    );
    const secret = /id="totp-secret">([A-Z2-7 ]+)</.exec(setup.body)![1]!.replaceAll(' ', '');
    let step = await agent.submit(
      formAction(setup.body, /\/second-factor$/, setup.url),
      { _csrf: hiddenField(setup.body, '_csrf'), code: await generate({ secret }) },
      CALLBACK,
    );
    if (!step.location?.startsWith(CALLBACK) && step.body.includes('/confirm'))
      step = await agent.submit(
        formAction(step.body, /\/confirm$/, step.url),
        { _csrf: hiddenField(step.body, '_csrf') },
        CALLBACK,
      );
    assert.equal((await tokensAt(step.location!, p)).acr, MFA_ACR, 'the authenticator is set up');
    return secret;
  }

  /** Up to the sign-in page that links (`?link=1`) the upstream account `sub` just met at the city's provider. */
  async function linkingPage(agent: Agent, extra: Record<string, string> = {}) {
    const sub = unique('second');
    cityAccounts[sub] = { email: `${sub}@city.example`, email_verified: true, name: 'Second' };
    const { uid, p } = await signInPage(agent, extra);
    const notLinked = await upstreamLogin(agent, await pressUpstream(agent, uid, CITY), sub, CALLBACK);
    assert.equal(notLinked.url, `${base}/interaction/${uid}/federation/new`);
    const page = await agent.request(`${base}/interaction/${uid}?link=1`);
    assert.ok(page.body.includes('id="linking"'));
    return { sub, uid, p, page };
  }

  it('link by password to an account with a second factor: nothing is linked until that factor passes, even when the app did not ask for it', async () => {
    const { personId, email } = await newAccount('lena');
    const secret = await enrolTotp(email);

    // Someone who knows only the password: the second-factor step, and no link; abandoned there, none ever.
    const intruder = new Agent();
    const tried = await linkingPage(intruder);
    const asked = await submitLogin(intruder, tried.page, email, PASSWORD, { link: '1' }, CALLBACK);
    assert.equal(asked.url, `${base}/interaction/${tried.uid}/second-factor`, 'the account’s second factor is asked');
    assert.ok(asked.body.includes(html(zh('secondFactor.title'))));
    assert.equal((await linksOf(personId)).length, 0, 'nothing linked on the password alone');
    const wrong = await intruder.submit(
      formAction(asked.body, /\/second-factor$/, asked.url),
      { _csrf: hiddenField(asked.body, '_csrf'), code: '000000' },
      CALLBACK,
    );
    assert.equal(wrong.status, 400);
    assert.equal((await linksOf(personId)).length, 0, 'nor after a wrong code');
    // Back at the sign-in page, the password alone (no linking) signs in to this app, which asked for no second
    // factor; the upstream account that waited for the abandoned step is still not linked.
    const plain = await intruder.follow(`${base}/interaction/${tried.uid}`, CALLBACK);
    const signedIn = await submitLogin(intruder, plain, email, PASSWORD, {}, CALLBACK);
    assert.ok(
      signedIn.location?.startsWith(CALLBACK) || signedIn.body.includes('/confirm'),
      `signed in (${signedIn.status} ${signedIn.url})`,
    );
    assert.equal((await linksOf(personId)).length, 0, 'an abandoned second factor leaves no link');
    assert.equal(await db()('federated_links').where({ provider: CITY, subject: tried.sub }).first(), undefined);

    // The person, with the code: linked once the code is right; the app learns of both factors.
    const agent = new Agent();
    const own = await linkingPage(agent);
    const step = await submitLogin(agent, own.page, email, PASSWORD, { link: '1' }, CALLBACK);
    assert.equal(step.url, `${base}/interaction/${own.uid}/second-factor`);
    assert.equal((await linksOf(personId)).length, 0);
    let done = await agent.submit(
      formAction(step.body, /\/second-factor$/, step.url),
      {
        _csrf: hiddenField(step.body, '_csrf'),
        code: await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }),
      },
      CALLBACK,
    );
    if (!done.location?.startsWith(CALLBACK) && done.body.includes('/confirm'))
      done = await agent.submit(
        formAction(done.body, /\/confirm$/, done.url),
        { _csrf: hiddenField(done.body, '_csrf') },
        CALLBACK,
      );
    const claims = await tokensAt(done.location!, own.p);
    assert.equal(claims.sub, personId);
    assert.deepEqual(claims.amr, ['pwd', 'otp']);
    const links = await linksOf(personId);
    assert.deepEqual(
      links.map((l) => [l.provider, l.subject]),
      [[CITY, own.sub]],
      'linked after the second factor, only the upstream account that waited for it',
    );
  });

  it('link by password with a forced password change first: the second factor still comes before the link', async () => {
    const { personId, email } = await newAccount('nora');
    const secret = await enrolTotp(email);
    await db()('persons').where({ id: personId }).update({ must_change_password: true });
    const agent = new Agent();
    const { sub, uid, p, page } = await linkingPage(agent);
    const change = await submitLogin(agent, page, email, PASSWORD, { link: '1' }, CALLBACK);
    assert.equal(change.url, `${base}/interaction/${uid}/password`);
    const fresh = 'Blue-Kettle-1987-Nora';
    const asked = await agent.submit(
      formAction(change.body, /\/password$/, change.url),
      { _csrf: hiddenField(change.body, '_csrf'), password: fresh, confirm: fresh },
      CALLBACK,
    );
    assert.equal(asked.url, `${base}/interaction/${uid}/second-factor`, 'the account’s second factor is asked');
    assert.equal((await linksOf(personId)).length, 0, 'nothing linked on the password alone');
    let done = await agent.submit(
      formAction(asked.body, /\/second-factor$/, asked.url),
      {
        _csrf: hiddenField(asked.body, '_csrf'),
        code: await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }),
      },
      CALLBACK,
    );
    if (!done.location?.startsWith(CALLBACK) && done.body.includes('/confirm'))
      done = await agent.submit(
        formAction(done.body, /\/confirm$/, done.url),
        { _csrf: hiddenField(done.body, '_csrf') },
        CALLBACK,
      );
    assert.deepEqual((await tokensAt(done.location!, p)).amr, ['pwd', 'otp']);
    const [link] = await linksOf(personId);
    assert.equal(link?.subject, sub, 'linked once the second factor passed');
  });

  it('link by password where the app asks for a second factor: the link waits for it (here its first set-up)', async () => {
    const { personId, email } = await newAccount('milo');
    const agent = new Agent();
    const { sub, uid, p, page } = await linkingPage(agent, { acr_values: MFA_ACR });
    const asked = await submitLogin(agent, page, email, PASSWORD, { link: '1' }, CALLBACK);
    assert.equal(asked.url, `${base}/interaction/${uid}/second-factor`);
    assert.equal((await linksOf(personId)).length, 0, 'nothing linked on the password alone');
    const setup = await passSetupProof(base, agent, asked, CALLBACK);
    const secret = /id="totp-secret">([A-Z2-7 ]+)</.exec(setup.body)![1]!.replaceAll(' ', '');
    let done = await agent.submit(
      formAction(setup.body, /\/second-factor$/, setup.url),
      { _csrf: hiddenField(setup.body, '_csrf'), code: await generate({ secret }) },
      CALLBACK,
    );
    if (!done.location?.startsWith(CALLBACK) && done.body.includes('/confirm'))
      done = await agent.submit(
        formAction(done.body, /\/confirm$/, done.url),
        { _csrf: hiddenField(done.body, '_csrf') },
        CALLBACK,
      );
    const claims = await tokensAt(done.location!, p);
    assert.equal(claims.acr, MFA_ACR);
    const [link] = await linksOf(personId);
    assert.equal(link?.subject, sub, 'linked once the second factor passed');
  });

  it('an app that asks for a second factor gets it after the upstream account too (amr fed, otp)', async () => {
    const { personId } = await newAccount('kim');
    const sub = unique('kim-city');
    cityAccounts[sub] = { email: `${sub}@city.example`, email_verified: true, name: 'Kim' };
    await server.services.federatedLinks.link(
      personId,
      { provider: CITY, subject: sub, emailVerified: true },
      'portal',
    );
    const agent = new Agent();
    const { uid, p } = await signInPage(agent, { acr_values: MFA_ACR });
    const asked = await upstreamLogin(agent, await pressUpstream(agent, uid, CITY), sub, CALLBACK);
    assert.equal(asked.url, `${base}/interaction/${uid}/second-factor`);
    const setup = await passSetupProof(base, agent, asked, CALLBACK);
    const secret = /id="totp-secret">([A-Z2-7 ]+)</.exec(setup.body)![1]!.replaceAll(' ', '');
    let step = await agent.submit(
      formAction(setup.body, /\/second-factor$/, setup.url),
      { _csrf: hiddenField(setup.body, '_csrf'), code: await generate({ secret }) },
      CALLBACK,
    );
    if (!step.location?.startsWith(CALLBACK) && step.body.includes('/confirm'))
      step = await agent.submit(
        formAction(step.body, /\/confirm$/, step.url),
        { _csrf: hiddenField(step.body, '_csrf') },
        CALLBACK,
      );
    const claims = await tokensAt(step.location!, p);
    assert.equal(claims.sub, personId);
    assert.equal(claims.acr, MFA_ACR);
    assert.deepEqual(claims.amr, ['fed', 'otp']);
  });

  it('never links by email: an upstream account with the address of an existing person still meets the not-yet-linked page', async () => {
    const { personId, email } = await newAccount('dave');
    const sub = unique('dave-city');
    cityAccounts[sub] = { email, email_verified: true, name: 'Dave' };
    const agent = new Agent();
    const { uid } = await signInPage(agent);
    const page = await upstreamLogin(agent, await pressUpstream(agent, uid, CITY), sub, CALLBACK);
    assert.equal(page.url, `${base}/interaction/${uid}/federation/new`);
    assert.equal((await linksOf(personId)).length, 0);
    // And creating an account with that address is refused as a duplicate, nothing linked.
    const wizard = await agent.submit(formAction(page.body, /\/federation\/register$/, page.url), {
      _csrf: hiddenField(page.body, '_csrf'),
    });
    const step1 = await wizardStep1(agent, wizard, { kind: 'teacher', email, name: 'Dave' });
    assert.equal(step1.status, 400);
    assert.ok(step1.body.includes(html(zh('registration.errors.emailTaken'))));
    assert.equal(await db()('federated_links').where({ provider: CITY, subject: sub }).first(), undefined);
  });

  it('cancel at the upstream, or an upstream error: back to the sign-in page with a message, nothing changed', async () => {
    const agent = new Agent();
    const { uid } = await signInPage(agent);
    const upstreamPage = await pressUpstream(agent, uid, CITY);
    const cancelled = await upstreamCancel(agent, upstreamPage, CALLBACK);
    assert.equal(cancelled.url, `${base}/interaction/${uid}?federation=cancelled&upstream=${CITY}`);
    assert.equal(cancelled.status, 200);
    // The upstream named by the name it was configured with, not "another website".
    assert.ok(cancelled.body.includes(html(zh('federation.notice.cancelledAt', { provider: '臺北市校園 OpenID' }))));
    // An id in the address that is no configured upstream names nothing.
    const forged = await agent.request(`${base}/interaction/${uid}?federation=cancelled&upstream=%3Cb%3Eevil`);
    const notice = /id="federation-notice"[^>]*>([^<]*)</.exec(forged.body)?.[1];
    assert.equal(notice, html(zh('federation.notice.cancelled')));
    assert.ok(!forged.body.includes('<b>evil'));
    assert.ok(cancelled.body.includes('action="/interaction/'), 'the sign-in form is there');

    try {
      facebook.behaviour.error = 'access_denied';
      const fb = await pressUpstream(agent, uid, FACEBOOK);
      assert.equal(fb.url, `${base}/interaction/${uid}?federation=cancelled&upstream=${FACEBOOK}`);
      facebook.behaviour.error = 'invalid_scope';
      const failed = await pressUpstream(agent, uid, FACEBOOK);
      assert.equal(failed.url, `${base}/interaction/${uid}?federation=failed&upstream=${FACEBOOK}`);
      assert.ok(failed.body.includes(html(zh('federation.notice.failed'))));
    } finally {
      facebook.behaviour.error = undefined;
    }
    // Still at the sign-in page: the password works as ever.
    const page = await agent.request(`${base}/interaction/${uid}`);
    assert.equal(page.status, 200);
  });

  it('a replayed, foreign or missing state gets a clear page (400) and changes nothing', async () => {
    const sub = unique('erin');
    cityAccounts[sub] = { email: `${sub}@city.example`, email_verified: true, name: 'Erin' };
    const agent = new Agent();
    const { uid } = await signInPage(agent);
    const upstreamPage = await pressUpstream(agent, uid, CITY);
    // Stop at our callback to hold its URL.
    const atCallback = await upstreamLogin(agent, upstreamPage, sub, `${base}/federation/`);
    const callback = atCallback.location!;
    assert.ok(callback.startsWith(`${base}/federation/${CITY}/callback?`));

    // Carried to another browser first: refused (and the leg is used up).
    const stranger = new Agent();
    const foreign = await stranger.request(callback);
    assert.equal(foreign.status, 400);
    assert.ok(foreign.body.includes(html(zh('federation.message.state'))));
    // Replayed in the browser it belonged to: used up, refused.
    const replay = await agent.request(callback);
    assert.equal(replay.status, 400);
    // No state at all, a made-up one, an unknown upstream.
    for (const url of [
      `${base}/federation/${CITY}/callback?code=abc`,
      `${base}/federation/${CITY}/callback?code=abc&state=${'x'.repeat(43)}`,
      `${base}/federation/no-such/callback?code=abc&state=abc`,
      `${base}/federation/${encodeURIComponent('../etc')}/callback`,
    ]) {
      const res = await agent.request(url);
      assert.equal(res.status, 400, url);
      assert.ok(res.body.includes(html(zh('federation.message.state'))), url);
    }
    assert.equal(await db()('federated_links').where({ provider: CITY, subject: sub }).first(), undefined);
  });

  it('a code issued to another client is refused by the upstream: a message, nothing signed in', async () => {
    const sub = unique('frank');
    cityAccounts[sub] = { email: `${sub}@city.example`, email_verified: true, name: 'Frank' };
    const agent = new Agent();
    const { uid } = await signInPage(agent);
    const started = await agent.request(`${base}/interaction/${uid}/federation/${CITY}`);
    const ours = new URL(started.location!);
    // The same person, at the same upstream, authorizes another app that shares our redirect URI.
    const other = await oidc.discovery(new URL(city.issuer), 'another-app', 'another app secret', undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    const otherPkce = await pkce();
    const otherAuth = oidc.buildAuthorizationUrl(other, {
      redirect_uri: `${base}/federation/${CITY}/callback`,
      scope: 'openid email profile',
      state: 'other-state',
      code_challenge: otherPkce.challenge,
      code_challenge_method: 'S256',
      nonce: 'n',
    });
    const otherPage = await agent.follow(otherAuth.href, `${base}/federation/`);
    const otherCallback = await upstreamLogin(agent, otherPage, sub, `${base}/federation/`);
    const code = new URL(otherCallback.location!).searchParams.get('code')!;
    // Delivered to our callback with our leg's state: the upstream refuses the exchange.
    const forged = new URL(`${base}/federation/${CITY}/callback`);
    forged.searchParams.set('code', code);
    forged.searchParams.set('state', ours.searchParams.get('state')!);
    forged.searchParams.set('iss', city.issuer);
    const res = await agent.follow(forged.href, CALLBACK);
    assert.equal(res.url, `${base}/interaction/${uid}?federation=failed&upstream=${CITY}`);
    assert.ok(res.body.includes(html(zh('federation.notice.failed'))));
    assert.equal(await db()('federated_links').where({ provider: CITY, subject: sub }).first(), undefined);
  });

  const SPOILT = {
    audience: 'meant for another app',
    nonce: 'with another sign-in’s nonce',
    signature: 'signed with a key the upstream does not publish',
    expired: 'that has expired',
    issuer: 'from another issuer',
  } as const;
  for (const spoil of Object.keys(SPOILT) as (keyof typeof SPOILT)[]) {
    it(`an ID token ${SPOILT[spoil]} is refused: a message, nothing changed`, async () => {
      rogue.behaviour.spoil = spoil;
      try {
        const agent = new Agent();
        const { uid } = await signInPage(agent);
        const res = await pressUpstream(agent, uid, ROGUE);
        assert.equal(res.url, `${base}/interaction/${uid}?federation=failed&upstream=${ROGUE}`);
        assert.equal(res.status, 200);
        assert.equal(await db()('federated_links').where({ provider: ROGUE }).first(), undefined);
      } finally {
        rogue.behaviour.spoil = undefined;
      }
    });
  }

  it('an ID token signed with our client secret (HS256, as LINE web login signs) is checked with it', async () => {
    rogue.behaviour.hmac = true;
    try {
      const agent = new Agent();
      const { uid } = await signInPage(agent);
      const good = await pressUpstream(agent, uid, ROGUE);
      assert.equal(good.url, `${base}/interaction/${uid}/federation/new`, 'the right secret: accepted');
      rogue.behaviour.spoil = 'signature';
      const bad = await pressUpstream(agent, uid, ROGUE);
      assert.equal(
        bad.url,
        `${base}/interaction/${uid}?federation=failed&upstream=${ROGUE}`,
        'another secret: refused',
      );
    } finally {
      rogue.behaviour.hmac = false;
      rogue.behaviour.spoil = undefined;
    }
  });

  it('the same misbehaving provider, when it behaves, signs in: the checks above are what refused', async () => {
    const agent = new Agent();
    const { uid } = await signInPage(agent);
    const res = await pressUpstream(agent, uid, ROGUE);
    assert.equal(res.url, `${base}/interaction/${uid}/federation/new`);
  });

  it('passes an app’s prompt=login and max_age on to the upstream and checks its auth_time', async () => {
    const sub = unique('fresh');
    cityAccounts[sub] = { email: `${sub}@city.example`, email_verified: true, name: '林新新' };
    const agent = new Agent();
    const { uid } = await signInPage(agent, { prompt: 'login', max_age: '60' });
    const pressed = await agent.request(`${base}/interaction/${uid}/federation/${CITY}`);
    const upstreamAuth = new URL(pressed.location!);
    assert.ok(upstreamAuth.href.startsWith(city.issuer));
    assert.equal(upstreamAuth.searchParams.get('prompt'), 'login', 'the upstream is asked to sign the person in again');
    // prompt=login asks for a sign-in made now: max_age=0, stricter than the app's own 60.
    assert.equal(upstreamAuth.searchParams.get('max_age'), '0');
    const notLinked = await upstreamLogin(agent, await agent.follow(pressed.location!, CALLBACK), sub, CALLBACK);
    assert.equal(notLinked.url, `${base}/interaction/${uid}/federation/new`, 'a fresh upstream sign-in is taken');

    // An upstream that answers without auth_time cannot show the sign-in is fresh enough: refused.
    const other = new Agent();
    const again = await signInPage(other, { max_age: '60' });
    const refused = await pressUpstream(other, again.uid, ROGUE);
    assert.equal(refused.url, `${base}/interaction/${again.uid}?federation=failed&upstream=${ROGUE}`);
    const plain = await signInPage(other);
    assert.equal(
      (await pressUpstream(other, plain.uid, ROGUE)).url,
      `${base}/interaction/${plain.uid}/federation/new`,
      'without max_age the same answer is taken',
    );
  });

  it('an app’s prompt=login alone makes the upstream sign the person in again (prompt=login, max_age=0) and say when', async () => {
    const sub = unique('fresh-login');
    cityAccounts[sub] = { email: `${sub}@city.example`, email_verified: true, name: '林再登' };
    // Signed in at the upstream already, in this browser: a sign-in without prompt=login is answered from it.
    const agent = new Agent();
    const first = await signInPage(agent);
    await upstreamLogin(agent, await pressUpstream(agent, first.uid, CITY), sub, CALLBACK);

    const { uid } = await signInPage(agent, { prompt: 'login' });
    const pressed = await agent.request(`${base}/interaction/${uid}/federation/${CITY}`);
    const upstreamAuth = new URL(pressed.location!);
    assert.ok(upstreamAuth.href.startsWith(city.issuer));
    assert.equal(upstreamAuth.searchParams.get('prompt'), 'login', 'the upstream is asked to sign the person in again');
    assert.equal(upstreamAuth.searchParams.get('max_age'), '0', 'and to say when it did (auth_time)');
    const upstreamPage = await agent.follow(pressed.location!, CALLBACK);
    assert.ok(upstreamPage.url.startsWith(city.issuer), 'the upstream shows its sign-in form, not the old session');
    const notLinked = await upstreamLogin(agent, upstreamPage, sub, CALLBACK);
    assert.equal(notLinked.url, `${base}/interaction/${uid}/federation/new`, 'a fresh upstream sign-in is taken');

    // An upstream that answers without auth_time cannot show it signed the person in again: refused.
    const other = new Agent();
    const again = await signInPage(other, { prompt: 'login' });
    const refused = await pressUpstream(other, again.uid, ROGUE);
    assert.equal(refused.url, `${base}/interaction/${again.uid}?federation=failed&upstream=${ROGUE}`);
  });

  it('an upstream that is down or too slow: a clear message on the sign-in page, never a 500', async () => {
    const agent = new Agent();
    const { uid } = await signInPage(agent);
    const down = await pressUpstream(agent, uid, DOWN);
    assert.equal(down.url, `${base}/interaction/${uid}?federation=unavailable&upstream=${DOWN}`);
    assert.ok(down.body.includes(html(zh('federation.notice.unavailableAt', { provider: 'Down' }))));
    const before = slow.tokenRequests;
    const slowRes = await pressUpstream(agent, uid, SLOW);
    assert.equal(slowRes.url, `${base}/interaction/${uid}?federation=unavailable&upstream=${SLOW}`);
    assert.equal(slow.tokenRequests, before + 1, 'the token request was made and timed out');
  });

  it('an upstream account linked to someone else cannot be linked again, from the portal or by password', async () => {
    const first = await newAccount('gina');
    const second = await newAccount('hank');
    const sub = unique('gina-g');
    googleAccounts[sub] = { email: `${sub}@google.example`, email_verified: true, name: 'Gina' };
    const account = { provider: GOOGLE, subject: sub, emailVerified: true };
    assert.equal(await server.services.federatedLinks.link(first.personId, account, 'portal'), 'linked');
    assert.equal(await server.services.federatedLinks.link(second.personId, account, 'portal'), 'taken');
    assert.equal(await server.services.federatedLinks.link(first.personId, account, 'portal'), 'already_yours');
    const otherSub = { ...account, subject: unique('gina-2') };
    assert.equal(await server.services.federatedLinks.link(first.personId, otherSub, 'portal'), 'provider_linked');
    // In the portal: Hank links the same Google account; refused, said plainly.
    const { signedInAgent } = await import('../../helpers/account.ts');
    const agent = await signedInAgent(base, second.email, PASSWORD);
    const portal = await agent.request(`${base}/account/links`);
    assert.equal(portal.status, 200);
    const start = await agent.request(`${base}/federation/${GOOGLE}/link`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({ _csrf: hiddenField(portal.body, '_csrf') }).toString(),
    });
    assert.equal(start.status, 303);
    const upstreamPage = await agent.follow(start.location!);
    const back = await upstreamLogin(agent, upstreamPage, sub);
    assert.equal(back.url, `${base}/account/links?result=taken&upstream=${GOOGLE}`);
    assert.ok(back.body.includes(html(zh('account.links.result.taken'))));
    assert.equal((await linksOf(second.personId)).length, 0);
  });

  it('the account portal lists links, links a new one, unlinks; the last way in stays', async () => {
    const { personId, email } = await newAccount('ivy');
    const { signedInAgent } = await import('../../helpers/account.ts');
    const agent = await signedInAgent(base, email, PASSWORD);
    const empty = await agent.request(`${base}/account/links`);
    assert.ok(empty.body.includes(html(zh('account.links.none'))));
    // Link the city account from the portal.
    const sub = unique('ivy-city');
    cityAccounts[sub] = { email: `${sub}@city.example`, email_verified: true, name: 'Ivy' };
    const start = await agent.request(`${base}/federation/${CITY}/link`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({ _csrf: hiddenField(empty.body, '_csrf') }).toString(),
    });
    const back = await upstreamLogin(agent, await agent.follow(start.location!), sub);
    // The outcome names the upstream that was linked (by its id; the page shows it by its configured name).
    assert.equal(back.url, `${base}/account/links?result=linked&upstream=${CITY}`);
    assert.equal(
      /class="acct-notice"[^>]*>([^<]*)</.exec(back.body)?.[1],
      html(zh('account.links.result.linkedAt', { provider: '臺北市校園 OpenID' })),
    );
    assert.ok(back.body.includes('臺北市校園 OpenID'));
    assert.ok(back.body.includes(`${sub.slice(0, 3)}***@city.example`));
    const [link] = await linksOf(personId);
    assert.equal(link.subject, sub);
    // Without CSRF the start is refused.
    const noCsrf = await agent.request(`${base}/federation/${CITY}/link`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: '',
    });
    assert.equal(noCsrf.status, 403);

    // A person without a password keeps the last link.
    await db()('persons').where({ id: personId }).update({ password_hash: null });
    const refused = await server.services.federatedLinks.unlink(personId, link.id);
    assert.equal(refused, 'last');
    const page = await agent.request(`${base}/account/links`);
    assert.ok(page.body.includes('id="last-way"'));
    assert.ok(!page.body.includes(`/account/links/${link.id}/unlink`), 'no unlink button for the last way in');
    const forced = await agent.request(`${base}/account/links/${link.id}/unlink`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({ _csrf: hiddenField(page.body, '_csrf'), confirm: 'yes' }).toString(),
    });
    assert.equal(forced.location, `${base}/account/links?result=last`);
    assert.equal((await linksOf(personId)).length, 1);

    // With a password again, unlinking works; someone else's link id is not found.
    await db()('persons')
      .where({ id: personId })
      .update({ password_hash: await server.services.passwords.hash(PASSWORD) });
    const other = await newAccount('jack');
    await server.services.federatedLinks.link(
      other.personId,
      { provider: CITY, subject: unique('jack'), emailVerified: false },
      'portal',
    );
    const [othersLink] = await linksOf(other.personId);
    const notMine = await agent.request(`${base}/account/links/${othersLink.id}/unlink`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({ _csrf: hiddenField(page.body, '_csrf'), confirm: 'yes' }).toString(),
    });
    assert.equal(notMine.location, `${base}/account/links?result=missing`);
    assert.equal((await linksOf(other.personId)).length, 1);
    const unlinked = await agent.request(`${base}/account/links/${link.id}/unlink`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({ _csrf: hiddenField(page.body, '_csrf'), confirm: 'yes' }).toString(),
    });
    assert.equal(unlinked.location, `${base}/account/links?result=unlinked&upstream=${CITY}`);
    assert.equal((await linksOf(personId)).length, 0);
    const audit = await db()('audit_events')
      .where({ subject: personId })
      .whereIn('action', ['federation.linked', 'federation.unlinked']);
    assert.deepEqual(audit.map((a) => a.action).sort(), ['federation.linked', 'federation.unlinked']);
  });
});
