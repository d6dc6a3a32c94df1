// Adding an email address or a mobile number where there is none, over HTTP against the real server: the profile's
// row offers 新增 / Add (its link named with the words it shows), the page it leads to is titled and worded 新增 / Add
// (its verify page's button too), and the notice after the code says it was added; with a value, 變更 / Change as before.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../../src/domain/people/passwords.ts';
import { insertPerson } from '../../../src/domain/people/persons.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { PERSON_PASSWORD, personWith, postForm, signedInAgent } from '../../helpers/account.ts';
import { type Agent, html } from '../../helpers/agent.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const en = translator('en');
const LANGS = [
  ['zh-TW', zh],
  ['en', en],
] as const;

describe(`account: adding an email or a mobile number where there is none (${storageMode})`, () => {
  let server: TestServer;
  let issuer: string;

  before(async () => {
    server = await startTestServer();
    issuer = server.issuer;
  });
  after(() => server.close());

  const db = () => server.storage.db;
  const randomMobile = () => `09${String(crypto.randomInt(0, 100_000_000)).padStart(8, '0')}`;
  /** The profile's link of a row, `<a id="…-link" …>…</a>`. */
  const linkOf = (body: string, id: string) => new RegExp(`<a id="${id}"[^>]*>[^<]*</a>`).exec(body)?.[0] ?? '';
  const h1 = (body: string) => /<h1>([^<]*)<\/h1>/.exec(body)?.[1];
  async function latestMessage(recipient: string, kind: string) {
    return db()('outbox_messages').where({ recipient, kind }).orderBy('created_at', 'desc').first();
  }
  const codeIn = (text: string) => /\b(\d{6})\b/.exec(text)![1]!;

  /** Verifies the code last sent to `to` on the `kind` verify page; returns the answer. */
  async function verify(agent: Agent, kind: 'email' | 'mobile', to: string) {
    const message = await latestMessage(to, `verify_${kind}_change`);
    assert.ok(message, `a code went to the new ${kind}`);
    const path = `/account/${kind}/verify`;
    return postForm(agent, issuer, path, path, { code: codeIn(message.text_body) });
  }

  it('someone without a mobile number is offered 新增手機號碼 / Add a mobile number, and the page adds one', async () => {
    // A parent as a binding's approval leaves one: a verified email, no mobile of their own.
    const p = await personWith(server, [{ schoolCode: '353604', role: 'parent' }], 'nomobile');
    const agent = await signedInAgent(issuer, p.email, PERSON_PASSWORD);
    for (const [lang, tr] of LANGS) {
      const profile = await agent.request(`${issuer}/account?lang=${lang}`);
      assert.equal(
        linkOf(profile.body, 'mobile-link'),
        `<a id="mobile-link" href="/account/mobile" aria-label="${html(tr('account.contact.mobile.addTitle'))}">${tr('account.add')}</a>`,
        `none yet: add (${lang})`,
      );
      // Its name begins with what it shows (axe: label-content-name-mismatch).
      assert.ok(tr('account.contact.mobile.addTitle').startsWith(tr('account.add')));
      assert.equal(
        linkOf(profile.body, 'email-link'),
        `<a id="email-link" href="/account/email" aria-label="${html(tr('account.contact.email.title'))}">${tr('account.change')}</a>`,
        `an email is there: change (${lang})`,
      );

      const page = await agent.request(`${issuer}/account/mobile?lang=${lang}`);
      assert.equal(page.status, 200);
      assert.equal(h1(page.body), html(tr('account.contact.mobile.addTitle')), `titled add (${lang})`);
      assert.match(page.body, new RegExp(`<title>${html(tr('account.contact.mobile.addTitle'))}`));
      assert.ok(page.body.includes(html(tr('account.contact.mobile.addIntro'))), `worded add (${lang})`);
      assert.ok(!page.body.includes(html(tr('account.contact.mobile.title'))), `no change in sight (${lang})`);
    }
    assert.equal(zh('account.contact.mobile.addTitle'), '新增手機號碼');
    assert.equal(en('account.contact.mobile.addTitle'), 'Add a mobile number');

    const mobile = randomMobile();
    await agent.request(`${issuer}/account/mobile?lang=zh-TW`);
    const sent = await postForm(agent, issuer, '/account/mobile', '/account/mobile', { mobile });
    assert.equal(sent.status, 303);
    const verifyPage = await agent.request(`${issuer}/account/mobile/verify`);
    assert.match(
      verifyPage.body,
      new RegExp(`<button class="primary" type="submit">${zh('account.contact.confirmAdd')}</button>`),
    );
    assert.ok(!verifyPage.body.includes(zh('account.contact.confirm')), 'not 確認變更');
    const done = await verify(agent, 'mobile', mobile);
    assert.equal(done.status, 303);
    assert.equal(done.location, `${issuer}/account?done=mobileAdded`);
    const profile = await agent.request(done.location!);
    assert.ok(
      profile.body.includes(`<p class="acct-notice" role="status">${html(zh('account.done.mobileAdded'))}</p>`),
    );
    // Now there is one: change, as before.
    assert.equal(
      linkOf(profile.body, 'mobile-link'),
      `<a id="mobile-link" href="/account/mobile" aria-label="${html(zh('account.contact.mobile.title'))}">${zh('account.change')}</a>`,
    );
    assert.equal(h1((await agent.request(`${issuer}/account/mobile`)).body), html(zh('account.contact.mobile.title')));
    assert.equal((await db()('persons').where({ id: p.personId }).first()).mobile, mobile);
  });

  it('someone without an email (a username and a mobile) is offered 新增 Email / Add an email, and the page adds one', async () => {
    const tag = crypto.randomBytes(5).toString('hex');
    const password = `Pass-${tag}-word`;
    const person = await insertPerson(db(), {
      username: `noemail-${tag}`,
      mobile: randomMobile(),
      name: '林阿嬤',
      passwordHash: await hashPassword(password, 4),
    });
    assert.equal(person.email, null);
    const agent = await signedInAgent(issuer, `noemail-${tag}`, password);
    for (const [lang, tr] of LANGS) {
      const profile = await agent.request(`${issuer}/account?lang=${lang}`);
      assert.equal(
        linkOf(profile.body, 'email-link'),
        `<a id="email-link" href="/account/email" aria-label="${html(tr('account.contact.email.addTitle'))}">${tr('account.add')}</a>`,
        `none yet: add (${lang})`,
      );
      assert.ok(tr('account.contact.email.addTitle').startsWith(tr('account.add')));
      assert.equal(
        linkOf(profile.body, 'mobile-link'),
        `<a id="mobile-link" href="/account/mobile" aria-label="${html(tr('account.contact.mobile.title'))}">${tr('account.change')}</a>`,
      );
      const page = await agent.request(`${issuer}/account/email?lang=${lang}`);
      assert.equal(h1(page.body), html(tr('account.contact.email.addTitle')), `titled add (${lang})`);
      assert.ok(page.body.includes(html(tr('account.contact.email.addIntro'))), `worded add (${lang})`);
      // A refused address keeps the page's words (add), what was typed and says why.
      const bad = await postForm(agent, issuer, `/account/email?lang=${lang}`, '/account/email', { email: 'grandma@' });
      assert.equal(bad.status, 400);
      assert.equal(h1(bad.body), html(tr('account.contact.email.addTitle')));
      assert.ok(bad.body.includes('value="grandma@"'));
      assert.ok(bad.body.includes(html(tr('account.contact.invalidEmail'))));
    }
    assert.equal(zh('account.contact.email.addTitle'), '新增 Email');
    assert.equal(en('account.contact.email.addTitle'), 'Add an email');

    const email = `grandma-${tag}@example.test`;
    await agent.request(`${issuer}/account?lang=en`);
    assert.equal((await postForm(agent, issuer, '/account/email', '/account/email', { email })).status, 303);
    const verifyPage = await agent.request(`${issuer}/account/email/verify`);
    assert.match(
      verifyPage.body,
      new RegExp(`<button class="primary" type="submit">${en('account.contact.confirmAdd')}</button>`),
    );
    const done = await verify(agent, 'email', email);
    assert.equal(done.location, `${issuer}/account?done=emailAdded`);
    const profile = await agent.request(done.location!);
    assert.ok(profile.body.includes(html(en('account.done.emailAdded'))));
    assert.match(linkOf(profile.body, 'email-link'), new RegExp(`>${en('account.change')}</a>$`));
    const row = await db()('persons').where({ id: person.id }).first();
    assert.equal(row.email, email);
    assert.equal(row.email_verified, true);
  });
});
