// Step 1 of the wizard (/register) as a browser walk found it: a name of emoji taken for a name, the messages lost when
// the language link redraws the form after a post, and the list of mistakes in another order than the form.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { translator } from '../../../src/platform/i18n/index.ts';
import { Agent, hiddenField, html, type Step } from '../../helpers/agent.ts';
import { challengeFields } from '../../helpers/challenge.ts';
import { registrationForm } from '../../helpers/registration.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const en = translator('en');
const FORM = 'application/x-www-form-urlencoded';

const fieldError = (body: string, id: string) => new RegExp(`id="${id}-error">([^<]*)<`).exec(body)?.[1];
const inputValue = (body: string, id: string) => new RegExp(`<input id="${id}"[^>]*? value="([^"]*)"`).exec(body)?.[1];
/** The fields the list of mistakes links to, in its order. */
const summaryOrder = (body: string) => {
  const list = /data-mistakes[\s\S]*?<\/ul>/.exec(body)?.[0] ?? '';
  return [...list.matchAll(/href="#([\w_]+)"/g)].map((m) => m[1]);
};
/** The form's controls, in the page's order. */
const formOrder = (body: string) => {
  const form = /<form id="registration"[\s\S]*?<\/form>/.exec(body)?.[0] ?? '';
  return [...form.matchAll(/<(?:input|select) id="([\w_]+)"/g)].map((m) => m[1] ?? '');
};

describe(`registration step 1: names, messages after the language link, their order (${storageMode})`, () => {
  let server: TestServer;
  let base: string;
  before(async () => {
    server = await startTestServer();
    base = server.issuer;
  });
  after(async () => {
    await server?.close();
  });

  async function postStep1(agent: Agent, page: Step, form: Record<string, string>) {
    return agent.request(`${base}/register`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({
        _csrf: hiddenField(page.body, '_csrf'),
        ...(await challengeFields(base)),
        ...form,
      }).toString(),
    });
  }

  it('refuses a name made only of emoji (or with one), saying what a name may hold', async () => {
    const agent = new Agent();
    for (const name of ['😀🎉', '陳小明😀']) {
      const res = await postStep1(agent, await agent.request(`${base}/register`), registrationForm('emoji', { name }));
      assert.equal(res.status, 400, `not taken: ${name}`);
      assert.equal(fieldError(res.body, 'name'), html(zh('registration.errors.nameInvalid')));
      assert.equal(inputValue(res.body, 'name'), name, 'the name typed is shown again to correct');
    }
    // A transliterated name with its middle dot passes.
    const ok = await postStep1(
      agent,
      await agent.request(`${base}/register`),
      registrationForm('dot', { name: '麥可·喬丹' }),
    );
    assert.equal(ok.status, 303);
    assert.equal(ok.location, `${base}/register/confirm`);
  });

  it('shows the messages again, in the other language, when the language link is followed after a post', async () => {
    const agent = new Agent();
    const form = registrationForm('switch', {
      email: 'not-an-address',
      phone: '12',
      password_confirm: 'something else',
    });
    const res = await postStep1(agent, await agent.request(`${base}/register`), form);
    assert.equal(res.status, 400);
    assert.equal(fieldError(res.body, 'email'), html(zh('registration.errors.emailInvalid')));
    const link = /<a class="lang" href="([^"]+)"/.exec(res.body)?.[1];
    assert.ok(link, 'the page has a language link');
    const switched = await agent.request(new URL(link.replaceAll('&amp;', '&'), base).toString());
    assert.equal(switched.status, 200);
    assert.match(switched.body, /<html lang="en"/);
    assert.equal(inputValue(switched.body, 'email'), 'not-an-address', 'the values are kept (as before)');
    assert.equal(fieldError(switched.body, 'email'), html(en('registration.errors.emailInvalid')));
    assert.equal(fieldError(switched.body, 'phone'), html(en('registration.errors.phoneInvalid')));
    assert.ok(fieldError(switched.body, 'password_confirm'), 'the confirmation’s message too');
    assert.deepEqual(summaryOrder(switched.body), ['email', 'phone', 'password_confirm']);
    assert.match(switched.body, /aria-invalid="true"[^>]*aria-describedby="email-hint email-error"/);
    // And back again: the same messages in Chinese.
    const back = await agent.request(`${base}/register?lang=zh-TW`);
    assert.equal(fieldError(back.body, 'phone'), html(zh('registration.errors.phoneInvalid')));

    // Once corrected, step 1 passes and the messages are gone from the form drawn again ("back" from step 2).
    const fixed = await postStep1(agent, back, {
      ...form,
      email: registrationForm('fixed').email,
      phone: '',
      password_confirm: form.password,
    });
    assert.equal(fixed.status, 303);
    const again = await agent.request(`${base}/register`);
    assert.equal(again.status, 200);
    assert.doesNotMatch(again.body, /-error">/);
    assert.deepEqual(summaryOrder(again.body), []);
  });

  it('lists the mistakes in the order of the form (聯絡電話 before 確認密碼)', async () => {
    const agent = new Agent();
    const res = await postStep1(
      agent,
      await agent.request(`${base}/register`),
      registrationForm('order', {
        school: '',
        email: '',
        name: '',
        national_id: '',
        phone: '12',
        password_confirm: 'x',
        gender: 'nope',
      }),
    );
    assert.equal(res.status, 400);
    const listed = summaryOrder(res.body);
    assert.deepEqual(listed, ['school', 'email', 'name', 'national_id', 'phone', 'password_confirm', 'gender']);
    const shown = formOrder(res.body).filter((id) => listed.includes(id));
    assert.deepEqual(listed, shown, 'the same order as the fields on the page');
  });
});
