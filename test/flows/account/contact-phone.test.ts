// The contact phone (聯絡電話) on the account pages over HTTP against the real server: shown with a way to change it on
// the profile and the identities page; changed at once (no code: it is not a login and gets no texts), read as
// registration reads it (full-width digits, an extension); a bad number answered at its field with what was typed
// kept; removed; each change audited and told to the account's email address, never the number; forms without their
// CSRF token refused.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { translator } from '../../../src/platform/i18n/index.ts';
import { PERSON_PASSWORD, personWith, postForm, signedInAgent } from '../../helpers/account.ts';
import { Agent, html } from '../../helpers/agent.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const en = translator('en');

describe(`account: the contact phone (${storageMode})`, () => {
  let server: TestServer;
  let issuer: string;

  before(async () => {
    server = await startTestServer();
    issuer = server.issuer;
  });
  after(() => server.close());

  const db = () => server.storage.db;
  const randomMobile = () => `09${String(crypto.randomInt(0, 100_000_000)).padStart(8, '0')}`;
  const stored = async (id: string): Promise<string | null> =>
    (await db()('persons').where({ id }).first('contact_phone')).contact_phone;
  const audits = (id: string) =>
    db()('audit_events').where({ subject: id }).where('action', 'like', 'person.contact_phone%').orderBy('id');
  const save = (agent: Agent, contact_phone: string) =>
    postForm(agent, issuer, '/account/contact-phone', '/account/contact-phone', { contact_phone });
  const remove = (agent: Agent) =>
    postForm(agent, issuer, '/account/contact-phone', '/account/contact-phone/remove', {});
  const errorOf = (body: string) => /<p class="acct-error" id="contact-phone-error">([^<]*)<\/p>/.exec(body)?.[1];

  /** The account-change notices that went to an address, oldest first. */
  const notices = (to: string) =>
    db()('outbox_messages').where({ recipient: to }).where('kind', 'like', 'account_changed.%').orderBy('created_at');

  /** A parent as a binding's approval leaves one: no mobile of their own, the number typed at step 4 kept. */
  async function parent(phone: string | null = randomMobile()) {
    const p = await personWith(server, [{ schoolCode: '353604', role: 'parent' }], 'phone');
    await db()('persons').where({ id: p.personId }).update({ contact_phone: phone });
    return { id: p.personId, email: p.email, phone, agent: await signedInAgent(issuer, p.email, PERSON_PASSWORD) };
  }

  it('is shown, with a way to change it, on the profile and the identities page; its page says no code is needed', async () => {
    const { phone, agent } = await parent();
    for (const [lang, tr] of [
      ['zh-TW', zh],
      ['en', en],
    ] as const) {
      const profile = await agent.request(`${issuer}/account?lang=${lang}`);
      const row = /<div class="acct-field" id="contact-phone">[\s\S]*?<\/div>/.exec(profile.body)?.[0] ?? '';
      assert.ok(row.includes(`<dt>${html(tr('account.profile.contactPhone'))}</dt>`), `the row (${lang})`);
      assert.ok(row.includes(`>${phone}</span>`), `the number in full, to its owner (${lang})`);
      assert.ok(row.includes(html(tr('account.profile.contactPhoneHint'))), `not a login (${lang})`);
      assert.ok(row.includes('href="/account/contact-phone"'), `the way to change it (${lang})`);
      assert.match(row, new RegExp(`id="contact-phone-link"[^>]*>${tr('account.change')}</a>`), `change (${lang})`);

      const identities = await agent.request(`${issuer}/account/identities?lang=${lang}`);
      const section = /<section id="contact-phone"[\s\S]*?<\/section>/.exec(identities.body)?.[0] ?? '';
      assert.ok(
        section.includes(
          `<a id="contact-phone-link" href="/account/contact-phone">${html(tr('account.identities.changeContactPhone'))}</a>`,
        ),
        `the identities page leads there too (${lang})`,
      );

      const page = await agent.request(`${issuer}/account/contact-phone?lang=${lang}`);
      assert.equal(page.status, 200);
      assert.match(page.body, new RegExp(`<h1>${html(tr('account.contactPhone.title'))}</h1>`));
      assert.ok(page.body.includes(html(tr('account.contactPhone.intro'))), `what it is, and no code (${lang})`);
      assert.ok(page.body.includes(`<strong class="acct-mono">${phone}</strong>`), `the current one (${lang})`);
      assert.match(page.body, /<input id="contact-phone" type="tel" name="contact_phone" value=""/);
      assert.ok(page.body.includes(html(tr('account.contactPhone.remove'))), `a way to remove it (${lang})`);
      assert.ok(page.body.includes('<a id="mobile-link" href="/account/mobile">'), 'where a login mobile is added');
    }
    assert.match(zh('account.contactPhone.intro'), /不需要驗證碼/);
    assert.match(en('account.contactPhone.intro'), /no code is needed/);
  });

  it('changes it at once, read as registration reads it (full-width, an extension); audited and told, never the number', async () => {
    const { id, email, phone, agent } = await parent();
    const saved = await save(agent, '（０２）２１２３－００００ 轉 ３４５');
    assert.equal(saved.status, 303);
    assert.equal(saved.location, `${issuer}/account?done=contactPhone`);
    assert.equal(await stored(id), '02-21230000#345');
    const profile = await agent.request(saved.location!);
    assert.ok(
      profile.body.includes(`<p class="acct-notice" role="status">${html(zh('account.done.contactPhone'))}</p>`),
    );
    assert.ok(profile.body.includes('>02-21230000#345</span>'));
    // Shown once: the profile without `done` has no notice.
    assert.doesNotMatch((await agent.request(`${issuer}/account`)).body, /acct-notice/);

    const [entry, ...more] = await audits(id);
    assert.equal(more.length, 0, 'one entry');
    assert.equal(entry.action, 'person.contact_phone_changed');
    assert.equal(entry.actor, id);
    // Which page, never the number (old or new).
    assert.deepEqual(typeof entry.detail === 'string' ? JSON.parse(entry.detail) : entry.detail, { via: 'account' });
    // The account's email address is told, as of an email, mobile or password change: what and when, never the number
    // (old or new); no code and no text to the number itself.
    const [notice, ...others] = await notices(email);
    assert.equal(others.length, 0, 'one notice');
    assert.equal(notice.kind, 'account_changed.contact_phone');
    assert.equal(notice.channel, 'email');
    assert.equal(notice.subject, zh('account.mail.noticeSubject'));
    assert.match(notice.text_body, /的聯絡電話已於 .+（臺北時間）變更/);
    for (const digits of [phone!, '21230000', '345'])
      assert.ok(!notice.text_body.includes(digits), `never the number (${digits})`);
    assert.equal(
      (await db()('outbox_messages').whereIn('recipient', ['02-21230000#345', '0221230000'])).length,
      0,
      'nothing goes to the number',
    );

    // A mobile typed the usual ways is stored as registration stores it.
    const mobile = await save(agent, '+886 912-000-000');
    assert.equal(mobile.status, 303);
    assert.equal(await stored(id), '0912000000');
    assert.equal((await audits(id)).length, 2);
    assert.equal((await notices(email)).length, 2, 'each change told');
    assert.ok(!(await notices(email))[1].text_body.includes('0912'), 'never the number');
  });

  it('tells the change in the language of the page; a refused or unchanged number writes and sends nothing', async () => {
    const { email, phone, agent } = await parent();
    await agent.request(`${issuer}/account/contact-phone?lang=en`);
    assert.equal((await save(agent, 'not a phone')).status, 400);
    assert.equal((await save(agent, phone!)).status, 400, 'the same number');
    assert.equal((await notices(email)).length, 0, 'nothing sent for a refused number');
    assert.equal((await save(agent, '02-2123-0000')).status, 303);
    const [notice] = await notices(email);
    assert.equal(notice.subject, en('account.mail.noticeSubject'));
    assert.match(notice.text_body, /^The contact phone of your .+ account was changed at .+ \(Taipei time\)\./);
    assert.ok(!notice.text_body.includes('2123'), 'never the number');
  });

  it('without an email address, saves and removes it and sends nothing (there is no one to tell)', async () => {
    const { id, agent } = await parent();
    const before = await db()('outbox_messages').count<{ count: string }[]>({ count: '*' });
    await db()('persons').where({ id }).update({ email: null, email_verified: false });
    assert.equal((await save(agent, '02-2123-0000')).status, 303);
    assert.equal((await remove(agent)).status, 303);
    assert.equal(await stored(id), null);
    const after = await db()('outbox_messages').count<{ count: string }[]>({ count: '*' });
    assert.equal(Number(after[0]!.count), Number(before[0]!.count));
  });

  it('answers a bad number at its field, keeping what was typed and saying why, in both languages (400)', async () => {
    const { id, phone, agent } = await parent();
    for (const [lang, tr] of [
      ['zh-TW', zh],
      ['en', en],
    ] as const) {
      await agent.request(`${issuer}/account/contact-phone?lang=${lang}`);
      const bad = await save(agent, '02-123 <call me>');
      assert.equal(bad.status, 400);
      assert.equal(errorOf(bad.body), html(tr('account.contactPhone.invalid')), `why (${lang})`);
      assert.ok(bad.body.includes('value="02-123 &lt;call me&gt;"'), `what was typed is kept (${lang})`);
      // It stands for the form's page (render.ts formPage): reload and Back ask for that, never post it again.
      assert.match(bad.body, /<body [^>]*data-form-page="\/account\/contact-phone"/);
      assert.match(bad.body, /aria-invalid="true" aria-describedby="contact-phone-error contact-phone-hint"/);
      assert.match(bad.body, new RegExp(`<h1>${html(tr('account.contactPhone.title'))}</h1>`));
      assert.ok(bad.body.includes(`<strong class="acct-mono">${phone}</strong>`), 'the current one still shown');

      const empty = await save(agent, '   ');
      assert.equal(empty.status, 400);
      assert.equal(errorOf(empty.body), html(tr('account.contactPhone.requiredOrRemove')), `how to remove (${lang})`);

      const same = await save(agent, `${phone!.slice(0, 4)}-${phone!.slice(4, 7)}-${phone!.slice(7)}`);
      assert.equal(same.status, 400);
      assert.equal(errorOf(same.body), html(tr('account.contactPhone.same')), `the same number (${lang})`);
    }
    assert.equal(await stored(id), phone, 'nothing changed');
    assert.equal((await audits(id)).length, 0, 'nothing audited');
  });

  it('removes it, told without the number; then the page offers adding one, and removing again writes nothing', async () => {
    const { id, email, phone, agent } = await parent();
    const removed = await remove(agent);
    assert.equal(removed.status, 303);
    assert.equal(removed.location, `${issuer}/account?done=contactPhoneRemoved`);
    assert.equal(await stored(id), null);
    const profile = await agent.request(`${issuer}/account?done=contactPhoneRemoved&lang=en`);
    assert.ok(profile.body.includes(html(en('account.done.contactPhoneRemoved'))));
    const row = /<div class="acct-field" id="contact-phone">[\s\S]*?<\/div>/.exec(profile.body)?.[0] ?? '';
    assert.ok(row.includes(en('account.notSet')), 'not set');
    // None set: its link says add, not change (both languages).
    assert.match(row, new RegExp(`id="contact-phone-link"[^>]*>${en('account.add')}</a>`));
    const zhRow =
      /<div class="acct-field" id="contact-phone">[\s\S]*?<\/div>/.exec(
        (await agent.request(`${issuer}/account?lang=zh-TW`)).body,
      )?.[0] ?? '';
    assert.match(zhRow, new RegExp(`id="contact-phone-link"[^>]*>${zh('account.add')}</a>`));
    assert.equal(zh('account.add'), '新增');
    assert.doesNotMatch((await agent.request(`${issuer}/account/identities`)).body, /id="contact-phone"/);
    const [entry] = await audits(id);
    assert.equal(entry.action, 'person.contact_phone_removed');
    const [notice, ...others] = await notices(email);
    assert.equal(others.length, 0);
    assert.equal(notice.kind, 'account_changed.contact_phone_removed');
    assert.match(notice.text_body, /的聯絡電話已於 .+（臺北時間）刪除/);
    assert.ok(!notice.text_body.includes(phone!), 'never the number');

    const page = await agent.request(`${issuer}/account/contact-phone?lang=zh-TW`);
    // None yet: the page adds one, titled as the profile's link said (新增聯絡電話).
    assert.match(page.body, new RegExp(`<h1>${zh('account.contactPhone.addLabel')}</h1>`));
    assert.ok(page.body.includes(`<strong>${zh('account.notSet')}</strong>`));
    assert.ok(!page.body.includes('/account/contact-phone/remove'), 'nothing to remove');
    const empty = await save(agent, '');
    assert.equal(errorOf(empty.body), html(zh('account.contactPhone.required')));

    assert.equal((await remove(agent)).status, 303, 'a page left open: gone all the same');
    assert.equal((await audits(id)).length, 1, 'and nothing written');
    assert.equal((await notices(email)).length, 1, 'nor sent');

    // Added again, from nothing.
    assert.equal((await save(agent, '037-322150')).status, 303);
    assert.equal(await stored(id), '037-322150');
  });

  it('someone without one, a student say, adds one; a person with a mobile of their own is led to change it', async () => {
    const { id, agent } = await parent(null);
    await db()('persons').where({ id }).update({ mobile: randomMobile(), mobile_verified: true });
    const page = await agent.request(`${issuer}/account/contact-phone`);
    assert.ok(page.body.includes(html(zh('account.contactPhone.mobileText'))));
    assert.ok(
      page.body.includes(
        `<a id="mobile-link" href="/account/mobile">${html(zh('account.contactPhone.changeMobile'))}</a>`,
      ),
    );
    assert.ok(!page.body.includes(html(zh('account.contactPhone.addMobileText'))));
    assert.equal((await save(agent, '0912000000')).status, 303);
    assert.equal(await stored(id), '0912000000');
  });

  it('refuses its forms without their CSRF token (403) or a session, and changes nothing', async () => {
    const { id, phone, agent } = await parent();
    const post = (a: Agent, path: string, body: string) =>
      a.request(`${issuer}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
    assert.equal((await post(agent, '/account/contact-phone', 'contact_phone=0912000000')).status, 403);
    assert.equal(
      (await post(agent, '/account/contact-phone', `contact_phone=0912000000&_csrf=${'a'.repeat(43)}`)).status,
      403,
    );
    assert.equal((await post(agent, '/account/contact-phone/remove', '')).status, 403);
    const stranger = await post(new Agent(), '/account/contact-phone/remove', '');
    assert.equal(stranger.status, 303);
    assert.equal(stranger.location, `${issuer}/account/sign-in`);
    assert.equal(await stored(id), phone);
    assert.equal((await audits(id)).length, 0);
  });
});
