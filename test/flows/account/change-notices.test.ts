// Who is told of a change to the account's contacts, and how many codes one address or number gets: the notice goes
// where every notice about the account goes (the verified email it had, else its verified mobile), so an account with
// only a mobile number hears of an email added or its number changed; codes to one recipient are counted per person
// asking and for everyone together.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CONTACT_CODES } from '../../../src/platform/limits.ts';
import { newPerson, postForm, signedInAgent, type TestPerson } from '../../helpers/account.ts';
import type { Agent } from '../../helpers/agent.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

describe(`account change notices and code limits (${storageMode})`, () => {
  let server: TestServer;
  let issuer: string;
  before(async () => {
    server = await startTestServer();
    issuer = server.issuer;
  });
  after(() => server.close());

  const db = () => server.storage.db;
  const newMobile = () => `09${String(crypto.randomInt(0, 100_000_000)).padStart(8, '0')}`;
  const codeIn = (text: string) => /\b(\d{6})\b/.exec(text)![1]!;
  const messages = (recipient: string, kind?: string) =>
    db()('outbox_messages')
      .where({ recipient, ...(kind ? { kind } : {}) })
      .orderBy('created_at');

  async function person(contacts: { email?: 'verified' | 'unverified' | 'none'; mobile?: 'verified' | 'none' }) {
    const p = await newPerson(db());
    const email = contacts.email ?? 'verified';
    await db()('persons')
      .where({ id: p.id })
      .update({
        email: email === 'none' ? null : p.email,
        email_verified: email === 'verified',
        mobile: contacts.mobile === 'none' ? null : p.mobile,
        mobile_verified: contacts.mobile === 'verified',
      });
    return { p, agent: await signedInAgent(issuer, p.username, p.password) };
  }

  async function change(agent: Agent, kind: 'email' | 'mobile', value: string) {
    const sent = await postForm(agent, issuer, `/account/${kind}`, `/account/${kind}`, { [kind]: value });
    assert.equal(sent.status, 303, `the code for ${value} is sent`);
    const [code] = await messages(value, `verify_${kind}_change`);
    const done = await postForm(agent, issuer, `/account/${kind}/verify`, `/account/${kind}/verify`, {
      code: codeIn(code.text_body),
    });
    assert.equal(done.status, 303);
    assert.match(done.location!, /\/account\?done=/);
  }

  it('an account with only a mobile number is told by SMS when an email is added and when its number changes', async () => {
    const { p, agent } = await person({ email: 'none', mobile: 'verified' });
    const email = `added-${crypto.randomBytes(4).toString('hex')}@example.test`;
    await change(agent, 'email', email);
    const [added] = await messages(p.mobile, 'account_changed.email');
    assert.ok(added, 'the mobile number is told of the email added');
    assert.equal(added.channel, 'sms');
    assert.match(added.text_body, /Email/);
    assert.doesNotMatch(added.text_body, new RegExp(email), 'never the new value');

    // Now the email is verified: the mobile change is told there (the rule: verified email first).
    const next = newMobile();
    await change(agent, 'mobile', next);
    const [byMail] = await messages(email, 'account_changed.mobile');
    assert.ok(byMail, 'the verified email is told of the mobile change');
    assert.doesNotMatch(byMail.text_body, new RegExp(next));
  });

  it('a mobile-only account whose number changes tells the old number, not the new one', async () => {
    const { p, agent } = await person({ email: 'none', mobile: 'verified' });
    const next = newMobile();
    await change(agent, 'mobile', next);
    const [notice] = await messages(p.mobile, 'account_changed.mobile');
    assert.ok(notice, 'the old number is told');
    assert.equal(notice.channel, 'sms');
    assert.match(notice.text_body, /手機號碼/);
    assert.equal((await messages(next, 'account_changed.mobile')).length, 0);
  });

  it('an email address nobody proved is not told; the contact phone notice follows the same rule', async () => {
    const { p, agent } = await person({ email: 'unverified', mobile: 'verified' });
    await change(agent, 'mobile', newMobile());
    assert.equal((await messages(p.email, 'account_changed.mobile')).length, 0, 'not to an unproved address');
    assert.equal((await messages(p.mobile, 'account_changed.mobile')).length, 1, 'to the verified old number');

    const saved = await postForm(agent, issuer, '/account/contact-phone', '/account/contact-phone', {
      contact_phone: '02-2345-6789',
    });
    assert.equal(saved.status, 303);
    // The number changed above: the verified mobile is now the new one, and it is told.
    const row = await db()('persons').where({ id: p.id }).first('mobile');
    assert.equal((await messages(row.mobile, 'account_changed.contact_phone')).length, 1);
  });

  it('codes to one number: 3 an hour for each person asking, 10 for everyone together; and per network address', async () => {
    const number = newMobile();
    const ask = async (agent: Agent) =>
      postForm(agent, issuer, '/account/mobile', '/account/mobile', { mobile: number });
    const first = await person({});
    for (let i = 0; i < 3; i++) assert.equal((await ask(first.agent)).status, 303, `ask ${i + 1}`);
    const fourth = await ask(first.agent);
    assert.equal(fourth.status, 429, 'one person asks at most 3 times');
    assert.match(fourth.body, /傳送驗證碼的次數太多/);

    // Another person's tries at the same number are their own: the first cannot use them up.
    const others: { p: TestPerson; agent: Agent }[] = [];
    for (let i = 0; i < 3; i++) others.push(await person({}));
    for (const other of others.slice(0, 2))
      for (let i = 0; i < 3; i++) assert.equal((await ask(other.agent)).status, 303);
    assert.equal((await ask(others[2]!.agent)).status, 303, 'the tenth code');
    const flood = await ask(others[2]!.agent);
    assert.equal(flood.status, 429, 'no eleventh code to one number within the hour, whoever asks');
    assert.equal((await messages(number, 'verify_mobile_change')).length, CONTACT_CODES.recipientAll.max);

    const throttle = server.services.throttle;
    const loopback = ['127.0.0.1', '::ffff:127.0.0.1', '::1'];
    try {
      for (const a of loopback)
        for (let i = 0; i < CONTACT_CODES.address.max; i++) await throttle.hit(CONTACT_CODES.address, a);
      const other = newMobile();
      const fromBusy = await postForm(first.agent, issuer, '/account/mobile', '/account/mobile', { mobile: other });
      assert.equal(fromBusy.status, 429, 'an address that sent many codes waits');
      assert.match(fromBusy.body, new RegExp(other), 'the number typed stays');
    } finally {
      for (const a of loopback) await throttle.reset(CONTACT_CODES.address, a);
    }
  });
});
