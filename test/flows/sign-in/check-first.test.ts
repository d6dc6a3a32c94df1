// The person check asked for only because the account typed needs it (3 wrong passwords before), on a sign-in page
// that could not know that and had no check: the page says the account needs a quick check first and shows it, keeps
// the account name, and nothing is held against the person (no failed sign-in in the history, nothing counted).
// A form that had the check and did not pass it is answered as before.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../../src/domain/people/passwords.ts';
import { insertPerson } from '../../../src/domain/people/persons.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { SIGN_IN } from '../../../src/platform/limits.ts';
import { Agent, formAction, hiddenField, type Step } from '../../helpers/agent.ts';
import { challengeFields } from '../../helpers/challenge.ts';
import { authorizationUrl, CALLBACK, discover, pkce, registerClient } from '../../helpers/rp.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const en = translator('en');
const html = (s: string) => s.replaceAll('&', '&amp;').replaceAll('"', '&quot;');

describe(`the person check shown for the account typed (${storageMode})`, () => {
  let a: TestServer;
  before(async () => {
    a = await startTestServer();
    await registerClient(a, { client_id: 'first-rp', first_party: true }, 'first-secret-0123456789abcdefghij');
  });
  after(() => a.close());

  async function needsCheck() {
    const username = `first-${crypto.randomBytes(4).toString('hex')}`;
    const person = await insertPerson(a.storage.db, {
      username,
      name: '測試',
      passwordHash: await hashPassword('Right-Password-1', 4),
    });
    const agent = new Agent();
    let page = await loginPage(agent);
    for (let i = 0; i < 3; i++) page = await post(agent, page, { login: username, password: 'wrong' });
    assert.ok(captchaId(page), 'the check after the third failure');
    return { username, id: person.id };
  }
  async function loginPage(agent: Agent, locale = 'zh-TW') {
    const conf = await discover(a.issuer, 'first-rp', 'first-secret-0123456789abcdefghij');
    return agent.follow(String(authorizationUrl(conf, await pkce(), { ui_locales: locale })), CALLBACK);
  }
  async function post(agent: Agent, page: Step, fields: Record<string, string>) {
    return agent.submit(
      formAction(page.body, /\/login$/, page.url),
      { _csrf: hiddenField(page.body, '_csrf'), ...fields },
      CALLBACK,
    );
  }
  const captchaId = (page: Step) => /name="question_token" value="([^"]+)"/.exec(page.body)?.[1];
  const failures = async (id: string) =>
    (await a.storage.db('audit_events').where({ subject: id, action: 'sign_in.failure' })).map((e) => e.detail.reason);

  it('a new page without the check: says the account needs it first, shows it, keeps the name, blames nobody', async () => {
    const { username, id } = await needsCheck();
    const before = await failures(id);
    const agent = new Agent();
    const fresh = await loginPage(agent);
    assert.equal(captchaId(fresh), undefined, 'the page cannot know the account yet');
    const answer = await post(agent, fresh, { login: username, password: 'Right-Password-1' });
    assert.equal(answer.status, 400);
    assert.ok(answer.body.includes(html(zh('login.checkFirst.question'))), 'says why the check is shown');
    assert.ok(answer.body.includes(`data-done="${html(zh('login.checkFirst.done'))}"`), 'and what to say once done');
    assert.ok(!answer.body.includes(html(zh('challenge.required'))), 'no "please wait" as if the person erred');
    assert.doesNotMatch(answer.body, /class="field-error"|role="alert"/, 'nothing in the tone of a mistake');
    assert.ok(captchaId(answer), 'the check is shown');
    assert.match(answer.body, new RegExp(`id="login"[^>]*value="${username}"`), 'the account name kept');
    assert.match(answer.body, /aria-describedby="challenge-notice"/, 'read with the password field');

    assert.deepEqual(await failures(id), before, 'no failed sign-in recorded');
    assert.equal(await a.services.throttle.count(SIGN_IN.account, `person:${id}`), 3, 'nothing counted');
    const metrics = await a.services.metrics.registry.metrics();
    assert.match(metrics, /outcome="challenge_shown"/);

    // Then the check and the password again: signed in.
    const ok = await post(agent, answer, {
      login: username,
      password: 'Right-Password-1',
      ...(await challengeFields(a.issuer)),
    });
    assert.ok(ok.location?.startsWith(CALLBACK), `signed in, got ${ok.status}`);
  });

  it('in English too', async () => {
    const { username } = await needsCheck();
    const agent = new Agent();
    const answer = await post(agent, await loginPage(agent, 'en'), { login: username, password: 'Right-Password-1' });
    assert.equal(answer.status, 400);
    assert.ok(answer.body.includes(html(en('login.checkFirst.question'))));
    assert.ok(answer.body.includes(html(en('login.checkFirst.running'))));
  });

  it('a form that had the check and did not pass it: answered and recorded as before', async () => {
    const { username, id } = await needsCheck();
    const agent = new Agent();
    const fresh = await loginPage(agent);
    // The widget's field sent empty (pressed before it finished): "wait for the check", a failure for want of it.
    const early = await post(agent, fresh, { login: username, password: 'Right-Password-1', altcha: '' });
    assert.equal(early.status, 400);
    assert.ok(early.body.includes(html(zh('challenge.required'))));
    assert.ok(!early.body.includes('id="challenge-notice"'));
    const wrong = await post(agent, early, {
      login: username,
      password: 'Right-Password-1',
      question_token: captchaId(early)!,
      question_answer: '99',
    });
    assert.ok(wrong.body.includes(html(zh('challenge.failed'))));
    assert.deepEqual((await failures(id)).slice(-2), ['challenge_missing', 'challenge_failed']);
  });
});
