// The linked-accounts page (/account/links), two defects found on a walk: 取消連結 removed a link on one tap (now a
// page that asks first: GET /account/links/:id/unlink, its button the POST with confirm=yes; a POST without it is
// that page, 200, nothing done), and `?result=…` in the address could put a false "已經連結好了" over the page (a good
// outcome is now shown only when the page's own data agrees with it). Each test fails on the old code. Last, the new
// page and the links page in a real browser through axe-core.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { translator } from '../../../src/platform/i18n/index.ts';
import { axeViolations } from '../../helpers/a11y.ts';
import { PERSON_PASSWORD, personWith, signedInAgent } from '../../helpers/account.ts';
import { type Agent, hiddenField, html } from '../../helpers/agent.ts';
import { browserSkip, launchBrowser, shoot, watchedPage } from '../../helpers/browser.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';
import { addUpstream } from '../../helpers/upstream.ts';

const zh = translator('zh-TW');
const en = translator('en');
const FORM = 'application/x-www-form-urlencoded';
const suffix = crypto.randomBytes(3).toString('hex');
const CITY = `city-${suffix}`;
const GOOGLE = `google-${suffix}`;

describe(`account: linked accounts (${storageMode})`, () => {
  let server: TestServer;
  let base: string;

  before(async () => {
    server = await startTestServer();
    base = server.issuer;
    // Configured only (never contacted here): the links are made through the service, as a finished leg would.
    for (const [id, name] of [
      [CITY, '臺北市校園 OpenID'],
      [GOOGLE, 'Google'],
    ]) {
      await addUpstream(server.services.upstreams, {
        id,
        name,
        issuer: 'http://127.0.0.1:9/',
        clientId: 'campus',
        clientSecret: 'not a real secret, never sent',
      });
    }
  });
  after(() => server.close());

  const db = () => server.storage.db;
  const linksOf = (personId: string) => server.services.federatedLinks.list(personId);
  const linkTo = async (personId: string, provider: string, email?: string) => {
    const account = { provider, subject: crypto.randomBytes(6).toString('hex'), email, emailVerified: true };
    assert.equal(await server.services.federatedLinks.link(personId, account, 'portal'), 'linked');
    return (await linksOf(personId)).find((l) => l.provider === provider)!;
  };
  const someone = async (label: string) => {
    const p = await personWith(server, [], label);
    return { ...p, agent: await signedInAgent(base, p.email, PERSON_PASSWORD) };
  };
  const post = async (agent: Agent, path: string, fields: Record<string, string> = {}) => {
    const page = await agent.request(`${base}/account/links`);
    return agent.request(base + path, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({ _csrf: hiddenField(page.body, '_csrf'), ...fields }).toString(),
    });
  };
  /** The notice (good news) or the alert on a links page; undefined: none. */
  const notice = (body: string) => /class="acct-notice"[^>]*>([^<]*)</.exec(body)?.[1];
  const alert = (body: string) => /class="alert"[^>]*>([^<]*)</.exec(body)?.[1];

  it('取消連結 leads to a page that asks first; only its button (confirm=yes) unlinks', async () => {
    const { personId, agent } = await someone('unlinker');
    const link = await linkTo(personId, CITY, 'pupil.wang@city.example');

    const list = await agent.request(`${base}/account/links`);
    assert.equal(list.status, 200);
    assert.ok(
      list.body.includes(`href="/account/links/${link.id}/unlink"`),
      '取消連結 is a link to the page that asks',
    );
    assert.ok(!list.body.includes(`action="/account/links/${link.id}/unlink"`), 'no one-tap form on the list');

    const ask = await agent.request(`${base}/account/links/${link.id}/unlink`);
    assert.equal(ask.status, 200);
    assert.ok(ask.body.includes(html(zh('account.links.confirm.title'))));
    assert.ok(ask.body.includes('臺北市校園 OpenID'), 'names the upstream');
    assert.ok(ask.body.includes('pup***@city.example'), 'and its masked email');
    assert.ok(!ask.body.includes('pupil.wang@'), 'never the whole email');
    assert.ok(ask.body.includes(html(zh('account.links.confirm.afterwards'))));
    assert.match(ask.body, /name="confirm" value="yes"/);
    assert.ok(ask.body.includes(html(zh('account.links.confirm.yes'))));
    assert.ok(ask.body.includes(`href="/account/links">${html(zh('account.links.confirm.back'))}`));

    // A POST without confirm=yes (a page loaded before this change, a stray tap): the page that asks, nothing done.
    const stray = await post(agent, `/account/links/${link.id}/unlink`);
    assert.equal(stray.status, 200);
    assert.ok(stray.body.includes(html(zh('account.links.confirm.title'))));
    assert.equal((await linksOf(personId)).length, 1);
    const wrong = await post(agent, `/account/links/${link.id}/unlink`, { confirm: 'no' });
    assert.equal(wrong.status, 200);
    assert.equal((await linksOf(personId)).length, 1);

    // Without CSRF: refused as every form is.
    const noCsrf = await agent.request(`${base}/account/links/${link.id}/unlink`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: 'confirm=yes',
    });
    assert.equal(noCsrf.status, 403);
    assert.equal((await linksOf(personId)).length, 1);

    const done = await post(agent, `/account/links/${link.id}/unlink`, { confirm: 'yes' });
    assert.equal(done.status, 303);
    assert.equal(done.location, `${base}/account/links?result=unlinked&upstream=${CITY}`);
    assert.equal((await linksOf(personId)).length, 0);
    const after = await agent.follow(done.location!);
    assert.equal(
      notice(after.body),
      html(zh('account.links.result.unlinkedAt', { provider: '臺北市校園 OpenID' })),
      'names the upstream unlinked',
    );
    const audit = await db()('audit_events').where({ subject: personId, action: 'federation.unlinked' });
    assert.equal(audit.length, 1);

    // Gone now: the page that asks sends back with "not found"; English words on the English page.
    const gone = await agent.request(`${base}/account/links/${link.id}/unlink`);
    assert.equal(gone.location, `${base}/account/links?result=missing`);
    const again = await linkTo(personId, GOOGLE);
    const english = await agent.request(`${base}/account/links/${again.id}/unlink`, {
      headers: { 'accept-language': 'en' },
    });
    assert.ok(english.body.includes(html(en('account.links.confirm.title'))), english.body.slice(0, 300));
  });

  it("someone else's link is not found; the last way in gets a page that says so, with no button", async () => {
    const { personId, agent } = await someone('lastway');
    const other = await personWith(server, [], 'other');
    const theirs = await linkTo(other.personId, CITY);
    const peek = await agent.request(`${base}/account/links/${theirs.id}/unlink`);
    assert.equal(peek.location, `${base}/account/links?result=missing`);
    const take = await post(agent, `/account/links/${theirs.id}/unlink`, { confirm: 'yes' });
    assert.equal(take.location, `${base}/account/links?result=missing`);
    assert.equal((await linksOf(other.personId)).length, 1);
    const odd = await agent.request(`${base}/account/links/not-a-uuid/unlink`);
    assert.equal(odd.location, `${base}/account/links?result=missing`);

    const mine = await linkTo(personId, CITY);
    await db()('persons').where({ id: personId }).update({ password_hash: null });
    const list = await agent.request(`${base}/account/links`);
    assert.ok(list.body.includes('id="last-way"'));
    assert.ok(!list.body.includes(`/account/links/${mine.id}/unlink`), 'no 取消連結 for the last way in');
    const ask = await agent.request(`${base}/account/links/${mine.id}/unlink`);
    assert.equal(ask.status, 200);
    assert.ok(ask.body.includes(html(zh('account.links.confirm.last'))));
    assert.ok(!ask.body.includes('name="confirm"'), 'no button that would unlink');
    assert.ok(ask.body.includes('href="/account/password"'));
    const forced = await post(agent, `/account/links/${mine.id}/unlink`, { confirm: 'yes' });
    assert.equal(forced.location, `${base}/account/links?result=last`);
    assert.equal((await linksOf(personId)).length, 1);
    const told = await agent.follow(forced.location!);
    assert.equal(alert(told.body), html(zh('account.links.result.last')));
  });

  it('a good outcome in the address is shown only when the page agrees with it', async () => {
    const { personId, agent } = await someone('forged');
    const page = async (query: string) => {
      const p = await agent.request(`${base}/account/links?${query}`);
      assert.equal(p.status, 200);
      return p.body;
    };
    // Nothing linked: a link sent to the pupil cannot say "Linked." or "already yours" or "unlinked" over the page.
    assert.equal(notice(await page('result=linked')), undefined);
    assert.equal(notice(await page(`result=linked&upstream=${CITY}`)), undefined);
    assert.equal(notice(await page('result=already_yours')), undefined);
    assert.equal(notice(await page('result=unlinked')), undefined, 'unlinked names its upstream');
    assert.equal(notice(await page('result=unlinked&upstream=nobody')), undefined, 'a configured upstream');
    assert.equal(alert(await page('result=provider_linked')), undefined, 'nothing is linked');
    assert.equal(alert(await page('result=last')), undefined, 'there is a password');

    // Just linked (the callback's redirect names no upstream): shown; naming another upstream: not.
    await linkTo(personId, CITY);
    assert.equal(notice(await page('result=linked')), html(zh('account.links.result.linked')));
    assert.equal(
      notice(await page(`result=linked&upstream=${CITY}`)),
      html(zh('account.links.result.linkedAt', { provider: '臺北市校園 OpenID' })),
      'the callback names the upstream: so does the notice',
    );
    assert.equal(notice(await page(`result=linked&upstream=${GOOGLE}`)), undefined);
    assert.equal(notice(await page('result=already_yours')), html(zh('account.links.result.already_yours')));
    assert.equal(notice(await page(`result=already_yours&upstream=${GOOGLE}`)), undefined);
    assert.equal(notice(await page(`result=unlinked&upstream=${CITY}`)), undefined, 'it is still linked');
    assert.equal(
      notice(await page(`result=unlinked&upstream=${GOOGLE}`)),
      html(zh('account.links.result.unlinkedAt', { provider: 'Google' })),
    );

    // Linked an hour ago: "Linked." later, from an address, is not news of this browser's.
    await db()('federated_links')
      .where({ person_id: personId })
      .update({ created_at: new Date(Date.now() - 60 * 60 * 1000) });
    assert.equal(notice(await page('result=linked')), undefined);
    assert.equal(notice(await page(`result=linked&upstream=${CITY}`)), undefined);

    // Failures say only "try again": shown as they come, naming a configured upstream by its name.
    assert.equal(alert(await page('result=failed')), html(zh('account.links.result.failed')));
    assert.equal(
      alert(await page(`result=cancelled&upstream=${CITY}`)),
      html(zh('account.links.result.cancelledAt', { provider: '臺北市校園 OpenID' })),
    );
    assert.equal(
      alert(await page('result=cancelled&upstream=<b>evil</b>')),
      html(zh('account.links.result.cancelled')),
    );
  });

  it('the links page and the page that asks pass axe-core in a browser', { skip: browserSkip }, async () => {
    const { personId, email } = await personWith(server, [], 'axe');
    const link = await linkTo(personId, CITY, 'grandma.lin@city.example');
    let browser: Browser | undefined;
    try {
      browser = await launchBrowser();
      const { context, page, problems } = await watchedPage(browser);
      await page.goto(`${base}/account/links`);
      await page.fill('#login', email);
      await page.fill('#password', PERSON_PASSWORD);
      await Promise.all([page.waitForURL((u) => u.pathname === '/account/links'), page.click('button.primary')]);
      assert.deepEqual(await axeViolations(page), [], 'links page: axe-core');
      await shoot(page, 'account-links-01-list');
      await Promise.all([
        page.waitForURL((u) => u.pathname === `/account/links/${link.id}/unlink`),
        page.click(`a[href="/account/links/${link.id}/unlink"]`),
      ]);
      assert.equal(await page.locator('main h1').innerText(), zh('account.links.confirm.title'));
      assert.deepEqual(await axeViolations(page), [], 'unlink page: axe-core');
      await shoot(page, 'account-links-02-ask');
      // 不要 changes nothing.
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/account/links'),
        page.click(`a:has-text("${zh('account.links.confirm.back')}")`),
      ]);
      assert.equal((await linksOf(personId)).length, 1);
      await page.click(`a[href="/account/links/${link.id}/unlink"]`);
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/account/links' && u.search.includes('result=unlinked')),
        page.click('button.primary'),
      ]);
      assert.equal(
        await page.locator('.acct-notice').innerText(),
        zh('account.links.result.unlinkedAt', { provider: '臺北市校園 OpenID' }),
      );
      assert.equal((await linksOf(personId)).length, 0);
      assert.deepEqual(await axeViolations(page), [], 'links page after unlinking: axe-core');
      await shoot(page, 'account-links-03-unlinked');
      // The last way in: the page that asks says why not, with no button.
      const last = await linkTo(personId, GOOGLE);
      await db()('persons').where({ id: personId }).update({ password_hash: null });
      await page.goto(`${base}/account/links/${last.id}/unlink`);
      assert.deepEqual(await axeViolations(page), [], 'last way page: axe-core');
      await shoot(page, 'account-links-04-last');
      assert.deepEqual(problems, []);
      await context.close();
    } finally {
      await browser?.close();
    }
  });
});
