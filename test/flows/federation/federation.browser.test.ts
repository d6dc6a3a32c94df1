// Signing in with another account in Chromium (issue 13): first visit → create an account → activation → signed in to
// an app; first visit → link to the demo teacher → identity menu → the app; direct sign-in later; unlinking in the
// account portal; cancel at the upstream. The upstreams are real: two oidc-providers of their own ("the city's
// provider" and "Google"). Each new page is checked with axe-core and photographed.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { translator } from '../../../src/platform/i18n/index.ts';
import { pageChecks } from '../../helpers/a11y.ts';
import { browserSkip, launchBrowser, passChallenge, shoot, watchedPage } from '../../helpers/browser.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';
import { startTestRp, type TestRp } from '../../helpers/test-rp.ts';
import { startConfiguredOp, type UpstreamOp } from '../../helpers/upstream.ts';

const zh = translator('zh-TW');
const suffix = crypto.randomBytes(3).toString('hex');
const CITY = `city-${suffix}`;
const GOOGLE = `google-${suffix}`;
const PASSWORD = 'Blue-Kettle-1987';

let server: TestServer;
let rp: TestRp;
let city: UpstreamOp;
let google: UpstreamOp;
let browser: Browser;
const cityAccounts: Record<string, { email?: string; email_verified?: boolean; name?: string }> = {};
const googleAccounts: typeof cityAccounts = {};

before(async () => {
  if (browserSkip) return;
  server = await startTestServer();
  rp = await startTestRp({
    issuer: server.issuer,
    clients: server.services.clients,
    clientId: 'fed-portfolio-test',
    secret: 'fed-portfolio-secret-0123456789abcd',
    metadata: { first_party: true, client_name: '學習歷程檔案系統（測試）' },
  });
  city = await startConfiguredOp(server, { id: CITY, name: '臺北市校園 OpenID' }, cityAccounts);
  google = await startConfiguredOp(server, { id: GOOGLE, name: 'Google' }, googleAccounts);
  browser = await launchBrowser();
});
after(async () => {
  for (const id of [CITY, GOOGLE]) await server?.services.upstreams.update(id, { enabled: false }, 'test');
  await browser?.close();
  await rp?.close();
  await city?.close();
  await google?.close();
  await server?.close();
});

/** A page in a fresh browser; the upstream's development pages ask for a web font, which this machine cannot reach. */
async function freshPage(locale?: string) {
  const watched = await watchedPage(browser, locale ? { locale } : {});
  await watched.context.route(/^https:\/\/fonts\.(googleapis|gstatic)\.com\//, (route) =>
    route.fulfill({ status: 200, contentType: 'text/css', body: '' }),
  );
  return watched;
}

const checked = pageChecks('federation');

/** At the upstream's development sign-in page: signs in as `account`. */
async function atUpstream(page: Page, account: string) {
  await page.locator('input[name="login"]').waitFor();
  assert.ok(page.url().startsWith('http://127.0.0.1:'), 'at the upstream');
  await page.fill('input[name="login"]', account);
  await page.fill('input[name="password"]', 'any');
  await page.click('button[type="submit"]');
}

async function rpUserinfo(page: Page) {
  await page.locator('#userinfo').waitFor();
  return JSON.parse(await page.locator('#userinfo').innerText()) as {
    sub: string;
    identity?: { role: string };
  };
}

test('first visit → create an account → activation → signed in to the app', { skip: browserSkip }, async () => {
  const sub = `new-${suffix}`;
  const email = `${sub}@gmail.example`;
  googleAccounts[sub] = { email, email_verified: false, name: '張小芬' };
  const { context, page, problems } = await freshPage();
  await page.goto(`${rp.base}/start`);
  await page.locator('#login').waitFor();
  assert.equal(await page.locator('#upstreams-heading').innerText(), zh('federation.heading'));
  await checked(page, '01-sign-in-page', problems);
  await page.click(`a[data-upstream="${GOOGLE}"]`);
  await atUpstream(page, sub);

  // The not-yet-linked page names the upstream and the masked address.
  await page.locator('#create-account').waitFor();
  assert.equal(await page.locator('main h1').innerText(), zh('federation.new.title', { provider: 'Google' }));
  assert.match(await page.locator('main').innerText(), /new\*\*\*@gmail\.example/);
  await checked(page, '02-not-linked', problems);
  await page.click('#create-account');

  // The wizard, prefilled.
  await page.locator('#federated-note').waitFor();
  assert.equal(await page.inputValue('#email'), email);
  assert.equal(await page.inputValue('#name'), '張小芬');
  await shoot(page, 'federation-03-wizard-prefilled');
  await page.selectOption('#school', '353604');
  await page.selectOption('#kind', 'parent');
  await page.fill('#national_id', randomNationalId());
  await page.fill('#password', PASSWORD);
  await page.fill('#password_confirm', PASSWORD);
  await passChallenge(page);
  await page.click('button.reg-next');
  await page.locator('form[action="/register/confirm"]').waitFor();
  await page.click('form[action="/register/confirm"] button[type="submit"]');
  await page.waitForURL(/\/register\/done/);
  await shoot(page, 'federation-04-done');

  // The activation mail (Google did not vouch for the address).
  const person = await server.storage.db('persons').where({ email }).first();
  assert.equal(person.status, 'pending');
  const mail = await server.storage
    .db('outbox_messages')
    .where({ recipient: email, kind: 'registration_activation' })
    .first();
  await page.goto(/(http\S+\/register\/activate\?token=[\w-]+)/.exec(mail.text_body)![1]!);
  // The link's page asks for the password chosen at registration.
  await page.fill('#password', PASSWORD);
  await page.click('button.primary');
  await page.waitForURL(/\/register\/activated/);

  // Back at the app: Google again, and the app has the new account, no password typed.
  await page.goto(`${rp.base}/start`);
  await page.click(`a[data-upstream="${GOOGLE}"]`);
  const info = await rpUserinfo(page);
  assert.equal(info.sub, person.id);
  await shoot(page, 'federation-05-at-the-app');
  assert.deepEqual(problems, []);
  await context.close();
});

test('first visit → link to the demo teacher → identity menu → the app; later straight in; unlink in the portal', {
  skip: browserSkip,
}, async () => {
  const sub = `teacher-${suffix}`;
  cityAccounts[sub] = { email: `wang-${suffix}@city.example`, email_verified: true, name: '王小明' };
  const { context, page, problems } = await freshPage();
  await page.goto(`${rp.base}/start`);
  await page.click(`a[data-upstream="${CITY}"]`);
  await atUpstream(page, sub);
  await page.locator('#link-account').click();

  // The sign-in page, saying what will be linked.
  await page.locator('#linking').waitFor();
  assert.match(await page.locator('#linking').innerText(), /臺北市校園 OpenID/);
  assert.equal(await page.locator('#upstreams-heading').count(), 0);
  await checked(page, '06-sign-in-to-link', problems);
  await page.fill('#login', 'teacher');
  await page.fill('#password', 'Blue-Chalk-2026');
  await page.click('button.primary');

  // Two identities: the menu.
  await page.locator('fieldset.identities').waitFor();
  await page.locator('label.identity', { hasText: zh('role.teacher') }).click();
  await page.click('button.primary');
  const first = await rpUserinfo(page);
  assert.equal(first.identity?.role, 'teacher');
  await context.close();

  // Later, another browser: the city's provider signs the teacher in, and the menu still asks which identity.
  const later = await freshPage();
  await later.page.goto(`${rp.base}/start`);
  await later.page.click(`a[data-upstream="${CITY}"]`);
  await atUpstream(later.page, sub);
  await later.page.locator('fieldset.identities').waitFor();
  assert.equal(await later.page.locator('#password').count(), 0, 'no password asked');
  await shoot(later.page, 'federation-07-identity-menu-after-upstream');
  await later.page.locator('label.identity', { hasText: zh('role.parent') }).click();
  await later.page.click('button.primary');
  const second = await rpUserinfo(later.page);
  assert.equal(second.identity?.role, 'parent');

  // The account's recent sign-ins say how this one was made.
  await later.page.goto(`${server.issuer}/account/sign-ins`);
  await later.page.locator('.acct-table').waitFor();
  assert.match(
    await later.page.locator('.acct-table tbody tr').first().innerText(),
    new RegExp(zh('account.signIns.with', { provider: '臺北市校園 OpenID' })),
  );

  // The account portal lists the link with its last use, and unlinks it.
  await later.page.goto(`${server.issuer}/account/links`);
  await later.page.locator('.acct-item').first().waitFor();
  const item = later.page.locator('.acct-item', { hasText: '臺北市校園 OpenID' });
  assert.match(await item.innerText(), /wan\*\*\*@city\.example/);
  assert.doesNotMatch(await item.innerText(), new RegExp(zh('account.links.never')));
  await checked(later.page, '08-portal-links', later.problems);
  // 取消連結 asks first; its page's button unlinks.
  await Promise.all([
    later.page.waitForURL(/\/unlink$/),
    item.locator('a', { hasText: zh('account.links.unlink') }).click(),
  ]);
  await later.page.locator('form button.primary').click();
  await later.page.locator('.acct-notice').waitFor();
  assert.equal(
    await later.page.locator('.acct-notice').innerText(),
    zh('account.links.result.unlinkedAt', { provider: '臺北市校園 OpenID' }),
  );
  assert.equal(await later.page.locator('.acct-item', { hasText: '臺北市校園 OpenID' }).count(), 0);
  await shoot(later.page, 'federation-09-portal-unlinked');
  assert.deepEqual(later.problems, []);
  await later.context.close();
});

test('cancel at the upstream: back at our sign-in page with a message, the password still works', {
  skip: browserSkip,
}, async () => {
  const { context, page, problems } = await freshPage('en');
  await page.goto(`${rp.base}/start?ui_locales=en`);
  await page.click(`a[data-upstream="${CITY}"]`);
  await page.locator('input[name="login"]').waitFor();
  await page.getByText('[ Cancel ]').click();
  await page.locator('#federation-notice').waitFor();
  assert.equal(
    await page.locator('#federation-notice').innerText(),
    translator('en')('federation.notice.cancelledAt', { provider: '臺北市校園 OpenID' }),
  );
  await checked(page, '10-cancelled-en', problems);
  await page.fill('#login', 'student');
  await page.fill('#password', 'Green-Frog-2026');
  await page.click('button.primary');
  assert.equal((await rpUserinfo(page)).identity?.role, 'student');
  await context.close();
});
