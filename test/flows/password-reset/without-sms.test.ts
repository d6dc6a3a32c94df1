// Where no SMS can be sent (production without SMS_WEBHOOK_URL, or no development mailbox): SMS is not offered, the
// pages say so and show the way on, and nothing is queued on a channel that goes nowhere.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { translator } from '../../../src/platform/i18n/index.ts';
import { newPerson, postForm, signedInAgent, type TestPerson } from '../../helpers/account.ts';
import { Agent, formAction, hiddenField, html } from '../../helpers/agent.ts';
import { challengeFields } from '../../helpers/challenge.ts';
import { type MailSink, startMailSink } from '../../helpers/mail-sink.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');

describe(`without an SMS gateway (${storageMode})`, () => {
  let server: TestServer;
  let sink: MailSink;
  let person: TestPerson;
  const queued = (recipient: string) => server.storage.db('outbox_messages').where({ recipient });

  before(async () => {
    sink = await startMailSink();
    // Mail has its gateway; SMS has none, and the development mailbox page is off.
    server = await startTestServer({ SMTP_URL: `smtp://127.0.0.1:${sink.port}`, MAILBOX_PAGE: 'false' });
    person = await newPerson(server.storage.db);
  });
  after(async () => {
    await server.close();
    await sink.close();
  });

  async function forgot(agent: Agent, target: string) {
    const page = await agent.request(`${server.issuer}/password/forgot`);
    return agent.submit(formAction(page.body, /\/password\/forgot$/, page.url), {
      _csrf: hiddenField(page.body, '_csrf'),
      target,
      ...(await challengeFields(server.issuer)),
    });
  }

  it('the reset page asks for the email address only, and a mobile number is answered with the way on', async () => {
    const page = await new Agent().request(`${server.issuer}/password/forgot`);
    assert.ok(page.body.includes(html(zh('password.forgot.introEmailOnly'))));
    assert.ok(!page.body.includes(html(zh('password.forgot.intro'))));

    const bySms = await forgot(new Agent(), person.mobile);
    assert.equal(bySms.status, 400);
    assert.ok(bySms.body.includes(html(zh('password.forgot.smsUnavailable'))));
    assert.ok(bySms.body.includes(`value="${person.mobile}"`), 'what was typed stays');
    await server.services.background.idle();
    assert.deepEqual(await queued(person.mobile), [], 'nothing queued for the number');

    const byMail = await forgot(new Agent(), person.email);
    assert.equal(byMail.status, 200);
    assert.match(byMail.url, /\/password\/forgot\/sent$/);
    await server.services.background.idle();
    assert.equal((await queued(person.email)).length, 1, 'the link by mail');
  });

  it('the mobile number cannot be changed (the page says why and leads back), the email can', async () => {
    const agent = await signedInAgent(server.issuer, person.username, person.password);
    const page = await agent.request(`${server.issuer}/account/mobile`);
    assert.equal(page.status, 200);
    assert.ok(page.body.includes(html(zh('account.contact.mobile.unavailable'))));
    assert.doesNotMatch(page.body, /name="mobile"/, 'no form');
    assert.match(page.body, /href="\/account"/);

    const posted = await postForm(agent, server.issuer, '/account/email', '/account/mobile', {
      mobile: `09${String(crypto.randomInt(0, 1e8)).padStart(8, '0')}`,
    });
    assert.equal(posted.status, 400);
    assert.ok(posted.body.includes(html(zh('account.contact.mobile.unavailable'))));

    const email = await agent.request(`${server.issuer}/account/email`);
    assert.match(email.body, /name="email"/);
  });

  it('a password change tells a person with only a mobile number nothing rather than queue an SMS', async () => {
    const mobileOnly = await newPerson(server.storage.db);
    await server.storage.db('persons').where({ id: mobileOnly.id }).update({ email: null, email_verified: false });
    const stored = (await server.services.people.findById(mobileOnly.id))!;
    await server.services.people.setPassword(stored, 'A-New-Password-2026', {
      audit: { actor: stored.id, action: 'password.changed', subject: stored.id },
      notify: true,
      signOut: { reason: 'password_changed' },
    });
    assert.deepEqual(await queued(mobileOnly.mobile), []);
    assert.throws(
      () => server.services.outbox.enqueue({ channel: 'sms', to: mobileOnly.mobile, text: 'x', kind: 'test' }),
      /goes nowhere/,
    );
  });
});
