// The first set-up of a second factor is proven by a code sent to the account's verified contact (a security review:
// whoever learned an administrator's password before the administrator set up a second factor could set up their own).
// The set-up page shows no secret and makes no passkey before the code; a crafted POST of a TOTP code or a passkey
// without it is refused (403); wrong codes are counted; "send again" is limited; an account with no verified email or
// mobile is refused with a way on (403); and wrong codes are limited per day too (429, until when in Taipei time).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type * as oidc from 'openid-client';
import { generate } from 'otplib';
import { MFA_ACR } from '../../../src/domain/people/second-factor.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { SECOND_FACTOR, SETUP_PROOF } from '../../../src/platform/limits.ts';
import { PERSON_PASSWORD, personWith } from '../../helpers/account.ts';
import { Agent, formAction, hiddenField, html, type Step } from '../../helpers/agent.ts';
import { authorizationUrl, CALLBACK, discover, pkce, registerClient, submitLogin } from '../../helpers/rp.ts';
import { asksSetupProof, passSetupProof, setupCode } from '../../helpers/second-factor.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const en = translator('en');
const SECRET = 'proof-rp-secret-0123456789abcdefghijklm';

describe(`the first second-factor set-up is proven by a code to the verified contact (${storageMode})`, () => {
  let server: TestServer;
  let base: string;
  let rp: oidc.Configuration;

  before(async () => {
    server = await startTestServer();
    base = server.issuer;
    await registerClient(server, { client_id: 'proof-rp', first_party: true }, SECRET);
    rp = await discover(base, 'proof-rp', SECRET);
  });
  after(async () => {
    await server?.close();
  });

  const newAdmin = () => personWith(server, [{ schoolCode: '353604', role: 'teacher' }], 'proof');

  /** The password signed in at an app asking for a second factor: the page reached, and the interaction's uid. */
  async function afterPassword(agent: Agent, email: string): Promise<{ step: Step; uid: string }> {
    const p = await pkce();
    const page = await agent.follow(authorizationUrl(rp, p, { acr_values: MFA_ACR }).href, CALLBACK);
    const uid = /\/interaction\/([\w-]+)/.exec(page.url)![1]!;
    return { step: await submitLogin(agent, page, email, PERSON_PASSWORD, {}, CALLBACK), uid };
  }

  const post = (agent: Agent, url: string, fields: Record<string, string>) =>
    agent.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });

  const postProof = (agent: Agent, page: Step, code: string) =>
    agent.submit(
      formAction(page.body, /\/second-factor\/proof$/, page.url),
      { _csrf: hiddenField(page.body, '_csrf'), code },
      CALLBACK,
    );

  const setupCodes = (to: string) =>
    server.storage.db('outbox_messages').where({ recipient: to, kind: 'second_factor_setup_code' });

  it('shows no secret before the code; a crafted POST of a TOTP code or a passkey is refused (403)', async () => {
    const { personId, email } = await newAdmin();
    const agent = new Agent();
    const { step, uid } = await afterPassword(agent, email);
    assert.equal(step.status, 200);
    assert.match(step.url, /\/second-factor$/);
    assert.ok(asksSetupProof(step), 'the page asks for the code first');
    assert.ok(step.body.includes(html(zh('secondFactor.proof.title'))));
    assert.ok(!step.body.includes('totp-secret'), 'no secret shown');
    assert.ok(!step.body.includes('totp-qr'), 'no QR code shown');
    assert.ok(!step.body.includes('passkey-form'), 'no passkey offered');
    // The code went to the verified email, named on the page masked (proof-…@example.org → pro***@example.org).
    const masked = `${email.slice(0, 3)}***${email.slice(email.indexOf('@'))}`;
    assert.ok(step.body.includes(html(zh('secondFactor.proof.sentEmail', { to: masked }))), 'the page names it');
    const sent = await setupCodes(email);
    assert.equal(sent.length, 1, 'one code sent');
    assert.match(sent[0].text_body, /驗證碼是：\d{6}/);
    assert.match(sent[0].text_body, /Your code is: \d{6}/);
    // A reload sends no second code.
    const reload = await agent.request(step.url);
    assert.ok(asksSetupProof(reload));
    assert.equal((await setupCodes(email)).length, 1, 'a reload sends nothing more');

    // A TOTP code posted without the proof: refused, nothing kept, and no secret was ever made for it to match.
    const csrf = hiddenField(step.body, '_csrf');
    const crafted = await post(agent, `${base}/interaction/${uid}/second-factor`, { _csrf: csrf, code: '123456' });
    assert.equal(crafted.status, 403);
    assert.ok(crafted.body.includes(html(zh('secondFactor.proof.first'))));
    assert.ok(!crafted.body.includes('totp-secret'));
    // The passkey: no registration challenge, and an answer posted anyway is refused.
    const options = await post(agent, `${base}/interaction/${uid}/second-factor/passkey/options`, { _csrf: csrf });
    assert.equal(options.status, 403);
    assert.equal(JSON.parse(options.body).error, 'setup_not_proven');
    const passkey = await post(agent, `${base}/interaction/${uid}/second-factor/passkey`, {
      _csrf: csrf,
      response: JSON.stringify({ id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: {} }),
    });
    assert.equal(passkey.status, 403);
    assert.equal(await server.services.secondFactor.enrolled(personId), false);
    assert.equal(await server.services.passkeys.count(personId), 0);

    // The right code: the set-up shows, for this interaction; the right TOTP code then keeps it.
    const setup = await passSetupProof(base, agent, step, CALLBACK);
    assert.equal(setup.status, 200);
    const secret = /id="totp-secret">([A-Z2-7 ]+)</.exec(setup.body)?.[1]?.replaceAll(' ', '');
    assert.ok(secret, 'the secret is shown after the code');
    assert.ok(setup.body.includes('passkey-form'), 'a passkey may be made after the code');
    const again = await agent.request(setup.url);
    assert.ok(again.body.includes('totp-secret'), 'kept for this interaction');
    const done = await agent.submit(
      formAction(setup.body, /\/second-factor$/, setup.url),
      { _csrf: hiddenField(setup.body, '_csrf'), code: await generate({ secret }) },
      CALLBACK,
    );
    assert.ok(done.location?.startsWith(CALLBACK) || done.body.includes('/confirm'), `signed in (${done.url})`);
    assert.equal(await server.services.secondFactor.enrolled(personId), true);
  });

  it('counts wrong codes (5 a code, and per person); "send again" makes the old code stop working', async () => {
    const { personId, email } = await newAdmin();
    const agent = new Agent();
    const { step } = await afterPassword(agent, email);
    const first = await setupCode(base, step, email);
    const wrongCode = first === '000000' ? '111111' : '000000';
    const wrong = await postProof(agent, step, wrongCode);
    assert.equal(wrong.status, 400);
    assert.ok(wrong.body.includes(html(zh('secondFactor.proof.wrong', { count: 4 }))));
    assert.equal(await server.services.throttle.count(SECOND_FACTOR.person, personId), 1, 'counted per person');
    assert.equal(await server.services.throttle.count(SECOND_FACTOR.personDay, personId), 1, 'and per day');
    const letters = await postProof(agent, wrong, '12ab');
    assert.equal(letters.status, 400);
    assert.ok(letters.body.includes(html(zh('secondFactor.proof.format'))));
    assert.ok(!letters.body.includes('totp-secret'));

    // Send again: a new code; the first one no longer works.
    const resent = await agent.submit(
      formAction(letters.body, /\/second-factor\/proof\/again$/, letters.url),
      { _csrf: hiddenField(letters.body, '_csrf') },
      CALLBACK,
    );
    assert.equal(resent.status, 200);
    assert.ok(resent.body.includes(html(zh('secondFactor.proof.sentAgain'))));
    assert.equal((await setupCodes(email)).length, 2);
    const second = await setupCode(base, resent, email);
    let step2 = resent;
    let tried = 0;
    if (second !== first) {
      step2 = await postProof(agent, resent, first);
      tried++;
      assert.equal(step2.status, 400, 'the code before no longer works');
      assert.ok(!step2.body.includes('totp-secret'));
    }
    // Five wrong tries use the code up (the person's 15-minute count cleared meanwhile, as after a quarter hour).
    const other = second === '000000' ? '111111' : '000000';
    await server.services.throttle.reset(SECOND_FACTOR.person, personId);
    for (; tried < 4; tried++) step2 = await postProof(agent, step2, other);
    await server.services.throttle.reset(SECOND_FACTOR.person, personId);
    step2 = await postProof(agent, step2, other);
    assert.equal(step2.status, 400);
    assert.ok(step2.body.includes(html(zh('secondFactor.proof.tooMany'))), 'the fifth wrong try ends the code');
    const late = await postProof(agent, step2, second);
    assert.equal(late.status, 400, 'the right code after five wrong ones does not work');
    assert.ok(!late.body.includes('totp-secret'));
    assert.equal(await server.services.secondFactor.enrolled(personId), false);
  });

  it('"send again" is limited per person (3 an hour): then 429, with what to do', async () => {
    const { email } = await newAdmin();
    const agent = new Agent();
    let { step } = await afterPassword(agent, email);
    const again = () =>
      agent.submit(
        formAction(step.body, /\/second-factor\/proof\/again$/, step.url),
        { _csrf: hiddenField(step.body, '_csrf') },
        CALLBACK,
      );
    for (let i = 0; i < SETUP_PROOF.again.max; i++) {
      step = await again();
      assert.equal(step.status, 200);
    }
    const limited = await again();
    assert.equal(limited.status, 429);
    assert.ok(limited.body.includes(html(zh('secondFactor.proof.sendLimited'))));
    assert.equal((await setupCodes(email)).length, 1 + SETUP_PROOF.again.max, 'nothing more sent');
    // The newest code still works.
    const setup = await passSetupProof(base, agent, limited, CALLBACK);
    assert.ok(setup.body.includes('totp-secret'));
  });

  it('no verified email or mobile: the set-up is refused (403) with what to do and a way back; nothing is sent', async () => {
    const { personId, email } = await newAdmin();
    await server.storage.db('persons').where({ id: personId }).update({ email_verified: false, mobile: null });
    const agent = new Agent();
    const { step, uid } = await afterPassword(agent, email);
    assert.equal(step.status, 403);
    assert.ok(step.body.includes(html(zh('secondFactor.noContact.title'))));
    assert.ok(step.body.includes(html(zh('secondFactor.noContact.whatToDo'))));
    assert.ok(!step.body.includes('totp-secret') && !step.body.includes('passkey-form'));
    assert.equal((await setupCodes(email)).length, 0);
    // In English too.
    const english = await agent.request(`${step.url}?lang=en`);
    assert.equal(english.status, 403);
    assert.ok(english.body.includes(html(en('secondFactor.noContact.title'))));
    // A crafted code is refused too.
    const crafted = await post(agent, `${base}/interaction/${uid}/second-factor`, {
      _csrf: hiddenField(step.body, '_csrf'),
      code: '123456',
    });
    assert.equal(crafted.status, 403);
    // The way back: the app gets the sign-in declined.
    const back = await agent.submit(
      formAction(step.body, /\/abort$/, step.url),
      { _csrf: hiddenField(step.body, '_csrf') },
      CALLBACK,
    );
    assert.ok(back.location?.startsWith(CALLBACK), `back at the app (${back.url})`);
    assert.match(back.location!, /error=access_denied/);
  });

  it('with no verified email, the code goes by SMS to the verified mobile, named masked', async () => {
    const { personId, email } = await newAdmin();
    const mobile = `09${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
    await server.storage
      .db('persons')
      .where({ id: personId })
      .update({ email_verified: false, mobile, mobile_verified: true });
    const agent = new Agent();
    const { step } = await afterPassword(agent, email);
    assert.ok(asksSetupProof(step));
    const masked = `${mobile.slice(0, 4)}***${mobile.slice(-3)}`;
    assert.ok(step.body.includes(html(zh('secondFactor.proof.sentSms', { to: masked }))));
    const sent = await setupCodes(mobile);
    assert.equal(sent.length, 1);
    assert.equal(sent[0].channel, 'sms');
    const setup = await passSetupProof(base, agent, step, CALLBACK);
    assert.ok(setup.body.includes('totp-secret'));
  });

  it('at most 20 wrong codes a person a day: then the step waits a day and says until when (429)', async () => {
    const { personId, email } = await newAdmin();
    const agent = new Agent();
    const { step } = await afterPassword(agent, email);
    const setup = await passSetupProof(base, agent, step, CALLBACK);
    const secret = /id="totp-secret">([A-Z2-7 ]+)</.exec(setup.body)![1]!.replaceAll(' ', '');
    // The network address's count starts clean (the tests before left wrong codes on it).
    for (const a of ['127.0.0.1', '::ffff:127.0.0.1', '::1'])
      await server.services.throttle.reset(SECOND_FACTOR.address, a);
    // 19 wrong codes earlier today (the 15-minute limit let them through, spread over the day).
    for (let i = 0; i < SECOND_FACTOR.personDay.max - 1; i++)
      await server.services.throttle.hit(SECOND_FACTOR.personDay, personId);
    const postCode = (page: Step, code: string) =>
      agent.submit(
        formAction(page.body, /\/second-factor$/, page.url),
        { _csrf: hiddenField(page.body, '_csrf'), code },
        CALLBACK,
      );
    const right = await generate({ secret });
    const last = await postCode(setup, right === '000000' ? '111111' : '000000');
    assert.equal(last.status, 429, "the day's 20th wrong code");
    const until = /(\d{4}\/\d{1,2}\/\d{1,2}\s\d{1,2}:\d{2})/u.exec(last.body)?.[1];
    assert.ok(until, `the page says until when: ${/role="alert">([^<]*)/.exec(last.body)?.[1]}`);
    assert.ok(last.body.includes(html(zh('secondFactor.dayLimited', { until }))));
    // The 15-minute count cleared (as after a quarter of an hour): the right code still waits.
    await server.services.throttle.reset(SECOND_FACTOR.person, personId);
    const blocked = await postCode(last, right);
    assert.equal(blocked.status, 429);
    assert.equal(await server.services.secondFactor.enrolled(personId), false);
  });
});
