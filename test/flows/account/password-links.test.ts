// The account pages' password change and linked upstream accounts: a reset removes them (someone who knew the old
// password may have linked one); a change offers to remove them, lists them, and removes them only when asked.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { newPerson, postForm, signedInAgent } from '../../helpers/account.ts';
import { html } from '../../helpers/agent.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

describe(`password change and linked accounts (${storageMode})`, () => {
  let server: TestServer;
  let issuer: string;
  before(async () => {
    server = await startTestServer();
    issuer = server.issuer;
  });
  after(() => server.close());
  const db = () => server.storage.db;

  async function linkedPerson() {
    const p = await newPerson(db());
    const email = `up-${crypto.randomBytes(3).toString('hex')}@upstream.test`;
    const linked = await server.services.federatedLinks.link(
      p.id,
      { provider: 'other-idp', subject: crypto.randomUUID(), email, emailVerified: true },
      'portal',
    );
    assert.equal(linked, 'linked');
    return { p, email, agent: await signedInAgent(issuer, p.username, p.password) };
  }
  const links = (personId: string) => db()('federated_links').where({ person_id: personId });
  const newPassword = () => `Fresh-${crypto.randomBytes(4).toString('hex')}-Pass`;

  it('lists the linked accounts with a choice to unlink them, left unticked, and keeps the tick on a refused form', async () => {
    const { p, email, agent } = await linkedPerson();
    const page = await agent.request(`${issuer}/account/password`);
    assert.equal(page.status, 200);
    assert.match(page.body, /連結的其他帳號/);
    assert.match(page.body, /id="remove-links"/);
    assert.doesNotMatch(page.body, /id="remove-links"[^>]*checked/, 'not ticked unless the person ticks it');
    assert.doesNotMatch(page.body, new RegExp(email), 'the upstream email is masked');
    assert.match(page.body, new RegExp(html(email.slice(0, 1))));

    const refused = await postForm(agent, issuer, '/account/password', '/account/password', {
      current: 'not-the-password',
      password: newPassword(),
      confirm: 'something else',
      remove_links: 'yes',
    });
    assert.equal(refused.status, 400);
    assert.match(refused.body, /id="remove-links"[^>]*checked/, 'the tick stays');
    assert.equal((await links(p.id)).length, 1, 'nothing removed by a refused form');
  });

  it('a change without the tick keeps the links', async () => {
    const { p, agent } = await linkedPerson();
    const password = newPassword();
    const done = await postForm(agent, issuer, '/account/password', '/account/password', {
      current: p.password,
      password,
      confirm: password,
    });
    assert.equal(done.status, 303);
    assert.equal(done.location, `${issuer}/account?done=password`);
    assert.equal((await links(p.id)).length, 1);
  });

  it('a change with the tick unlinks every linked account, audited, and says so on the page and in the notice', async () => {
    const { p, agent } = await linkedPerson();
    const password = newPassword();
    const done = await postForm(agent, issuer, '/account/password', '/account/password', {
      current: p.password,
      password,
      confirm: password,
      remove_links: 'yes',
    });
    assert.equal(done.status, 303);
    assert.equal(done.location, `${issuer}/account?done=passwordLinks`);
    assert.equal((await links(p.id)).length, 0);
    const profile = await agent.request(done.location!);
    assert.match(profile.body, /連結的其他帳號也都已取消連結/);
    const audit = await db()('audit_events').where({ subject: p.id, action: 'federation.unlinked' });
    assert.equal(audit.length, 1);
    assert.equal(audit[0].detail.reason, 'password_changed');
    const notice = await db()('outbox_messages').where({ recipient: p.email, kind: 'password_changed' }).first();
    assert.ok(notice, 'the password notice is sent');
    const { translator } = await import('../../../src/platform/i18n/index.ts');
    assert.ok(notice.text_body.includes(translator('zh-TW')('password.mail.changedLinks').slice(0, 12)));
  });

  it('a person with no linked account is not offered the choice', async () => {
    const p = await newPerson(db());
    const agent = await signedInAgent(issuer, p.username, p.password);
    const page = await agent.request(`${issuer}/account/password`);
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.body, /id="remove-links"/);
  });
});
