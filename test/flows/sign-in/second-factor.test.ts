// The second factor over HTTP (issue 14, item 1): an app that asks for it (acr_values) gets a sign-in with password
// and a TOTP code; the first time the code sets the authenticator up; codes are good once; wrong codes are counted;
// a person signed in without it meets only the code step; the ID token's acr and amr say what happened; an app that
// does not ask never sees the step.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { generate } from 'otplib';
import { MFA_ACR } from '../../../src/domain/people/second-factor.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { SECOND_FACTOR } from '../../../src/platform/limits.ts';
import { PERSON_PASSWORD, personWith } from '../../helpers/account.ts';
import { Agent, formAction, hiddenField, html, type Step } from '../../helpers/agent.ts';
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

const zh = translator('zh-TW');
const SECRET = 'mfa-rp-secret-0123456789abcdefghijklm';
const PASSWORD = PERSON_PASSWORD;

describe(`the second factor (${storageMode})`, () => {
  let server: TestServer;
  let base: string;
  let rp: oidc.Configuration;

  before(async () => {
    server = await startTestServer();
    base = server.issuer;
    await registerClient(server, { client_id: 'mfa-rp', first_party: true }, SECRET);
    rp = await discover(base, 'mfa-rp', SECRET);
  });
  after(async () => {
    await server?.close();
  });

  const newAdmin = () => personWith(server, [{ schoolCode: '353604', role: 'teacher' }], 'admin');

  async function start(agent: Agent, mfa = true): Promise<{ page: Step; p: Pkce }> {
    const p = await pkce();
    const page = await agent.follow(authorizationUrl(rp, p, mfa ? { acr_values: MFA_ACR } : {}).href, CALLBACK);
    return { page, p };
  }

  /** The first set-up: the code sent to the verified email first (setup-proof.test.ts tests it). */
  const proven = (agent: Agent, page: Step) => passSetupProof(base, agent, page, CALLBACK);

  const postCode = (agent: Agent, page: Step, code: string) =>
    agent.submit(
      formAction(page.body, /\/second-factor$/, page.url),
      { _csrf: hiddenField(page.body, '_csrf'), code },
      CALLBACK,
    );

  async function claimsAt(step: Step, p: Pkce) {
    assert.ok(step.location?.startsWith(CALLBACK), `back at the app (${step.status} ${step.url})`);
    const tokens = await oidc.authorizationCodeGrant(rp, new URL(step.location!), {
      pkceCodeVerifier: p.verifier,
      expectedState: p.state,
      expectedNonce: p.nonce,
    });
    return tokens.claims()!;
  }

  /** Goes on through consent if the app's first sign-in asks for it. */
  async function throughConsent(agent: Agent, step: Step): Promise<Step> {
    if (step.location?.startsWith(CALLBACK) || !step.body.includes('/confirm')) return step;
    return agent.submit(
      formAction(step.body, /\/confirm$/, step.url),
      { _csrf: hiddenField(step.body, '_csrf') },
      CALLBACK,
    );
  }

  it('sets the authenticator up at the first sign-in, then asks for a code each time; acr and amr say so', async () => {
    const { personId, email } = await newAdmin();
    const agent = new Agent();
    const { page, p } = await start(agent);
    const setup = await proven(agent, await submitLogin(agent, page, email, PASSWORD, {}, CALLBACK));
    assert.match(setup.url, /\/interaction\/[\w-]+\/second-factor$/);
    assert.equal(setup.status, 200);
    assert.ok(setup.body.includes(html(zh('secondFactor.setupTitle'))));
    assert.match(setup.body, /<img class="qr" id="totp-qr" src="data:image\/svg\+xml;base64,/);
    const secret = /id="totp-secret">([A-Z2-7 ]+)</.exec(setup.body)![1]!.replaceAll(' ', '');
    assert.equal(await server.services.secondFactor.enrolled(personId), false, 'nothing kept before a right code');

    // A wrong code keeps the same secret on the page.
    const wrong = await postCode(agent, setup, '000000');
    assert.equal(wrong.status, 400);
    assert.ok(wrong.body.includes(html(zh('secondFactor.wrong'))));
    assert.equal(/id="totp-secret">([A-Z2-7 ]+)</.exec(wrong.body)![1]!.replaceAll(' ', ''), secret);
    const letters = await postCode(agent, wrong, 'abc');
    assert.ok(letters.body.includes(html(zh('secondFactor.format'))));

    const code = await generate({ secret });
    const done = await throughConsent(agent, await postCode(agent, letters, code));
    const claims = await claimsAt(done, p);
    assert.equal(claims.sub, personId);
    assert.equal(claims.acr, MFA_ACR);
    assert.deepEqual(claims.amr, ['pwd', 'otp']);
    assert.equal(await server.services.secondFactor.enrolled(personId), true);
    const row = await server.storage.db('person_totp').where({ person_id: personId }).first();
    assert.ok(!row.secret_sealed.includes(secret), 'the secret is sealed');

    // Another browser: password, then the code (no set-up); the code just used is refused (good once).
    const other = new Agent();
    const second = await start(other);
    const ask = await submitLogin(other, second.page, email, PASSWORD, {}, CALLBACK);
    assert.ok(ask.body.includes(html(zh('secondFactor.title'))));
    assert.ok(!ask.body.includes('totp-secret'), 'the secret is never shown again');
    const replay = await postCode(other, ask, code);
    assert.equal(replay.status, 400, 'a code is good once');
    const next = await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });
    const claims2 = await claimsAt(await throughConsent(other, await postCode(other, replay, next)), second.p);
    assert.deepEqual(claims2.amr, ['pwd', 'otp']);

    const audit = await server.storage.db('audit_events').where({ subject: personId }).select('action', 'detail');
    assert.ok(audit.some((a) => a.action === 'second_factor.enrolled'));
    assert.ok(!JSON.stringify(audit).includes(secret));
    // The person is told (one set up by someone who had the password does not go unseen), never the secret.
    const told = await server.storage.db('outbox_messages').where({ recipient: email, kind: 'second_factor_added' });
    assert.equal(told.length, 1, 'one notice, for the one set-up');
    assert.match(told[0].text_body, /驗證器 App/);
    assert.match(told[0].text_body, /An authenticator app was added/);
    assert.ok(!told[0].text_body.includes(secret));

    // The sign-ins the person's account page and the bureau's page list: two, not the code steps again as failures
    // (each succeeded second factor was listed as a failure without a reason); each failure in words.
    const listed = await server.services.audit.recentSignIns(personId);
    assert.equal(listed.filter((e) => e.success).length, 2);
    const reasons = listed.filter((e) => !e.success).map((e) => e.reason);
    assert.ok(reasons.length && reasons.every((r) => r === 'second_factor_wrong'), reasons.join());
    for (const locale of ['zh-TW', 'en'] as const)
      for (const area of ['account.signIns', 'admin.people.signIns']) {
        const key = `${area}.reasons.second_factor_wrong`;
        assert.notEqual(translator(locale)(key), key, `${locale} ${key}`);
      }
  });

  it('counts wrong codes per person: after 5 the step says to wait (429), even with the right code', async () => {
    const { personId, email } = await newAdmin();
    const agent = new Agent();
    const { page } = await start(agent);
    let step = await proven(agent, await submitLogin(agent, page, email, PASSWORD, {}, CALLBACK));
    const secret = /id="totp-secret">([A-Z2-7 ]+)</.exec(step.body)![1]!.replaceAll(' ', '');
    for (let i = 0; i < 5; i++) step = await postCode(agent, step, String(100000 + i));
    assert.equal(step.status, 429);
    assert.ok(step.body.includes(html(zh('secondFactor.limited'))));
    const blocked = await postCode(agent, step, await generate({ secret }));
    assert.equal(blocked.status, 429);
    assert.equal(await server.services.secondFactor.enrolled(personId), false);
  });

  it('counts wrong codes per network address too: an address past its limit waits, whoever signs in from it', async () => {
    const { personId, email } = await newAdmin();
    const throttle = server.services.throttle;
    const loopback = ['127.0.0.1', '::ffff:127.0.0.1', '::1'];
    try {
      // From a clean count (the tests before left wrong codes on it), to one short of the limit.
      for (const a of loopback) await throttle.reset(SECOND_FACTOR.address, a);
      for (const a of loopback)
        for (let i = 0; i < SECOND_FACTOR.address.max - 1; i++) await throttle.hit(SECOND_FACTOR.address, a);
      const agent = new Agent();
      const { page } = await start(agent);
      let step = await proven(agent, await submitLogin(agent, page, email, PASSWORD, {}, CALLBACK));
      const secret = /id="totp-secret">([A-Z2-7 ]+)</.exec(step.body)![1]!.replaceAll(' ', '');
      step = await postCode(agent, step, '123456');
      assert.equal(step.status, 429, "this person's first wrong code is the address's last");
      assert.ok(step.body.includes(html(zh('secondFactor.limited'))));
      const blocked = await postCode(agent, step, await generate({ secret }));
      assert.equal(blocked.status, 429, 'the right code waits too');
      assert.equal(await server.services.secondFactor.enrolled(personId), false);
    } finally {
      for (const a of loopback) await throttle.reset(SECOND_FACTOR.address, a);
    }
  });

  it('a password changed between the password and the code: the right code does not finish that sign-in', async () => {
    const { personId, email } = await newAdmin();
    const agent = new Agent();
    const { page } = await start(agent);
    const step = await proven(agent, await submitLogin(agent, page, email, PASSWORD, {}, CALLBACK));
    const secret = /id="totp-secret">([A-Z2-7 ]+)</.exec(step.body)![1]!.replaceAll(' ', '');
    // The password is changed elsewhere (a reset by its owner) while this browser is at the code step.
    const person = (await server.services.people.findById(personId))!;
    await server.services.people.setPassword(person, 'a whole new passphrase 77', {
      audit: { actor: personId, action: 'person.password_changed', subject: personId, detail: { via: 'test' } },
      signOut: { reason: 'password_changed' },
    });
    const after = await postCode(agent, step, await generate({ secret }));
    assert.ok(!after.url.startsWith(CALLBACK), `no code for the app: ${after.url}`);
    assert.equal(after.status, 200);
    assert.match(after.body, /name="password"/, 'the sign-in page again');
  });

  it('a person signed in without it meets only the code step (a step up); an app that does not ask never sees it', async () => {
    const { personId, email } = await newAdmin();
    const agent = new Agent();
    // Signed in to an ordinary app: no second factor asked, no acr.
    const plain = await start(agent, false);
    const first = await throughConsent(agent, await submitLogin(agent, plain.page, email, PASSWORD, {}, CALLBACK));
    const plainClaims = await claimsAt(first, plain.p);
    assert.equal(plainClaims.acr, undefined);
    assert.deepEqual(plainClaims.amr, ['pwd']);

    // Now an app that asks: no password, straight to the set-up.
    const started = await start(agent);
    const { p } = started;
    assert.match(started.page.url, /\/second-factor$/);
    assert.ok(!started.page.body.includes('name="password"'));
    const page = await proven(agent, started.page);
    const secret = /id="totp-secret">([A-Z2-7 ]+)</.exec(page.body)![1]!.replaceAll(' ', '');
    const claims = await claimsAt(
      await throughConsent(agent, await postCode(agent, page, await generate({ secret }))),
      p,
    );
    assert.equal(claims.sub, personId);
    assert.equal(claims.acr, MFA_ACR);
    assert.deepEqual(claims.amr, ['pwd', 'otp']);

    // The CLI's reset: the next sign-in sets it up again.
    assert.equal(await server.services.secondFactor.reset(personId, 'test'), true);
    assert.equal(await server.services.secondFactor.enrolled(personId), false);
  });

  it('offers a passkey: its challenge only after the password; a forged or replayed answer is refused and counted', async () => {
    const { personId, email } = await newAdmin();
    const agent = new Agent();
    const { page } = await start(agent);
    const uid = /\/interaction\/([\w-]+)/.exec(page.url)![1]!;
    const options = (body: Record<string, string>) =>
      agent.request(`${base}/interaction/${uid}/second-factor/passkey/options`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(body).toString(),
      });
    // Before the password: no challenge for anyone.
    const early = await options({ _csrf: hiddenField(page.body, '_csrf') });
    assert.equal(early.status, 400);
    assert.equal(JSON.parse(early.body).error, 'no_first_factor');

    const step = await proven(agent, await submitLogin(agent, page, email, PASSWORD, {}, CALLBACK));
    assert.ok(step.body.includes('id="passkey-form"'), 'the set-up offers a passkey');
    assert.equal((await options({})).status, 403, 'the CSRF token is needed');
    const made = await options({ _csrf: hiddenField(step.body, '_csrf') });
    assert.equal(made.status, 200);
    const { mode, options: creation } = JSON.parse(made.body);
    assert.equal(mode, 'register');
    assert.equal(creation.rp.id, new URL(base).hostname);
    assert.equal(creation.authenticatorSelection.userVerification, 'required');

    // An answer that is no WebAuthn response, then one for a challenge never given: both refused, nothing kept.
    const answer = (response: string) =>
      agent.request(`${base}/interaction/${uid}/second-factor/passkey`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: hiddenField(step.body, '_csrf'), response }).toString(),
      });
    const garbage = await answer('{not json');
    assert.equal(garbage.status, 400);
    assert.ok(garbage.body.includes(html(zh('secondFactor.passkeyFailed'))));
    const forged = await answer(
      JSON.stringify({
        id: 'AAAA',
        rawId: 'AAAA',
        type: 'public-key',
        response: { clientDataJSON: 'AAAA', attestationObject: 'AAAA' },
      }),
    );
    assert.equal(forged.status, 400);
    assert.equal((await server.storage.db('person_passkeys').where({ person_id: personId })).length, 0);
    for (let i = 0; i < 3; i++) await answer('{}');
    const limited = await answer('{}');
    assert.equal(limited.status, 429, 'five failures, as with wrong codes');
    assert.ok(limited.body.includes(html(zh('secondFactor.limited'))));
  });
});
